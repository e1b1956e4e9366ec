// The ledger's hold commands inside a full-stack run, from its `ledger_hold_command_duration_seconds` histogram
// (arrival to commit in the ledger, batch wait included): scraped before and after a load, the difference gives
// commands per second and p50/p99 per command, interpolated within a bucket as Prometheus' histogram_quantile does.

const LEDGER_METRICS_URL = 'http://127.0.0.1:8084/metrics';
const BUCKET_LINE = /^ledger_hold_command_duration_seconds_bucket\{([^}]*)\} (\d+(?:\.\d+)?)$/;
const COMMAND_LABEL = /(?:^|,)command="([^"]*)"/;
const LE_LABEL = /(?:^|,)le="([^"]*)"/;

/** { command: [[le, cumulative count], …] in le order }, or undefined when the ledger cannot be read. */
export async function scrapeHoldCommandBuckets() {
  let text;
  try {
    text = await (await fetch(LEDGER_METRICS_URL)).text();
  } catch {
    return undefined;
  }
  const buckets = {};
  for (const line of text.split('\n')) {
    const match = BUCKET_LINE.exec(line);
    if (!match) continue;
    const command = COMMAND_LABEL.exec(match[1])?.[1];
    const le = LE_LABEL.exec(match[1])?.[1];
    if (command && le) (buckets[command] ??= []).push([le === '+Inf' ? Infinity : Number(le), Number(match[2])]);
  }
  for (const series of Object.values(buckets)) series.sort((a, b) => a[0] - b[0]);
  return buckets;
}

/** The q-quantile of cumulative buckets, linear within the bucket that holds it; its upper bound if that is +Inf. */
function quantile(q, cumulative) {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of cumulative) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1);
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** Per command between two scrapes: { command: { count, perSecond, p50Ms, p99Ms } }. */
export function holdCommandLatency(before, after, seconds) {
  const result = {};
  for (const [command, series] of Object.entries(after ?? {})) {
    const earlier = new Map((before?.[command] ?? []).map(([le, count]) => [le, count]));
    const delta = series.map(([le, count]) => [le, count - (earlier.get(le) ?? 0)]);
    const count = delta.at(-1)?.[1] ?? 0;
    if (count === 0) continue;
    const ms = (value) => (value === null ? null : Math.round(value * 1e5) / 100);
    result[command] = { count, perSecond: Math.round(count / seconds), p50Ms: ms(quantile(0.5, delta)), p99Ms: ms(quantile(0.99, delta)) };
  }
  return result;
}
