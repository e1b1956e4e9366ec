import type { Logger } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { FastifyReply } from 'fastify';
import type { GatewayEnv } from '../config/gateway.env';
import type { StreamSlotClaim, StreamSlotsStore } from './stream-slots.store';

type StreamLimitsEnv = Pick<GatewayEnv, 'GATEWAY_STREAMS_PER_KEY_MAX' | 'GATEWAY_STREAM_DURATION_MS_MAX' | 'UPSTREAM_TIMEOUT_MS'>;

/**
 * One of the caller's GATEWAY_STREAMS_PER_KEY_MAX stream slots, released when the response ends; none free → 429.
 * Every streaming route takes one (the completion pipeline, native pass-through), so the limit holds across them.
 */
export async function takeStreamSlot(slots: StreamSlotsStore, env: StreamLimitsEnv, scopeId: string, streamId: string, reply: FastifyReply, logger: Logger): Promise<void> {
  const claim = streamSlotClaim(env, scopeId, streamId);
  if (!claim) return;
  if (!(await slots.acquire(scopeId, streamId, claim.limit, claim.holdMs))) throw streamSlotsFull(claim.limit);
  releaseStreamSlotAtEnd(slots, scopeId, streamId, reply, logger);
}

/** The slot a stream needs, taken together with the guardrail admission (both pass or neither); none when unlimited. */
export function streamSlotClaim(env: StreamLimitsEnv, scopeId: string, streamId: string): StreamSlotClaim | undefined {
  const limit = env.GATEWAY_STREAMS_PER_KEY_MAX;
  if (limit === 0) return undefined;
  // Held past the duration cap only if a replica died holding it.
  return { scopeId, streamId, limit, holdMs: env.GATEWAY_STREAM_DURATION_MS_MAX + env.UPSTREAM_TIMEOUT_MS };
}

export function streamSlotsFull(limit: number): AppError {
  return new AppError('rate_limited', `This key already has ${limit} streams open; wait for one to finish.`, { retryAfterMs: 1_000 });
}

/**
 * 'prefinish' is emitted inside `end()`, before the client can have read the last byte, so a client that opens its next
 * stream as soon as one ends finds the slot free ('close' comes a write callback later). 'close' covers a response
 * that never ends (the client left). Releasing twice is harmless: the second call finds nothing held. A client that
 * left while the slot was being taken has had its 'close' already: the slot goes back at once, else it would stay
 * held (and renewed) for the life of the process, and enough of them lock the key out of streaming.
 */
export function releaseStreamSlotAtEnd(slots: StreamSlotsStore, scopeId: string, streamId: string, reply: FastifyReply, logger: Logger): void {
  const release = () => void slots.release(scopeId, streamId).catch((error: unknown) => logger.warn({ err: error }, 'stream slot not released'));
  if (reply.raw.destroyed) {
    release();
    return;
  }
  reply.raw.once('prefinish', release);
  reply.raw.once('close', release);
}

/** The error a stream ends with when it ran into GATEWAY_STREAM_DURATION_MS_MAX. */
export function streamTooLong(env: Pick<GatewayEnv, 'GATEWAY_STREAM_DURATION_MS_MAX'>): AppError {
  return new AppError('upstream_timeout', `The stream was cut at this gateway's limit of ${env.GATEWAY_STREAM_DURATION_MS_MAX} ms.`);
}
