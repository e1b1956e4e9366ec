import { z } from 'zod';
import { SignedReasoningSchema } from './signed-reasoning.schema';

/** Limits on a chat request; the body-size limit is enforced before parsing. */
export const CHAT_LIMITS = {
  messagesMax: 2_000,
  toolsMax: 256,
  stopSequencesMax: 4,
  modelsFallbackMax: 10,
  contentPartsMax: 500,
  maxTokensMax: 1_000_000,
} as const;

const TextPartSchema = z.object({ type: z.literal('text'), text: z.string() });
const ImagePartSchema = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const InputAudioPartSchema = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.string() }),
});
const FilePartSchema = z.object({
  type: z.literal('file'),
  file: z.object({ filename: z.string().optional(), file_data: z.string().optional(), file_id: z.string().optional() }),
});
export const ContentPartSchema = z.discriminatedUnion('type', [TextPartSchema, ImagePartSchema, InputAudioPartSchema, FilePartSchema]);
export type ContentPart = z.output<typeof ContentPartSchema>;

const ContentSchema = z.union([z.string(), z.array(ContentPartSchema).max(CHAT_LIMITS.contentPartsMax)]);

export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.output<typeof ToolCallSchema>;

const SystemMessageSchema = z.object({ role: z.literal('system'), content: ContentSchema, name: z.string().optional() });
const DeveloperMessageSchema = z.object({ role: z.literal('developer'), content: ContentSchema, name: z.string().optional() });
const UserMessageSchema = z.object({ role: z.literal('user'), content: ContentSchema, name: z.string().optional() });
const AssistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: ContentSchema.nullable().optional(),
  name: z.string().optional(),
  tool_calls: z.array(ToolCallSchema).optional(),
  refusal: z.string().nullable().optional(),
  reasoning: z.string().nullable().optional(),
});
const ToolMessageSchema = z.object({ role: z.literal('tool'), content: ContentSchema, tool_call_id: z.string() });

/** A caller's content: a string, or at least one part (OpenAI refuses an empty array too). */
const CallerContentSchema = z.union([z.string(), z.array(ContentPartSchema).min(1).max(CHAT_LIMITS.contentPartsMax)]);

/** A message as OpenAI-surface callers send it. */
export const ChatMessageSchema = z.discriminatedUnion('role', [
  SystemMessageSchema.extend({ content: CallerContentSchema }),
  DeveloperMessageSchema.extend({ content: CallerContentSchema }),
  UserMessageSchema.extend({ content: CallerContentSchema }),
  AssistantMessageSchema,
  ToolMessageSchema.extend({ content: CallerContentSchema }),
]);

/** A canonical message: the wire one, plus provider-signed reasoning the Anthropic and Gemini surfaces carry back. */
export const CanonicalChatMessageSchema = z.discriminatedUnion('role', [
  SystemMessageSchema,
  DeveloperMessageSchema,
  UserMessageSchema,
  AssistantMessageSchema.extend({ signed_reasoning: z.array(SignedReasoningSchema).max(CHAT_LIMITS.contentPartsMax).optional() }),
  ToolMessageSchema,
]);
export type ChatMessage = z.output<typeof CanonicalChatMessageSchema>;

export const ToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
export type Tool = z.output<typeof ToolSchema>;

export const ToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

export const ResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/** OpenRouter's `provider` routing preferences. */
export const ProviderPreferencesSchema = z.object({
  order: z.array(z.string()).max(50).optional(),
  only: z.array(z.string()).max(50).optional(),
  ignore: z.array(z.string()).max(50).optional(),
  allow_fallbacks: z.boolean().optional(),
  sort: z.enum(['price', 'latency', 'throughput']).optional(),
  max_price: z
    .object({ prompt: z.union([z.number(), z.string()]).optional(), completion: z.union([z.number(), z.string()]).optional() })
    .optional(),
  require_parameters: z.boolean().optional(),
  data_collection: z.enum(['allow', 'deny']).optional(),
});

const PositiveTokens = z.number().int().min(1).max(CHAT_LIMITS.maxTokensMax);

/** The canonical request: OpenAI Chat Completions plus the OpenRouter extensions. Every surface translates to this. */
export const ChatRequestSchema = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(ChatMessageSchema).min(1).max(CHAT_LIMITS.messagesMax),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: PositiveTokens.nullable().optional(),
  max_completion_tokens: PositiveTokens.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  /** OpenRouter's extension: sample from the k likeliest tokens; 0 turns it off. Providers without it ignore it. */
  top_k: z.number().int().min(0).nullable().optional(),
  n: z.number().int().min(1).max(8).nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(CHAT_LIMITS.stopSequencesMax)]).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  user: z.string().max(256).optional(),
  tools: z.array(ToolSchema).max(CHAT_LIMITS.toolsMax).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: ResponseFormatSchema.optional(),
  reasoning: z
    .object({ effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(), max_tokens: PositiveTokens.optional(), exclude: z.boolean().optional() })
    .optional(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
  models: z.array(z.string().min(1).max(200)).max(CHAT_LIMITS.modelsFallbackMax).optional(),
  route: z.literal('fallback').optional(),
  provider: ProviderPreferencesSchema.optional(),
  plugins: z.array(z.object({ id: z.string() }).loose()).max(10).optional(),
  usage: z.object({ include: z.boolean().optional() }).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** The canonical request every surface translates to: the OpenAI body with canonical messages. */
export const CanonicalChatRequestSchema = ChatRequestSchema.extend({
  messages: z.array(CanonicalChatMessageSchema).min(1).max(CHAT_LIMITS.messagesMax),
});
export type ChatRequest = z.output<typeof CanonicalChatRequestSchema>;
