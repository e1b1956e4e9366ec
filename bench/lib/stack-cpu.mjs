// CPU time per request of every process behind a Switchyard request: the five services, and the shared
// infrastructure they use (Postgres backends, nats-server, redis-server), read from /proc while one load runs
// against the gateway alone. The kit's compare counts only the gateway process; this counts the whole bill.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a process in seconds, or 0 when it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Every process on the machine: pid, parent pid and command line (one pass over /proc, no child processes). */
function processTable() {
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      // a Postgres backend's title replaces its argv: the words are separated by spaces, not NULs
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      table.push({ pid: Number(entry), ppid, command });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Named groups of pids: each stack service, plus Postgres (all backends), NATS and Redis. */
export function stackProcesses(servicePids) {
  const table = processTable();
  const matching = (pattern) => table.filter((p) => pattern.test(p.command)).map((p) => p.pid);
  const children = (pid) => table.filter((p) => p.ppid === pid).map((p) => p.pid);
  return {
    // a service's children too: the gateway's workers (GATEWAY_WORKERS > 1) are forked by its primary
    ...Object.fromEntries(Object.entries(servicePids).filter(([name]) => !['anvil', 'demo-search'].includes(name)).map(([name, pid]) => [name, [pid, ...children(pid)]])),
    // the stack's own backends (database `switchyard`, see dev-stack) and the server's shared writers; other
    // sessions' backends (tests on other databases) are not ours
    postgres: [...matching(/^postgres: .* switchyard /), ...matching(/^postgres: [^ ]+: (checkpointer|background writer|walwriter)/)],
    nats: matching(/nats-server/),
    redis: matching(/redis-server/),
  };
}

/** CPU seconds of every pid in the groups, by group. */
function snapshot(groups) {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))]));
}

/** Folds a later snapshot into `seen`: each pid's latest CPU reading (a pid that is gone keeps its last one). */
function remember(seen, later) {
  for (const [name, pids] of Object.entries(later)) {
    const group = (seen[name] ??= new Map());
    for (const [pid, seconds] of pids) if (seconds > 0) group.set(pid, Math.max(seconds, group.get(pid) ?? 0));
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
 * `groupsNow()` lists the processes; it is asked again every second during the load, because Postgres backends come
 * and go with the services' pools (a connection opened during the load counts from zero, one closed during it
 * counts up to its last reading). Postgres, NATS and Redis are shared with anything else running on the machine:
 * read them as upper bounds.
 */
export async function measureStackCpu(groupsNow, load) {
  const before = snapshot(groupsNow());
  const seen = {};
  remember(seen, before);
  const sampler = setInterval(() => remember(seen, snapshot(groupsNow())), RESAMPLE_MS);
  let requests;
  try {
    requests = await load();
  } finally {
    clearInterval(sampler);
  }
  remember(seen, snapshot(groupsNow()));
  const perRequest = Object.fromEntries(
    Object.keys(seen).map((name) => [name, requests > 0 ? Math.round((cpuDelta(before[name], seen[name]) * 1e6) / requests) : null]),
  );
  const total = Object.values(perRequest).reduce((sum, us) => sum + (us ?? 0), 0);
  return { requests, perRequestUs: perRequest, totalUs: total };
}
