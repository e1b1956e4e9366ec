import { type AppError, toOpenAiErrorBody } from '@switchyard/errors';
import { toAnthropicErrorBody } from '../anthropic-messages/anthropic-error-body';
import { toGeminiErrorBody } from '../gemini-generate-content/gemini-error.envelope';

/** The bytes that end a native stream with our error, in that API's own shape (a stream cut at the duration limit). */
export type NativeStreamError = (error: AppError, requestId: string) => string;

/** OpenAI and compatible APIs: a `data:` event carrying the error envelope. */
export const openAiStreamError: NativeStreamError = (error, requestId) => `data: ${JSON.stringify(toOpenAiErrorBody(error, requestId))}\n\n`;

/** Anthropic: its `error` event. */
export const anthropicStreamError: NativeStreamError = (error, requestId) => `event: error\ndata: ${JSON.stringify(toAnthropicErrorBody(error, requestId))}\n\n`;

/** Gemini: a bare JSON error object, which @google/genai raises an ApiError for (as the Gemini surface ends a failed stream). */
export const geminiStreamError: NativeStreamError = (error, requestId) => `${JSON.stringify(toGeminiErrorBody(error, requestId))}\n`;
