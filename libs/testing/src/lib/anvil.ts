import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { freePort } from './service-process';

/** The well-known anvil/hardhat test mnemonic: its accounts are funded with ETH on a fresh anvil. */
export const ANVIL_TEST_MNEMONIC = 'test test test test test test test test test test test junk';

export interface AnvilChain {
  rpcUrl: string;
  /** The same node over WebSocket (anvil serves ws on the HTTP port). */
  wsUrl: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

export interface AnvilOptions {
  chainId?: number;
  /** `finalized` = latest − 2 × slots (anvil's default 32 gives latest − 64). */
  slotsInAnEpoch?: number;
  /** Mine a block every N seconds; unset = a block per transaction (tests mine explicitly). */
  blockTimeSeconds?: number;
  port?: number;
  /** Loads the chain from this file if it exists and dumps it there on exit (dev chains survive restarts). */
  stateFile?: string;
}

/** Path of the anvil binary shipped inside the npm package (@foundry-rs/anvil-<platform>): no download. */
export function anvilBinary(): string {
  const platform = `${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  return join(dirname(require.resolve(`@foundry-rs/anvil-${platform}/package.json`)), 'bin', 'anvil');
}

export function anvilArgs(options: AnvilOptions & { port: number }): string[] {
  return [
    '--host', '127.0.0.1',
    '--port', String(options.port),
    '--chain-id', String(options.chainId ?? 31_337),
    '--mnemonic', ANVIL_TEST_MNEMONIC,
    '--slots-in-an-epoch', String(options.slotsInAnEpoch ?? 32),
    ...(options.blockTimeSeconds ? ['--block-time', String(options.blockTimeSeconds)] : []),
    ...(options.stateFile ? ['--state', options.stateFile] : []),
    '--silent',
  ];
}

async function waitForRpc(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`anvil at ${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A local EVM chain on loopback, one per test file (its own free port). */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilChain> {
  const port = options.port ?? (await freePort());
  const child = spawn(anvilBinary(), anvilArgs({ ...options, port }), { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(rpcUrl, child, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    rpcUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    chainId: options.chainId ?? 31_337,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
