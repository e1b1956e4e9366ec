import { CHAT_LIMITS } from '@switchyard/contracts';
import { z } from 'zod';

/**
 * The Gemini API's `generateContent` / `streamGenerateContent` request body (REST, v1beta), as far as the gateway
 * serves it. Unknown fields are dropped (provider-specific knobs such as `responseModalities` have no canonical
 * counterpart); parts whose kind we cannot translate are refused.
 */

const JsonObject = z.record(z.string(), z.unknown());

const InlineDataSchema = z.object({ mimeType: z.string().min(1).max(255), data: z.string().min(1) });
const FileDataSchema = z.object({ fileUri: z.string().min(1).max(4096), mimeType: z.string().max(255).optional() });
const FunctionCallSchema = z.object({ id: z.string().max(256).optional(), name: z.string().min(1).max(128), args: JsonObject.optional() });
const FunctionResponseSchema = z.object({ id: z.string().max(256).optional(), name: z.string().min(1).max(128), response: JsonObject.optional() });

/** The part kinds we translate; a part must carry exactly one of them. */
export const GEMINI_PART_KINDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'] as const;

export const GeminiPartSchema = z
  .object({
    text: z.string().optional(),
    /** Set on reasoning parts the model returned; clients send them back in history. */
    thought: z.boolean().optional(),
    thoughtSignature: z.string().optional(),
    inlineData: InlineDataSchema.optional(),
    fileData: FileDataSchema.optional(),
    functionCall: FunctionCallSchema.optional(),
    functionResponse: FunctionResponseSchema.optional(),
  })
  .refine((part) => GEMINI_PART_KINDS.filter((kind) => part[kind] !== undefined).length === 1, {
    message: `A part must have exactly one of ${GEMINI_PART_KINDS.join(', ')}.`,
  });
export type GeminiPart = z.output<typeof GeminiPartSchema>;

export const GeminiContentSchema = z.object({
  /** Optional in the API: a single-turn request omits it and means `user`. */
  role: z.enum(['user', 'model']).optional(),
  parts: z.array(GeminiPartSchema).max(CHAT_LIMITS.contentPartsMax),
});
export type GeminiContent = z.output<typeof GeminiContentSchema>;

const FunctionDeclarationSchema = z.object({
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  /** Gemini's `Schema` (an OpenAPI 3.0 subset with upper-case types). */
  parameters: JsonObject.optional(),
  /** Plain JSON Schema; mutually exclusive with `parameters`. */
  parametersJsonSchema: JsonObject.optional(),
});
export type GeminiFunctionDeclaration = z.output<typeof FunctionDeclarationSchema>;

/** Function declarations, or Google Search (served by the web-search plugin); other Google-hosted tools are refused. */
const ToolSchema = z.object({ functionDeclarations: z.array(FunctionDeclarationSchema).max(CHAT_LIMITS.toolsMax).optional() }).loose();

const ToolConfigSchema = z.object({
  functionCallingConfig: z
    .object({
      mode: z.enum(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']).optional(),
      allowedFunctionNames: z.array(z.string().min(1).max(128)).max(CHAT_LIMITS.toolsMax).optional(),
    })
    .optional(),
});

const ThinkingConfigSchema = z.object({
  includeThoughts: z.boolean().optional(),
  /** Tokens; 0 turns thinking off, -1 lets the model decide. */
  thinkingBudget: z.number().int().min(-1).max(CHAT_LIMITS.maxTokensMax).optional(),
  thinkingLevel: z.enum(['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH']).optional(),
});

const GenerationConfigSchema = z.object({
  maxOutputTokens: z.number().int().min(1).max(CHAT_LIMITS.maxTokensMax).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(1).optional(),
  stopSequences: z.array(z.string()).max(CHAT_LIMITS.stopSequencesMax).optional(),
  candidateCount: z.number().int().min(1).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  seed: z.number().int().optional(),
  responseMimeType: z.string().max(255).optional(),
  responseSchema: JsonObject.optional(),
  responseJsonSchema: JsonObject.optional(),
  thinkingConfig: ThinkingConfigSchema.optional(),
});

export const GenerateContentRequestSchema = z.object({
  contents: z.array(GeminiContentSchema).min(1).max(CHAT_LIMITS.messagesMax),
  systemInstruction: z.object({ role: z.string().optional(), parts: z.array(GeminiPartSchema).max(CHAT_LIMITS.contentPartsMax) }).optional(),
  tools: z.array(ToolSchema).max(CHAT_LIMITS.toolsMax).optional(),
  toolConfig: ToolConfigSchema.optional(),
  generationConfig: GenerationConfigSchema.optional(),
  /** Accepted and not forwarded: each provider applies its own safety policy. */
  safetySettings: z.array(z.unknown()).max(32).optional(),
  /** A Gemini-side cache resource; refused by the translation (other providers cannot read it). */
  cachedContent: z.string().optional(),
});
export type GenerateContentRequest = z.output<typeof GenerateContentRequestSchema>;

/** `countTokens`: either bare `contents` or a whole `generateContentRequest`. */
export const CountTokensRequestSchema = z.union([
  z.object({ generateContentRequest: GenerateContentRequestSchema.extend({ model: z.string().optional() }) }),
  z.object({ contents: GenerateContentRequestSchema.shape.contents }),
]);
export type CountTokensRequest = z.output<typeof CountTokensRequestSchema>;
