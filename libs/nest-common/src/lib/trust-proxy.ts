/**
 * Fastify's `trustProxy` for TRUST_PROXY. A hop count (TRUST_PROXY=2) trusts that many proxies in front of the service,
 * as documented; Fastify 5.12 refuses a bare number (it then trusts no hop), so the count becomes the trust function
 * Fastify used to build from it.
 */
export function trustProxyOption(trustProxy: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trustProxy === 'number' ? (_address, hop) => hop < trustProxy : trustProxy;
}
