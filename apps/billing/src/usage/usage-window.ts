const DAY_MS = 86_400_000;

/** The start of a `days`-day window ending today (UTC): today's midnight minus `days − 1` days. */
export function usageWindowStart(days: number, now: Date): Date {
  const startOfToday = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return new Date(startOfToday - (days - 1) * DAY_MS);
}
