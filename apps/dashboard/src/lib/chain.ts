// Chain facts for display. Basis points and confirmations are counts, not money: plain integers are fine here.

const NETWORKS: Record<number, string> = {
  1: 'Ethereum mainnet',
  137: 'Polygon PoS',
  80002: 'Polygon Amoy testnet',
  1337: 'Local dev chain',
  31337: 'Local dev chain (anvil)',
};

export function networkName(chainId: number): string {
  return `${NETWORKS[chainId] ?? 'EVM chain'} · chain id ${chainId}`;
}

export function isLocalChain(chainId: number): boolean {
  return chainId === 31337 || chainId === 1337;
}

/** 500 → "5 %", 125 → "1.25 %". */
export function formatBasisPoints(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100);
  const fraction = basisPoints % 100;
  return `${whole}${fraction ? `.${String(fraction).padStart(2, '0').replace(/0$/, '')}` : ''} %`;
}

/** 0x1234…cdef */
export function shortHex(value: string, keep = 6): string {
  return value.length <= keep * 2 + 2 ? value : `${value.slice(0, keep + 2)}…${value.slice(-keep)}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { dateStyle: 'medium' });
}
