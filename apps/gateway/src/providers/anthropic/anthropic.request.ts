import { type ChatMessage, type ChatRequest, type ContentPart, placeSignedReasoning, type SignedReasoning, type Tool } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { outputLimit } from '../provider-adapter';
import { systemText, toolCallArguments } from '../canonical-message';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic's image media types; anything else is refused before it costs an upstream call. */
const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
/** Anthropic's sampling temperature range is 0–1 (OpenAI's is 0–2). */
const TEMPERATURE_MAX = 1;
/** Extended thinking needs a budget of at least this many tokens, below `max_tokens`. */
const THINKING_BUDGET_MIN = 1_024;
const THINKING_SHARE = { low: 0.2, medium: 0.5, high: 0.8 } as const;

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: AnthropicImageSource }
  | { type: 'document'; source: { type: 'base64'; media_type: 'application/pdf'; data: string } | { type: 'url'; url: string } }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string | AnthropicContentBlock[] }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: Array<{ type: 'text'; text: string }>;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number };
  metadata?: { user_id: string };
  stream: boolean;
}

/** The canonical (OpenAI-shaped) request → a Messages API body. */
export function toAnthropicRequestBody(request: ChatRequest, upstreamModel: string, stream: boolean): AnthropicRequestBody {
  const maxTokens = outputLimit(request);
  // The gateway always sets the limit from the hold; without it we would send an unbounded (unpaid) request.
  if (maxTokens === undefined) throw new AppError('internal', 'The output limit was not set before calling Anthropic.');

  const system: Array<{ type: 'text'; text: string }> = [];
  const messages: AnthropicMessage[] = [];
  request.messages.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') {
      const text = systemText(message.content, index);
      if (text.trim() !== '') system.push({ type: 'text', text });
      return;
    }
    const translated = toAnthropicMessage(message, index);
    if (translated.content.length === 0) return;
    const previous = messages[messages.length - 1];
    // Anthropic wants alternating turns, and every tool_result of a turn in the one user message after it.
    if (previous?.role === translated.role) previous.content.push(...translated.content);
    else messages.push(translated);
  });
  if (messages.length === 0) throw new AppError('invalid_request', 'At least one user or assistant message with content is required.', { param: 'messages' });

  const body: AnthropicRequestBody = { model: upstreamModel, max_tokens: maxTokens, messages, stream };
  if (system.length > 0) body.system = system;
  if (request.stop != null) {
    // Anthropic refuses whitespace-only stop sequences ("each stop sequence must contain non-whitespace").
    const stops = (Array.isArray(request.stop) ? request.stop : [request.stop]).filter((s) => s.trim() !== '');
    if (stops.length > 0) body.stop_sequences = stops;
  }
  if (request.temperature != null) body.temperature = Math.min(request.temperature, TEMPERATURE_MAX);
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.top_k != null) body.top_k = request.top_k;
  if (request.user) body.metadata = { user_id: request.user };

  if (request.tools?.length) {
    body.tools = request.tools.map(toAnthropicTool);
    const choice = toAnthropicToolChoice(request);
    if (choice) body.tool_choice = choice;
  }

  const budget = thinkingBudget(request, maxTokens);
  if (budget !== undefined) {
    body.thinking = { type: 'enabled', budget_tokens: budget };
    // Thinking is incompatible with a changed temperature/top_p/top_k and with a forced tool.
    delete body.temperature;
    delete body.top_p;
    delete body.top_k;
    if (body.tool_choice && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool')) body.tool_choice = { type: 'auto' };
  }
  return body;
}

function toAnthropicMessage(message: Exclude<ChatMessage, { role: 'system' | 'developer' }>, index: number): AnthropicMessage {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: toBlocks(message.content, index) };
    case 'assistant': {
      // Signed thinking goes back verbatim and in its place (first, or right before the tool call it preceded):
      // Anthropic checks the signatures of the turn's thinking.
      const calls = message.tool_calls ?? [];
      const signed = placeSignedReasoning(message.signed_reasoning, calls.map((call) => call.id));
      const content: AnthropicContentBlock[] = signed.leading.flatMap(toThinkingBlock);
      if (message.content != null) content.push(...toBlocks(message.content, index));
      for (const call of calls) {
        content.push(...signed.before(call.id).flatMap(toThinkingBlock));
        content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolCallArguments(call.function.arguments, index) });
      }
      return { role: 'assistant', content };
    }
    case 'tool': {
      const blocks = toBlocks(message.content, index);
      const onlyText = blocks.every((b) => b.type === 'text');
      const content = onlyText ? blocks.map((b) => (b as { text: string }).text).join('') : blocks;
      return { role: 'user', content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content }] };
    }
  }
}

/** Anthropic's own signed blocks; other providers' signatures mean nothing to it. */
function toThinkingBlock(signed: SignedReasoning): AnthropicContentBlock[] {
  if (signed.type === 'thinking') return [{ type: 'thinking', thinking: signed.thinking, signature: signed.signature }];
  if (signed.type === 'redacted_thinking') return [{ type: 'redacted_thinking', data: signed.data }];
  return [];
}

function toBlocks(content: string | ContentPart[], index: number): AnthropicContentBlock[] {
  // Anthropic refuses empty or whitespace-only text blocks.
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ type: 'text', text: content }];
  const blocks: AnthropicContentBlock[] = [];
  for (const part of content) {
    switch (part.type) {
      case 'text':
        if (part.text.trim() !== '') blocks.push({ type: 'text', text: part.text });
        break;
      case 'image_url':
        blocks.push({ type: 'image', source: imageSource(part.image_url.url, index) });
        break;
      case 'file':
        blocks.push(documentBlock(part.file, index));
        break;
      case 'input_audio':
        throw new AppError('invalid_request', 'Anthropic models do not accept audio input.', { param: `messages[${index}].content` });
    }
  }
  return blocks;
}

function imageSource(url: string, index: number): AnthropicImageSource {
  if (url.startsWith('data:')) {
    const { mediaType, data } = parseBase64DataUri(url, index);
    if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
      throw new AppError('invalid_request', `Image type ${mediaType} is not supported; use JPEG, PNG, GIF or WebP.`, { param: `messages[${index}].content` });
    }
    return { type: 'base64', media_type: mediaType, data };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw new AppError('invalid_request', 'An image URL must be an http(s) URL or a base64 data URI.', { param: `messages[${index}].content` });
}

function documentBlock(file: { filename?: string; file_data?: string; file_id?: string }, index: number): AnthropicContentBlock {
  const data = file.file_data;
  if (data?.startsWith('data:')) {
    const parsed = parseBase64DataUri(data, index);
    if (parsed.mediaType === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data } };
  } else if (data && /^https?:\/\//i.test(data)) {
    return { type: 'document', source: { type: 'url', url: data } };
  }
  throw new AppError('invalid_request', 'Files must be PDFs given as a base64 data URI or an http(s) URL for Anthropic models.', { param: `messages[${index}].content` });
}

function parseBase64DataUri(uri: string, index: number): { mediaType: string; data: string } {
  const match = /^data:([a-z0-9.+/-]+);base64,(.*)$/is.exec(uri);
  if (!match) throw new AppError('invalid_request', 'A data URI must be base64-encoded (data:<type>;base64,<data>).', { param: `messages[${index}].content` });
  return { mediaType: match[1].toLowerCase(), data: match[2] };
}

function toAnthropicTool(tool: Tool): AnthropicTool {
  return {
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
}

function toAnthropicToolChoice(request: ChatRequest): AnthropicToolChoice | undefined {
  const disableParallel = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = request.tool_choice;
  if (choice === undefined) return request.parallel_tool_calls === false ? { type: 'auto', ...disableParallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disableParallel };
  if (choice === 'required') return { type: 'any', ...disableParallel };
  return { type: 'tool', name: choice.function.name, ...disableParallel };
}

function thinkingBudget(request: ChatRequest, maxTokens: number): number | undefined {
  if (maxTokens <= THINKING_BUDGET_MIN) return undefined;
  const effort = request.reasoning?.effort ?? request.reasoning_effort;
  let budget: number | undefined;
  if (request.reasoning?.max_tokens) budget = request.reasoning.max_tokens;
  else if (effort && effort !== 'minimal') budget = Math.floor(maxTokens * THINKING_SHARE[effort]);
  if (budget === undefined) return undefined;
  return Math.min(Math.max(budget, THINKING_BUDGET_MIN), maxTokens - 1);
}
