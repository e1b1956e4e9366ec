type Viem = typeof import('viem');
type ViemSiwe = typeof import('viem/siwe');

let loadedViem: Viem | undefined;
let loadedSiwe: ViemSiwe | undefined;

/**
 * viem, loaded on first use: ~430 modules and ~20 MB of RSS that only Sign-In with Ethereum and agent payments need
 * (agent payments load it at boot when enabled). The first sign-in pays the load once, ~0.2 s on the event loop.
 * bench/README.md "Memory and soak".
 */
export function viem(): Viem {
  return (loadedViem ??= require('viem') as Viem);
}

export function viemSiwe(): ViemSiwe {
  return (loadedSiwe ??= require('viem/siwe') as ViemSiwe);
}
