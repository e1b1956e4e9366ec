/** Fixed windows in UTC: counters are keyed by their window, so every replica agrees on when one resets. */
export interface Window {
  /** Part of the counter key. */
  readonly id: string;
  /** When the window ends (ms since epoch). */
  readonly endsAtMs: number;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

// Every request asks for the current windows: the last one of each kind is kept (windows are immutable values).
let lastMinute: { index: number; window: Window } | undefined;
let lastDay: { index: number; window: Window } | undefined;
let lastMonth: { startsAtMs: number; window: Window } | undefined;

export function minuteWindow(nowMs: number): Window {
  const index = Math.floor(nowMs / MINUTE_MS);
  if (lastMinute?.index !== index) lastMinute = { index, window: { id: `m${index}`, endsAtMs: (index + 1) * MINUTE_MS } };
  return lastMinute.window;
}

export function dayWindow(nowMs: number): Window {
  const index = Math.floor(nowMs / DAY_MS);
  if (lastDay?.index !== index) lastDay = { index, window: { id: new Date(index * DAY_MS).toISOString().slice(0, 10), endsAtMs: (index + 1) * DAY_MS } };
  return lastDay.window;
}

export function monthWindow(nowMs: number): Window {
  if (lastMonth && nowMs >= lastMonth.startsAtMs && nowMs < lastMonth.window.endsAtMs) return lastMonth.window;
  const now = new Date(nowMs);
  const startsAtMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const endsAtMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  lastMonth = { startsAtMs, window: { id: now.toISOString().slice(0, 7), endsAtMs } };
  return lastMonth.window;
}

/** Counters outlive their window a little so a late settlement still finds them. */
export function counterTtlMs(window: Window, nowMs: number): number {
  // A lifetime counter gets ten years (Redis wants some expiry in the script; it is effectively none).
  if (window.endsAtMs === Number.MAX_SAFE_INTEGER) return 10 * 365 * DAY_MS;
  return Math.max(1_000, window.endsAtMs - nowMs) + MINUTE_MS;
}

/** ISO weeks, Monday 00:00 UTC to Monday. */
export function weekWindow(nowMs: number): Window {
  const day = Math.floor(nowMs / DAY_MS);
  // 1970-01-01 was a Thursday: shift so weeks start on Monday.
  const start = day - ((day + 3) % 7);
  return { id: `w${start}`, endsAtMs: (start + 7) * DAY_MS };
}

/** A window that never resets (a key's lifetime limit). */
export const LIFETIME_WINDOW: Window = { id: 'all', endsAtMs: Number.MAX_SAFE_INTEGER };

export function resetWindow(reset: 'daily' | 'weekly' | 'monthly' | 'never', nowMs: number): Window {
  switch (reset) {
    case 'daily':
      return dayWindow(nowMs);
    case 'weekly':
      return weekWindow(nowMs);
    case 'monthly':
      return monthWindow(nowMs);
    case 'never':
      return LIFETIME_WINDOW;
  }
}
