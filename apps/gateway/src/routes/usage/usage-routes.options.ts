/** Timeouts of the read-side questions the usage routes ask over NATS (explicit, never a library default). */
export interface UsageRoutesOptions {
  billingTimeoutMs: number;
  ledgerTimeoutMs: number;
}

export const USAGE_ROUTES_OPTIONS = Symbol('USAGE_ROUTES_OPTIONS');
