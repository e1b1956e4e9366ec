// CPU time per request of every process behind a Switchyard request: the five services, and the shared
// infrastructure they use (Postgres backends, nats-server, redis-server), read from /proc while one load runs
// against the gateway alone. The kit's compare counts only the gateway process; this counts the whole bill.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

function pidsOf(pattern) {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function childPids(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Named groups of pids: each stack service, plus Postgres (all backends), NATS and Redis. */
export function stackProcesses(servicePids) {
  return {
    // a service's children too: the gateway's workers (GATEWAY_WORKERS > 1) are forked by its primary
    ...Object.fromEntries(Object.entries(servicePids).filter(([name]) => !['anvil', 'demo-search'].includes(name)).map(([name, pid]) => [name, [pid, ...childPids(pid)]])),
    // the stack's own backends (database `switchyard`, see dev-stack) and the server's shared writers; other
    // sessions' backends (tests on other databases) are not ours
    postgres: [...pidsOf('^postgres: .* switchyard '), ...pidsOf('^postgres: [^ ]+: (checkpointer|background writer|walwriter)')],
    nats: pidsOf('nats-server'),
    redis: pidsOf('redis-server'),
  };
}

/** CPU seconds per pid, grouped; a pid gone by the second snapshot counts for neither (never a negative delta). */
function snapshot(groups) {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, new Map(pids.map((pid) => [pid, cpuSeconds(pid)]))]));
}

function cpuDelta(before, after) {
  let seconds = 0;
  for (const [pid, end] of after) if (end > 0) seconds += end - (before.get(pid) ?? 0);
  return seconds;
}

/**
 * Runs `load()` (resolving to the number of completed requests) and returns µs of CPU per request for each group.
 * Postgres, NATS and Redis are shared with anything else running on the machine: read them as upper bounds.
 */
export async function measureStackCpu(groups, load) {
  const before = snapshot(groups);
  const requests = await load();
  const after = snapshot(groups);
  const perRequest = Object.fromEntries(Object.keys(groups).map((name) => [name, requests > 0 ? Math.round((cpuDelta(before[name], after[name]) * 1e6) / requests) : null]));
  const total = Object.values(perRequest).reduce((sum, us) => sum + (us ?? 0), 0);
  return { requests, perRequestUs: perRequest, totalUs: total };
}
