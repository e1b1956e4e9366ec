import type { Logger } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { FastifyReply } from 'fastify';
import type { GatewayEnv } from '../config/gateway.env';
import type { StreamSlotsStore } from './stream-slots.store';

type StreamLimitsEnv = Pick<GatewayEnv, 'GATEWAY_STREAMS_PER_KEY_MAX' | 'GATEWAY_STREAM_DURATION_MS_MAX' | 'UPSTREAM_TIMEOUT_MS'>;

/**
 * One of the caller's GATEWAY_STREAMS_PER_KEY_MAX stream slots, released when the response closes; none free → 429.
 * Every streaming route takes one (the completion pipeline, native pass-through), so the limit holds across them.
 */
export async function takeStreamSlot(slots: StreamSlotsStore, env: StreamLimitsEnv, scopeId: string, streamId: string, reply: FastifyReply, logger: Logger): Promise<void> {
  const limit = env.GATEWAY_STREAMS_PER_KEY_MAX;
  if (limit === 0) return;
  // Held past the duration cap only if a replica died holding it.
  const holdMs = env.GATEWAY_STREAM_DURATION_MS_MAX + env.UPSTREAM_TIMEOUT_MS;
  if (!(await slots.acquire(scopeId, streamId, limit, holdMs))) {
    throw new AppError('rate_limited', `This key already has ${limit} streams open; wait for one to finish.`, { retryAfterMs: 1_000 });
  }
  reply.raw.once('close', () => void slots.release(scopeId, streamId).catch((error: unknown) => logger.warn({ err: error }, 'stream slot not released')));
}

/** The error a stream ends with when it ran into GATEWAY_STREAM_DURATION_MS_MAX. */
export function streamTooLong(env: Pick<GatewayEnv, 'GATEWAY_STREAM_DURATION_MS_MAX'>): AppError {
  return new AppError('upstream_timeout', `The stream was cut at this gateway's limit of ${env.GATEWAY_STREAM_DURATION_MS_MAX} ms.`);
}
