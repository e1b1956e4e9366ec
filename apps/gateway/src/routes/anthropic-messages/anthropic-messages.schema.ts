import { CHAT_LIMITS } from '@switchyard/contracts';
import { z } from 'zod';

/**
 * The Anthropic Messages API request (`POST /v1/messages`), as the official SDKs send it. Unknown fields
 * (`cache_control`, `citations`, `service_tier`…) are accepted and dropped; server tools are refused.
 */

/** Anthropic's own floor for an extended-thinking budget. */
export const THINKING_BUDGET_MIN_TOKENS = 1_024;

const ImageMediaTypeSchema = z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });

const ImageBlockSchema = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: ImageMediaTypeSchema, data: z.string().min(1) }),
    z.object({ type: z.literal('url'), url: z.url({ protocol: /^https?$/ }) }),
  ]),
});

const DocumentBlockSchema = z.object({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
    z.object({ type: z.literal('url'), url: z.url({ protocol: /^https?$/ }) }),
    z.object({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
  ]),
  title: z.string().nullable().optional(),
  context: z.string().nullable().optional(),
});

const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1).max(128),
  input: z.record(z.string(), z.unknown()),
});

const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [TextBlockSchema, ImageBlockSchema, DocumentBlockSchema])).max(CHAT_LIMITS.contentPartsMax)]).optional(),
  is_error: z.boolean().optional(),
});

const ThinkingBlockSchema = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() });
const RedactedThinkingBlockSchema = z.object({ type: z.literal('redacted_thinking'), data: z.string() });

export const AnthropicContentBlockSchema = z.discriminatedUnion('type', [
  TextBlockSchema,
  ImageBlockSchema,
  DocumentBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
  ThinkingBlockSchema,
  RedactedThinkingBlockSchema,
]);
export type AnthropicContentBlock = z.output<typeof AnthropicContentBlockSchema>;
export type AnthropicToolResultBlock = z.output<typeof ToolResultBlockSchema>;

export const AnthropicMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(AnthropicContentBlockSchema).max(CHAT_LIMITS.contentPartsMax)]),
});
export type AnthropicMessage = z.output<typeof AnthropicMessageSchema>;

/** Client tools only (`type` absent or `custom`); Anthropic's server tools have no canonical equivalent. */
const ToolSchema = z.object({
  type: z.literal('custom').optional(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
});

const ToolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

const ThinkingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(THINKING_BUDGET_MIN_TOKENS).max(CHAT_LIMITS.maxTokensMax) }),
  z.object({ type: z.literal('disabled') }),
]);

const PromptFields = {
  model: z.string().min(1).max(200),
  system: z.union([z.string(), z.array(TextBlockSchema).max(CHAT_LIMITS.contentPartsMax)]).optional(),
  messages: z.array(AnthropicMessageSchema).min(1).max(CHAT_LIMITS.messagesMax),
  tools: z.array(ToolSchema).max(CHAT_LIMITS.toolsMax).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  thinking: ThinkingSchema.optional(),
};

export const AnthropicMessagesRequestSchema = z
  .object({
    ...PromptFields,
    max_tokens: z.number().int().min(1).max(CHAT_LIMITS.maxTokensMax),
    // The canonical request (and OpenAI upstreams) take at most this many stop sequences.
    stop_sequences: z.array(z.string()).max(CHAT_LIMITS.stopSequencesMax).optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).optional(),
    metadata: z.object({ user_id: z.string().max(256).nullable().optional() }).optional(),
    stream: z.boolean().optional(),
    /** Models to fall back to, in order (LiteLLM's extension; OpenAI surface: `models`). */
    fallbacks: z.array(z.string().min(1).max(200)).max(CHAT_LIMITS.modelsFallbackMax - 1).optional(),
  })
  .superRefine((body, context) => {
    if (body.thinking?.type === 'enabled' && body.thinking.budget_tokens >= body.max_tokens) {
      context.addIssue({ code: 'custom', path: ['thinking', 'budget_tokens'], message: '`max_tokens` must be greater than `thinking.budget_tokens`.' });
    }
  });
export type AnthropicMessagesRequest = z.output<typeof AnthropicMessagesRequestSchema>;

/** `POST /v1/messages/count_tokens`: the prompt half of a Messages request. */
export const AnthropicCountTokensRequestSchema = z.object(PromptFields);
export type AnthropicCountTokensRequest = z.output<typeof AnthropicCountTokensRequestSchema>;
