import { z } from 'zod';

/**
 * Upper bound on the text of one request's stored content (prompt + completion + tool calls), whatever the operator
 * sets: it travels inside one JetStream message (1 MiB by default).
 */
export const REQUEST_CONTENT_BYTES_MAX = 786_432;

/**
 * A request's prompt and answer, present on `gateway.request.completed` only when its workspace opted in to content
 * logging (and the key did not opt out). Text only, bounded by the gateway; a cut field ends with a marker.
 */
export const RequestContentSchema = z.object({
  /** The request's messages as JSON text (as the client sent them, in the canonical OpenAI shape). */
  prompt: z.string().max(REQUEST_CONTENT_BYTES_MAX),
  /** The answer's text (streams: assembled from the deltas). */
  completion: z.string().max(REQUEST_CONTENT_BYTES_MAX),
  /** The tool calls the model made, as JSON text; null when it made none. */
  toolCalls: z.string().max(REQUEST_CONTENT_BYTES_MAX).nullable(),
  /** Whether a field was cut to the byte bound (the cut field ends with a marker). */
  truncated: z.boolean(),
});
export type RequestContent = z.output<typeof RequestContentSchema>;
