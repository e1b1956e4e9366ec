import { ChatRequestSchema, GatewayRequestCompleted, GatewayRequestsCompleted, HOLD_COMMAND_CONTRACTS } from '@switchyard/contracts';
import type { ZodType } from 'zod';
import { AnthropicMessagesRequestSchema } from '../routes/anthropic-messages/anthropic-messages.schema';
import { EmbeddingsRequestSchema } from '../routes/embeddings/embeddings.schema';
import { GenerateContentRequestSchema } from '../routes/gemini-generate-content/gemini-generate-content.schema';

export interface WarmupSample {
  name: string;
  schema: ZodType;
  sample: unknown;
}

const WORKSPACE_ID = '00000000-0000-4000-8000-000000000000';
const PROMPT = 'Summarise the following text in one sentence. '.repeat(8);

const COMPLETED = {
  requestId: 'gen-warmup',
  holdId: 'pool-warmup',
  workspaceId: WORKSPACE_ID,
  apiKeyId: WORKSPACE_ID,
  requestedModel: 'openai/gpt-4o-mini',
  modelId: 'openai/gpt-4o-mini',
  providerId: 'openai',
  surface: 'openai',
  streamed: true,
  outcome: 'succeeded',
  usage: { promptTokens: 120, completionTokens: 16, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
  webSearchRequests: 0,
  errorCode: null,
  attempts: [{ providerId: 'openai', modelId: 'openai/gpt-4o-mini', outcome: 'succeeded', latencyMs: 4, ttftMs: 2 }],
  startedAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:00.004Z',
  latencyMs: 4,
  ttftMs: 2,
  endUserId: null,
  appTitle: null,
  appReferer: null,
  strategy: 'balanced',
  autoTier: null,
  byokFeeBasisPoints: null,
};

/**
 * What a typical request passes through zod on its way: each body schema of the model surfaces, the completion
 * event and the hold commands. Each sample must be valid (boot-warmup.spec.ts checks it): zod compiles a schema's
 * parser on its first parse, along the paths the value takes.
 */
export const WARMUP_SAMPLES: WarmupSample[] = [
  {
    name: 'chat completion (OpenAI surface)',
    schema: ChatRequestSchema,
    sample: {
      model: 'openai/gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: PROMPT }] },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: PROMPT },
      ],
    },
  },
  {
    name: 'messages (Anthropic surface)',
    schema: AnthropicMessagesRequestSchema,
    sample: {
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 256,
      stream: true,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: PROMPT },
        { role: 'assistant', content: [{ type: 'text', text: 'Noted.' }] },
        { role: 'user', content: [{ type: 'text', text: PROMPT }] },
      ],
    },
  },
  {
    name: 'generateContent (Gemini surface)',
    schema: GenerateContentRequestSchema,
    sample: {
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      contents: [
        { role: 'user', parts: [{ text: PROMPT }] },
        { role: 'model', parts: [{ text: 'Noted.' }] },
        { role: 'user', parts: [{ text: PROMPT }] },
      ],
      generationConfig: { maxOutputTokens: 256, temperature: 0.2 },
    },
  },
  { name: 'embeddings', schema: EmbeddingsRequestSchema, sample: { model: 'openai/text-embedding-3-small', input: [PROMPT, 'second input'] } },
  { name: 'completion event', schema: GatewayRequestCompleted.payload, sample: COMPLETED },
  { name: 'completions event', schema: GatewayRequestsCompleted.payload, sample: { events: [COMPLETED, { ...COMPLETED, requestId: 'gen-warmup-2' }] } },
  {
    name: 'hold create',
    schema: HOLD_COMMAND_CONTRACTS.create.request,
    sample: { holdId: 'pool-warmup', workspaceId: WORKSPACE_ID, amountMicros: '5000', minAmountMicros: '1000', timeoutMs: 300_000, metadata: { pool: true } },
  },
  { name: 'hold created', schema: HOLD_COMMAND_CONTRACTS.create.response, sample: { holdId: 'pool-warmup', status: 'pending', amountMicros: '5000', availableMicros: '0' } },
];
