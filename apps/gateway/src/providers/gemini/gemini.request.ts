import type { ChatMessage, ChatRequest, ContentPart, SignedReasoning, Tool } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { outputLimit } from '../provider-adapter';
import { systemText, toolCallArguments } from '../canonical-message';

/** Gemini's thinking budget as a share of the output limit for each OpenAI-style effort. */
const THINKING_SHARE = { low: 0.2, medium: 0.5, high: 0.8 } as const;
const SCHEMA_DEPTH_MAX = 32;
/** The keys of Gemini's `Schema` (an OpenAPI 3.0 subset); anything else is a 400 "Unknown name". */
const SCHEMA_KEYS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties',
  'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
]);

export type GeminiPart =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { fileUri: string; mimeType?: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

type ThoughtSignature = Extract<SignedReasoning, { type: 'thought_signature' }>;

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiGenerationConfig {
  maxOutputTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
}

export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig: GeminiGenerationConfig;
}

/** The canonical (OpenAI-shaped) request → a `generateContent` / `streamGenerateContent` body (the model is in the URL). */
export function toGeminiRequestBody(request: ChatRequest): GeminiRequestBody {
  const maxOutputTokens = outputLimit(request);
  // The gateway always sets the limit from the hold; without it we would send an unbounded (unpaid) request.
  if (maxOutputTokens === undefined) throw new AppError('internal', 'The output limit was not set before calling Gemini.');

  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  /** tool_call_id → function name: Gemini's functionResponse is matched by name, OpenAI's tool message by id. */
  const callNames = new Map<string, string>();
  request.messages.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') {
      const text = systemText(message.content, index);
      if (text.trim() !== '') system.push({ text });
      return;
    }
    const translated = toGeminiContent(message, index, callNames);
    if (translated.parts.length === 0) return;
    const previous = contents[contents.length - 1];
    // Consecutive turns of one role are merged (parallel tool results go back in one user turn).
    if (previous?.role === translated.role) previous.parts.push(...translated.parts);
    else contents.push(translated);
  });
  if (contents.length === 0) throw new AppError('invalid_request', 'At least one user or assistant message with content is required.', { param: 'messages' });

  const generationConfig: GeminiGenerationConfig = { maxOutputTokens };
  if (request.temperature != null) generationConfig.temperature = request.temperature;
  if (request.top_p != null) generationConfig.topP = request.top_p;
  // top_k 0 means "off" (OpenRouter); Gemini's topK starts at 1.
  if (request.top_k) generationConfig.topK = request.top_k;
  if (request.stop != null) {
    const stops = Array.isArray(request.stop) ? request.stop : [request.stop];
    if (stops.length > 0) generationConfig.stopSequences = stops;
  }
  if (request.seed != null) generationConfig.seed = request.seed;
  if (request.presence_penalty != null) generationConfig.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) generationConfig.frequencyPenalty = request.frequency_penalty;
  const format = request.response_format;
  if (format?.type === 'json_object') generationConfig.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    generationConfig.responseMimeType = 'application/json';
    if (format.json_schema.schema) generationConfig.responseSchema = toGeminiSchema(format.json_schema.schema, 'response_format.json_schema.schema');
  }
  const thinking = thinkingConfig(request, maxOutputTokens);
  if (thinking) generationConfig.thinkingConfig = thinking;

  const body: GeminiRequestBody = { contents, generationConfig };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools?.length && request.tool_choice !== 'none') {
    body.tools = [{ functionDeclarations: request.tools.map(toFunctionDeclaration) }];
    const choice = request.tool_choice;
    if (choice === 'required') body.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    else if (choice === 'auto') body.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
    else if (choice && typeof choice === 'object') body.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  return body;
}

function toGeminiContent(message: Exclude<ChatMessage, { role: 'system' | 'developer' }>, index: number, callNames: Map<string, string>): GeminiContent {
  switch (message.role) {
    case 'user':
      return { role: 'user', parts: toParts(message.content, index) };
    case 'assistant': {
      // Only Gemini's own signatures; another provider's would be refused.
      const signatures = (message.signed_reasoning ?? []).filter((s): s is ThoughtSignature => s.type === 'thought_signature');
      const parts: GeminiPart[] = signatures.filter((s) => s.part === 'thought').map((s) => ({ text: s.text ?? '', thought: true, thoughtSignature: s.signature }));
      const text = message.content == null ? [] : toParts(message.content, index);
      parts.push(...text);
      const textSignature = signatures.find((s) => s.part === 'text');
      if (textSignature) {
        // It sealed the answer text, which Gemini sent last.
        const last = [...text].reverse().find((part) => 'text' in part);
        if (last && 'text' in last) last.thoughtSignature = textSignature.signature;
        else parts.push({ text: '', thoughtSignature: textSignature.signature });
      }
      for (const call of message.tool_calls ?? []) {
        callNames.set(call.id, call.function.name);
        // Gemini 3 refuses a function-call turn whose signature did not come back on its part.
        const signature = signatures.find((s) => s.part === 'tool_call' && s.tool_call_id === call.id)?.signature;
        parts.push({ functionCall: { name: call.function.name, args: toolCallArguments(call.function.arguments, index) }, ...(signature ? { thoughtSignature: signature } : {}) });
      }
      return { role: 'model', parts };
    }
    case 'tool': {
      const name = callNames.get(message.tool_call_id);
      if (!name) {
        throw new AppError('invalid_request', `No assistant tool call with id ${message.tool_call_id} precedes this tool message.`, { param: `messages[${index}].tool_call_id` });
      }
      const text = typeof message.content === 'string' ? message.content : message.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
      return { role: 'user', parts: [{ functionResponse: { name, response: toolResponse(text) } }] };
    }
  }
}

/** Gemini wants an object: a JSON object result is passed as is, anything else under `output` (Gemini's convention). */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { output: parsed };
  } catch {
    return { output: text };
  }
}

function toParts(content: string | ContentPart[], index: number): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: GeminiPart[] = [];
  for (const part of content) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') parts.push({ text: part.text });
        break;
      case 'image_url':
        parts.push(mediaPart(part.image_url.url, index, 'image'));
        break;
      case 'file':
        if (!part.file.file_data) throw new AppError('invalid_request', 'Files must be given inline (file_data) for Gemini models.', { param: `messages[${index}].content` });
        parts.push(mediaPart(part.file.file_data, index, 'file'));
        break;
      case 'input_audio':
        parts.push({ inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } });
        break;
    }
  }
  return parts;
}

function mediaPart(url: string, index: number, kind: 'image' | 'file'): GeminiPart {
  if (url.startsWith('data:')) {
    const match = /^data:([a-z0-9.+/-]+);base64,(.*)$/is.exec(url);
    if (!match) throw new AppError('invalid_request', 'A data URI must be base64-encoded (data:<type>;base64,<data>).', { param: `messages[${index}].content` });
    return { inlineData: { mimeType: match[1].toLowerCase(), data: match[2] } };
  }
  if (/^https?:\/\//i.test(url) || url.startsWith('gs://')) return { fileData: { fileUri: url, mimeType: guessMimeType(url, kind) } };
  throw new AppError('invalid_request', `An ${kind} URL must be an http(s) URL or a base64 data URI.`, { param: `messages[${index}].content` });
}

/** Gemini requires a MIME type for `fileData`; guessed from the extension, else the common default for the kind. */
function guessMimeType(url: string, kind: 'image' | 'file'): string {
  const path = url.split(/[?#]/)[0].toLowerCase();
  const ext = path.slice(path.lastIndexOf('.') + 1);
  const known: Record<string, string> = {
    png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf',
  };
  return known[ext] ?? (kind === 'image' ? 'image/jpeg' : 'application/pdf');
}

function toFunctionDeclaration(tool: Tool, index: number): { name: string; description?: string; parameters?: Record<string, unknown> } {
  const params = tool.function.parameters;
  // Gemini refuses an OBJECT schema without properties; a function without parameters omits them.
  const hasProperties = params && typeof params.properties === 'object' && params.properties !== null && Object.keys(params.properties).length > 0;
  return {
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    ...(params && hasProperties ? { parameters: toGeminiSchema(params, `tools[${index}].function.parameters`) } : {}),
  };
}

/**
 * JSON Schema → Gemini's `Schema`: unknown keys (`additionalProperties`, `$schema`, `strict`…) dropped, `type: [x, "null"]`
 * turned into `nullable`, `const` into a one-value `enum`. `$ref` cannot be expressed and is refused.
 */
export function toGeminiSchema(schema: Record<string, unknown>, param: string, depth = 0): Record<string, unknown> {
  if (depth > SCHEMA_DEPTH_MAX) throw new AppError('invalid_request', 'The JSON schema is nested too deeply.', { param });
  if ('$ref' in schema) throw new AppError('invalid_request', 'JSON schemas with $ref are not supported for Gemini models.', { param });
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      if (types.length !== value.length) out.nullable = true;
      if (types.length === 1) out.type = types[0];
      else if (types.length > 1) out.anyOf = types.map((type) => ({ type }));
    } else if (key === 'const') {
      out.enum = [value];
    } else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toGeminiSchema(sub as Record<string, unknown>, param, depth + 1)]));
    } else if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      out.items = toGeminiSchema(value as Record<string, unknown>, param, depth + 1);
    } else if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out.anyOf = value.map((sub) => toGeminiSchema(sub as Record<string, unknown>, param, depth + 1));
    } else if (SCHEMA_KEYS.has(key)) {
      out[key] = value;
    }
  }
  return out;
}

function thinkingConfig(request: ChatRequest, maxOutputTokens: number): GeminiGenerationConfig['thinkingConfig'] {
  const reasoning = request.reasoning;
  const effort = reasoning?.effort ?? request.reasoning_effort;
  const config: NonNullable<GeminiGenerationConfig['thinkingConfig']> = {};
  // Thinking tokens count against maxOutputTokens, so the budget stays below the limit the hold paid for.
  if (reasoning?.max_tokens) config.thinkingBudget = Math.min(reasoning.max_tokens, Math.max(0, maxOutputTokens - 1));
  else if (effort === 'minimal') config.thinkingBudget = 0;
  else if (effort) config.thinkingBudget = Math.floor(maxOutputTokens * THINKING_SHARE[effort]);
  if ((reasoning || request.reasoning_effort) && !reasoning?.exclude && config.thinkingBudget !== 0) config.includeThoughts = true;
  return Object.keys(config).length > 0 ? config : undefined;
}
