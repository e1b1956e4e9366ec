import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@switchyard/testing';

/**
 * A nats-server or redis-server that belongs to one chaos suite: started on a free port as a child process, so the
 * suite can kill and restart it without touching the shared servers other tests use (4222, 6379). Same port and
 * (for NATS) the same JetStream store directory across restarts, like a real broker coming back.
 */
export class OwnServer {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly command: string,
    private readonly args: string[],
    private readonly cleanup: () => void,
  ) {}

  /** nats-server with JetStream, its file store in a temp directory kept across restarts. */
  static async nats(): Promise<OwnServer> {
    const port = await freePort();
    const storeDir = mkdtempSync(join(tmpdir(), 'sy-chaos-nats-'));
    const server = new OwnServer('nats', port, process.env.CHAOS_NATS_SERVER ?? '/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], () =>
      rmSync(storeDir, { recursive: true, force: true }),
    );
    await server.start();
    return server;
  }

  /** redis-server with no persistence (a restart loses every key, like a cache node replaced). */
  static async redis(): Promise<OwnServer> {
    const port = await freePort();
    const server = new OwnServer('redis', port, process.env.CHAOS_REDIS_SERVER ?? '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], () => undefined);
    await server.start();
    return server;
  }

  get url(): string {
    return this.name === 'nats' ? `nats://127.0.0.1:${this.port}` : `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    this.output = '';
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (!(await acceptsTcp(this.port))) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not listen on ${this.port} within ${timeoutMs} ms:\n${this.output}`);
      await sleep(50);
    }
  }

  /** SIGKILL: the server vanishes without a goodbye. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.running) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.cleanup();
  }
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
