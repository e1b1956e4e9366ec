// CPU time per request of every process behind a Switchyard request: the five services, and the shared
// infrastructure they use (Postgres backends, nats-server, redis-server), read from /proc while one load runs
// against the gateway alone. The kit's compare counts only the gateway process; this counts the whole bill.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Every process on the machine: pid, parent pid, command line and CPU seconds so far (one pass over /proc). */
function processTable() {
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // a Postgres backend's title replaces its argv: the words are separated by spaces, not NULs
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      table.push({ pid: Number(entry), ppid: Number(fields[1]), command, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/**
 * The stack's processes now, in named groups (each stack service with its children, Postgres, NATS, Redis): for
 * each group, its pids and the CPU seconds each has used so far.
 */
export function stackSnapshot(servicePids, database = 'switchyard') {
  const table = processTable();
  const cpuOf = (processes) => new Map(processes.map((p) => [p.pid, p.cpuSeconds]));
  const matching = (pattern) => table.filter((p) => pattern.test(p.command));
  const withChildren = (pid) => table.filter((p) => p.pid === pid || p.ppid === pid);
  return {
    // a service's children too: the gateway's workers (GATEWAY_WORKERS > 1) are forked by its primary
    ...Object.fromEntries(Object.entries(servicePids).filter(([name]) => !['anvil', 'demo-search'].includes(name)).map(([name, pid]) => [name, cpuOf(withChildren(pid))])),
    // the stack's own backends (database `switchyard`, see dev-stack) and the server's shared writers; other
    // sessions' backends (tests on other databases) are not ours
    postgres: cpuOf([...matching(new RegExp(`^postgres: .* ${database} `)), ...matching(/^postgres: [^ ]+: (checkpointer|background writer|walwriter)/)]),
    nats: cpuOf(matching(/nats-server/)),
    redis: cpuOf(matching(/redis-server/)),
  };
}

/** Folds a later snapshot into `seen`: each pid's latest CPU reading (a pid that is gone keeps its last one). */
function remember(seen, later) {
  for (const [name, pids] of Object.entries(later)) {
    const group = (seen[name] ??= new Map());
    for (const [pid, seconds] of pids) group.set(pid, Math.max(seconds, group.get(pid) ?? 0));
  }
}

function cpuDelta(before, last) {
  let seconds = 0;
  for (const [pid, end] of last) seconds += end - (before?.get(pid) ?? 0);
  return seconds;
}

const RESAMPLE_MS = 1_000;

/**
 * Runs `load()` (resolving to the number of completed requests) and returns µs of CPU per request for each group.
 * `snapshotNow()` (stackSnapshot) is taken again every second during the load, because Postgres backends come and
 * go with the services' pools (a connection opened during the load counts from zero, one closed during it counts
 * up to its last reading). Postgres, NATS and Redis are shared with anything else running on the machine: read
 * them as upper bounds.
 */
export async function measureStackCpu(snapshotNow, load) {
  const before = snapshotNow();
  const seen = {};
  remember(seen, before);
  const sampler = setInterval(() => remember(seen, snapshotNow()), RESAMPLE_MS);
  let requests;
  try {
    requests = await load();
  } finally {
    clearInterval(sampler);
  }
  remember(seen, snapshotNow());
  const perRequest = Object.fromEntries(
    Object.keys(seen).map((name) => [name, requests > 0 ? Math.round((cpuDelta(before[name], seen[name]) * 1e6) / requests) : null]),
  );
  const total = Object.values(perRequest).reduce((sum, us) => sum + (us ?? 0), 0);
  return { requests, perRequestUs: perRequest, totalUs: total };
}
