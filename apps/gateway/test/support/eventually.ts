/**
 * Calls `read` until `accept` holds (or the time is up, then returns the last value for the assertion to report).
 * Billing commits its charge row a moment after the ledger capture that settles the credits, so tests that read
 * charges right after `settledCredits` poll for them.
 */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
