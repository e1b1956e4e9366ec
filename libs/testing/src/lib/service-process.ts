import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PORT_TAKEN_EXIT_CODE } from '@switchyard/errors';

export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  process: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

/** Launches on a port freePort() chose: tried this many times when another process took the port first. */
const PORT_RACE_ATTEMPTS = 3;

/** The service exited because its port was taken (PORT_TAKEN_EXIT_CODE). */
export class PortTakenError extends Error {}

/**
 * Runs `apps/<app>/src/main.ts` as its own Node process and waits until its /readyz answers 200. A port chosen here
 * is free when chosen but not reserved: an outgoing connection of another test can take it before the service
 * listens (EADDRINUSE, seen in CI), and then the service starts again on another one.
 */
export async function startServiceProcess(app: string, env: Record<string, string>, options: { readyTimeoutMs?: number; port?: number } = {}): Promise<ServiceProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchServiceProcess(app, env, options.port ?? (await freePort()), options.readyTimeoutMs);
    } catch (error) {
      if (!(error instanceof PortTakenError) || options.port !== undefined || attempt >= PORT_RACE_ATTEMPTS) throw error;
    }
  }
}

async function launchServiceProcess(app: string, env: Record<string, string>, port: number, readyTimeoutMs = 30_000): Promise<ServiceProcess> {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(REPO_ROOT, 'apps', app, 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      const Failure = child.exitCode === PORT_TAKEN_EXIT_CODE ? PortTakenError : Error;
      throw new Failure(`${app} exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      // bounded: whatever else holds the port may accept and never answer
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} was not ready within the timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    name: app,
    url,
    port,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
