import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';

export interface ProcessWorkersOptions {
  serviceName: string;
  /** Worker processes sharing the listening port; 1 runs the service in this process, no primary. */
  workers: number;
  /** How long a worker may drain after SIGTERM before the primary kills it (the service's own grace plus margin). */
  shutdownGraceMs: number;
  logLevel: string;
  /** Starts the service; runs in each worker (or in this process when workers is 1). */
  start: () => Promise<void>;
}

/** A worker that dies sooner than this after its start counts toward the crash-loop backoff. */
const QUICK_EXIT_MS = 10_000;
const RESTART_DELAY_MS_MAX = 30_000;

/**
 * Runs a service as `workers` Node processes on one port (node:cluster): the primary only forks, restarts crashed
 * workers (with backoff when they crash at once) and forwards SIGTERM/SIGINT so each worker drains as a lone
 * process would. For a host without an orchestrator; under Kubernetes run one worker per pod and scale pods
 * (docs/scaling.md): each worker keeps its own metrics, so a scrape through the shared port sees one of them.
 */
export async function runProcessWorkers(options: ProcessWorkersOptions): Promise<void> {
  if (options.workers <= 1 || !cluster.isPrimary) return options.start();

  // plain pino: the primary loads neither Nest nor the service's modules
  const logger = pino({ level: options.logLevel, base: { service: options.serviceName, role: 'primary' }, timestamp: pino.stdTimeFunctions.isoTime });
  let stopping = false;
  let quickExits = 0;
  const startedAt = new Map<Worker, number>();
  const fork = (index: number) => {
    const worker = cluster.fork({ WORKER_INDEX: String(index) });
    startedAt.set(worker, Date.now());
    worker.on('exit', (code, signal) => {
      const livedMs = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      if (stopping) {
        if (startedAt.size === 0) process.exit(0);
        return;
      }
      quickExits = livedMs < QUICK_EXIT_MS ? quickExits + 1 : 0;
      const delayMs = Math.min(RESTART_DELAY_MS_MAX, quickExits === 0 ? 0 : 500 * 2 ** (quickExits - 1));
      logger.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delayMs }, `${options.serviceName} worker exited; starting another`);
      setTimeout(() => fork(index), delayMs);
    });
  };
  for (let index = 0; index < options.workers; index++) fork(index);
  logger.info({ workers: options.workers, pid: process.pid }, `${options.serviceName} primary started ${options.workers} workers`);

  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (startedAt.size === 0) process.exit(0);
    // SIGTERM whatever came in: on a terminal's Ctrl-C the workers already got SIGINT themselves.
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of startedAt.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, options.shutdownGraceMs + 2_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
