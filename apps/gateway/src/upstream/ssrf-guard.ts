import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '@switchyard/errors';

/**
 * Address ranges a user-supplied URL may not reach: the gateway's own host, its network and the cloud metadata
 * endpoint (169.254.169.254). IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match their IPv4 range.
 */
const BLOCKED_RANGES: ReadonlyArray<{ network: string; prefix: number; family: 'ipv4' | 'ipv6'; reason: string }> = [
  { network: '0.0.0.0', prefix: 8, family: 'ipv4', reason: 'unspecified' },
  { network: '10.0.0.0', prefix: 8, family: 'ipv4', reason: 'private' },
  { network: '100.64.0.0', prefix: 10, family: 'ipv4', reason: 'carrier-grade NAT' },
  { network: '127.0.0.0', prefix: 8, family: 'ipv4', reason: 'loopback' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4', reason: 'link-local' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4', reason: 'private' },
  { network: '192.0.0.0', prefix: 24, family: 'ipv4', reason: 'reserved' },
  { network: '192.0.2.0', prefix: 24, family: 'ipv4', reason: 'reserved' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4', reason: 'private' },
  { network: '198.18.0.0', prefix: 15, family: 'ipv4', reason: 'reserved' },
  { network: '198.51.100.0', prefix: 24, family: 'ipv4', reason: 'reserved' },
  { network: '203.0.113.0', prefix: 24, family: 'ipv4', reason: 'reserved' },
  { network: '224.0.0.0', prefix: 4, family: 'ipv4', reason: 'multicast' },
  { network: '240.0.0.0', prefix: 4, family: 'ipv4', reason: 'reserved' },
  { network: '::', prefix: 128, family: 'ipv6', reason: 'unspecified' },
  { network: '::1', prefix: 128, family: 'ipv6', reason: 'loopback' },
  // IPv4-compatible (deprecated) addresses such as ::127.0.0.1.
  { network: '::', prefix: 96, family: 'ipv6', reason: 'reserved' },
  { network: '100::', prefix: 64, family: 'ipv6', reason: 'reserved' },
  { network: '2001:db8::', prefix: 32, family: 'ipv6', reason: 'reserved' },
  { network: 'fc00::', prefix: 7, family: 'ipv6', reason: 'unique-local' },
  { network: 'fe80::', prefix: 10, family: 'ipv6', reason: 'link-local' },
  { network: 'fec0::', prefix: 10, family: 'ipv6', reason: 'site-local' },
  { network: 'ff00::', prefix: 8, family: 'ipv6', reason: 'multicast' },
];

const BLOCKED = BLOCKED_RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, range.family);
  return { list, reason: range.reason };
});

/** Why an IP address is not public (`'loopback'`, `'private'`, …), or null when it is. Not an IP → `'invalid'`. */
export function blockedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, reason } of BLOCKED) if (list.check(address, type)) return reason;
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judged by that address.
  const embedded = family === 6 ? embeddedIpv4(address) : undefined;
  return embedded ? blockedAddressReason(embedded) : null;
}

const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');
const SIX_TO_FOUR = new BlockList();
SIX_TO_FOUR.addSubnet('2002::', 16, 'ipv6');

function embeddedIpv4(address: string): string | undefined {
  const words = expandIpv6(address);
  if (!words) return undefined;
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (NAT64.check(address, 'ipv6')) return quad(words[6], words[7]);
  if (SIX_TO_FOUR.check(address, 'ipv6')) return quad(words[1], words[2]);
  return undefined;
}

/** Eight 16-bit words of an IPv6 address (a trailing dotted quad included). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const words = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

export interface FetchPolicy {
  /** The operator's escape hatch (GATEWAY_FETCH_ALLOW_PRIVATE): any address is allowed. */
  allowPrivate: boolean;
  /** Host names (exact, lower case) and CIDRs exempt from the check (GATEWAY_FETCH_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
}

/** `GATEWAY_FETCH_ALLOWED_HOSTS` entries split into exact host names and a block list of CIDRs/addresses. */
function allowances(policy: FetchPolicy): { hosts: Set<string>; addresses: BlockList } {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const entry of policy.allowedHosts) {
    const [network, prefix] = entry.split('/');
    const family = isIP(network);
    if (family === 0) hosts.add(entry.toLowerCase().replace(/\.$/, ''));
    else if (prefix === undefined) addresses.addAddress(network, family === 4 ? 'ipv4' : 'ipv6');
    else addresses.addSubnet(network, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return { hosts, addresses };
}

/** Parses a GATEWAY_FETCH_ALLOWED_HOSTS entry; false when it is neither a host name nor an IP/CIDR. */
export function isAllowedHostEntry(entry: string): boolean {
  const [network, prefix, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const family = isIP(network);
  if (family === 0) return prefix === undefined && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(network);
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

const RESOLVE_TIMEOUT_MS = 2_000;

/** The system resolver (what a connection would use), bounded in time. */
export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`resolving ${hostname} took over ${RESOLVE_TIMEOUT_MS} ms`)), RESOLVE_TIMEOUT_MS);
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses);
    });
  });

/**
 * Refuses URLs the gateway must not reach (or hand on) for a user: anything but http(s), and any host that is or
 * resolves to a non-public address (one such address is enough: a host answering both is a rebinding setup).
 * `lookup` is the same check as a `net.connect` lookup, so a connection made with it uses the address it checked.
 */
export class SsrfGuard {
  private readonly allowedHosts: Set<string>;
  private readonly allowedAddresses: BlockList;

  constructor(
    private readonly policy: FetchPolicy,
    private readonly resolve: Resolve = systemResolve,
  ) {
    const allowed = allowances(policy);
    this.allowedHosts = allowed.hosts;
    this.allowedAddresses = allowed.addresses;
  }

  /** Resolves when `rawUrl` may be reached; otherwise throws a 400 `invalid_request` naming `param`. */
  async checkUrl(rawUrl: string, param: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw refused('is not a valid URL', param);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('must be http(s)', param);
    if (this.policy.allowPrivate) return;
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
    if (this.allowedHosts.has(host)) return;
    await this.publicAddresses(host, param);
  }

  /** A `dns.lookup`-compatible function for an HTTP agent: connections go only to addresses that pass. */
  readonly lookup = (hostname: string, options: { all?: boolean } | number | undefined, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const all = typeof options === 'object' && options?.all === true;
    const chosen: Promise<readonly LookupAddress[]> =
      this.policy.allowPrivate || this.allowedHosts.has(host) ? this.resolveHost(host) : this.publicAddresses(host, 'url');
    chosen.then(
      (addresses) => (all ? callback(null, [...addresses]) : callback(null, addresses[0].address, addresses[0].family)),
      (error: Error) => callback(error, all ? [] : ''),
    );
  };

  private async publicAddresses(host: string, param: string): Promise<readonly LookupAddress[]> {
    let addresses: readonly LookupAddress[];
    try {
      addresses = await this.resolveHost(host);
    } catch {
      throw refused(`host '${host.slice(0, 253)}' could not be resolved`, param);
    }
    if (addresses.length === 0) throw refused(`host '${host.slice(0, 253)}' could not be resolved`, param);
    for (const { address } of addresses) {
      if (this.allowedAddresses.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) continue;
      const reason = blockedAddressReason(address);
      if (reason) throw refused(`points to a ${reason} address, which this gateway does not reach for users`, param);
    }
    return addresses;
  }

  private async resolveHost(host: string): Promise<readonly LookupAddress[]> {
    const family = isIP(host);
    return family ? [{ address: host, family }] : this.resolve(host);
  }
}

function refused(why: string, param: string): AppError {
  return new AppError('invalid_request', `The URL ${why}.`, { param });
}
