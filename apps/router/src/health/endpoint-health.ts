import type { EndpointHealth } from '@switchyard/contracts';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { percentilesMs } from './percentiles';

export interface EndpointHealthOptions {
  breaker: CircuitBreakerOptions;
  /** Samples older than this do not count towards percentiles and the success rate. */
  windowMs: number;
  /** At most this many recent samples are kept (a ring). */
  samplesMax: number;
}

/** One attempt as health sees it: it either served or failed for a reason the endpoint owns. */
export interface HealthSample {
  atMs: number;
  succeeded: boolean;
  latencyMs: number;
  ttftMs: number | undefined;
}

const MINUTE_MS = 60_000;
const UPTIME_MINUTES = 30;

/** Rolling latency/TTFT samples, per-minute uptime counts and the circuit breaker of one (provider, model) endpoint. */
export class EndpointHealthWindow {
  private readonly samples: HealthSample[] = [];
  private next = 0;
  /** Ring of per-minute counts: index = minute % 30. */
  private readonly minutes = Array.from({ length: UPTIME_MINUTES }, () => ({ minute: -1, successes: 0, failures: 0 }));
  private readonly breaker: CircuitBreaker;

  constructor(
    readonly providerId: string,
    readonly modelId: string,
    private readonly options: EndpointHealthOptions,
  ) {
    this.breaker = new CircuitBreaker(options.breaker);
  }

  record(sample: HealthSample): void {
    if (this.samples.length < this.options.samplesMax) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % this.options.samplesMax;
    const minute = Math.floor(sample.atMs / MINUTE_MS);
    const bucket = this.minutes[minute % UPTIME_MINUTES];
    if (bucket.minute !== minute) Object.assign(bucket, { minute, successes: 0, failures: 0 });
    if (sample.succeeded) bucket.successes += 1;
    else bucket.failures += 1;
    if (sample.succeeded) this.breaker.recordSuccess();
    else this.breaker.recordFailure(sample.atMs);
  }

  restoreOpenBreaker(retryAtMs: number, consecutiveFailures: number): void {
    this.breaker.restoreOpen(retryAtMs, consecutiveFailures);
  }

  view(nowMs: number): EndpointHealth {
    const since = nowMs - this.options.windowMs;
    const latencies: number[] = [];
    const ttfts: number[] = [];
    let successes = 0;
    let failures = 0;
    for (const sample of this.samples) {
      if (sample.atMs < since) continue;
      if (!sample.succeeded) {
        failures += 1;
        continue;
      }
      successes += 1;
      latencies.push(sample.latencyMs);
      ttfts.push(sample.ttftMs ?? sample.latencyMs);
    }
    const samples = successes + failures;
    return {
      providerId: this.providerId,
      modelId: this.modelId,
      samples,
      successes,
      failures,
      successRate: samples > 0 ? successes / samples : null,
      latencyMs: percentilesMs(latencies),
      ttftMs: percentilesMs(ttfts),
      uptimeLast5m: this.uptime(nowMs, 5),
      uptimeLast30m: this.uptime(nowMs, 30),
      breaker: this.breaker.view(nowMs),
    };
  }

  private uptime(nowMs: number, minutesBack: number): number | null {
    const current = Math.floor(nowMs / MINUTE_MS);
    let successes = 0;
    let total = 0;
    for (const bucket of this.minutes) {
      if (bucket.minute <= current - minutesBack || bucket.minute > current) continue;
      successes += bucket.successes;
      total += bucket.successes + bucket.failures;
    }
    return total > 0 ? successes / total : null;
  }
}
