#!/usr/bin/env bash
# Makes sure Postgres, Redis and NATS (JetStream) answer at the configured URLs.
#   --start-installed : start any that is installed on this machine but stopped (dev and CI machines)
# Where one is missing and a Docker engine runs, `docker compose` starts it; otherwise say what is missing.
set -uo pipefail
mode="${1:-}"

pg_host=127.0.0.1; pg_port=5432
redis_host=127.0.0.1; redis_port=6379
nats_host=127.0.0.1; nats_port=4222
parse() { # scheme://[user@]host:port/...
  local url="$1" def_port="$2"; local rest="${url#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  local host="${rest%%:*}"; local port="${rest##*:}"; [ "$port" = "$rest" ] && port="$def_port"; echo "$host $port"
}
[ -n "${DATABASE_URL:-}" ] && read -r pg_host pg_port < <(parse "$DATABASE_URL" 5432)
[ -n "${REDIS_URL:-}" ] && read -r redis_host redis_port < <(parse "$REDIS_URL" 6379)
[ -n "${NATS_URL:-}" ] && read -r nats_host nats_port < <(parse "$NATS_URL" 4222)

up() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_up() { for _ in $(seq 1 40); do up "$1" "$2" && return 0; sleep 0.25; done; return 1; }

start_installed() {
  case "$1" in
    postgres) command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1 && pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start ;;
    redis) command -v redis-server >/dev/null && mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ;;
    nats) [ -x /usr/sbin/nats-server ] && mkdir -p /var/lib/nats-server && start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log ;;
  esac
}

missing=()
for svc in "postgres $pg_host $pg_port" "redis $redis_host $redis_port" "nats $nats_host $nats_port"; do
  read -r name host port <<<"$svc"
  up "$host" "$port" && continue
  if [ "$mode" = "--start-installed" ] && start_installed "$name" >/dev/null 2>&1 && wait_up "$host" "$port"; then
    echo "started $name (installed locally)"; continue
  fi
  if docker info >/dev/null 2>&1; then
    docker compose up -d "$name" && wait_up "$host" "$port" && { echo "started $name with docker compose"; continue; }
  fi
  missing+=("$name at $host:$port")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Switchyard needs these and cannot reach them: ${missing[*]}." >&2
  echo "Install and start them (Postgres 15+, Redis 7, NATS 2.10+ with -js), or set DATABASE_URL / REDIS_URL / NATS_URL, or run a Docker engine so 'docker compose' can start them." >&2
  exit 1
fi
