import { COMPLETIONS_PER_MESSAGE_MAX } from '@switchyard/contracts';

/**
 * Messages of several completions (gateway.requests.completed) billing handles at once: enough that two settlement
 * batches fill even when each message carries only a few. Each message is acked only once all its completions are
 * settled, so with 4 in flight a batch held ~4 × a few events and waited out its linger: billing settled ~500
 * completions a second however fast the gateway produced them (bench/README.md).
 */
export const completionBatchesInFlight = (settlementBatchMax: number): number => Math.max(4, Math.ceil(settlementBatchMax / 2));

/**
 * Completions the consumers can hand the settlement batcher at once, so its queue bound sheds only on a bug: twice a
 * batch of single-completion messages in flight, as much again forming, and the messages of several.
 */
export const settlementQueueMax = (settlementBatchMax: number): number =>
  settlementBatchMax * 4 + completionBatchesInFlight(settlementBatchMax) * COMPLETIONS_PER_MESSAGE_MAX;
