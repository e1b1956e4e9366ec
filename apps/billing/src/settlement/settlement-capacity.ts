import { COMPLETIONS_PER_MESSAGE_MAX } from '@switchyard/contracts';

/** Messages of several completions (gateway.requests.completed) billing handles at once. */
export const COMPLETION_BATCHES_IN_FLIGHT = 4;

/**
 * Completions the consumers can hand the settlement batcher at once, so its queue bound sheds only on a bug: twice a
 * batch of single-completion messages in flight, as much again forming, and the messages of several.
 */
export const settlementQueueMax = (settlementBatchMax: number): number => settlementBatchMax * 4 + COMPLETION_BATCHES_IN_FLIGHT * COMPLETIONS_PER_MESSAGE_MAX;
