import { type ChatMessage, type ChatRequest, type ContentPart, SignedReasoningSequence, type Tool, type ToolCall } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type {
  AnthropicContentBlock,
  AnthropicCountTokensRequest,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicToolResultBlock,
} from './anthropic-messages.schema';

/**
 * The canonical request has no `is_error` on tool results: a failed tool's output is marked in its text, so
 * every provider's model still learns that the call failed.
 */
export const TOOL_ERROR_PREFIX = 'Error: ';
const DEFAULT_DOCUMENT_NAME = 'document.pdf';

type UserContentBlock = Extract<AnthropicContentBlock, { type: 'text' | 'image' | 'document' }>;

/** A Messages request, or the prompt half that count_tokens receives. */
export type AnthropicPromptRequest = AnthropicCountTokensRequest & Partial<Omit<AnthropicMessagesRequest, keyof AnthropicCountTokensRequest>>;

/**
 * An Anthropic Messages request → the canonical (OpenAI-shaped) request, with `modelId` already mapped to the
 * catalog.
 */
export function toCanonicalRequest(body: AnthropicPromptRequest, modelId: string): ChatRequest {
  const request: ChatRequest = { model: modelId, messages: toCanonicalMessages(body) };
  if (body.max_tokens !== undefined) request.max_tokens = body.max_tokens;
  if (body.stream !== undefined) request.stream = body.stream;
  if (body.stop_sequences?.length) request.stop = body.stop_sequences;
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.top_k !== undefined) request.top_k = body.top_k;
  if (body.metadata?.user_id) request.user = body.metadata.user_id;
  if (body.thinking?.type === 'enabled') request.reasoning = { max_tokens: body.thinking.budget_tokens };
  if (body.tools?.length) request.tools = body.tools.map(toCanonicalTool);
  if (body.tool_choice) {
    request.tool_choice = toCanonicalToolChoice(body.tool_choice);
    if (body.tool_choice.type !== 'none' && body.tool_choice.disable_parallel_tool_use) request.parallel_tool_calls = false;
  }
  return request;
}

function toCanonicalToolChoice(choice: NonNullable<AnthropicPromptRequest['tool_choice']>): NonNullable<ChatRequest['tool_choice']> {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

function toCanonicalMessages(body: AnthropicPromptRequest): ChatMessage[] {
  const messages: ChatMessage[] = [];
  // One system message per block keeps the blocks apart for providers that take several.
  if (typeof body.system === 'string') {
    if (body.system !== '') messages.push({ role: 'system', content: body.system });
  } else {
    for (const block of body.system ?? []) messages.push({ role: 'system', content: block.text });
  }
  body.messages.forEach((message, index) => {
    if (message.role === 'user') messages.push(...fromUserTurn(message.content, index));
    else {
      const assistant = fromAssistantTurn(message.content, index, index === body.messages.length - 1);
      if (assistant) messages.push(assistant);
    }
  });
  return messages;
}

/** A user turn: tool results become `tool` messages, in order; the other blocks a user message between them. */
function fromUserTurn(content: AnthropicMessage['content'], index: number): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (content.length === 0) throw invalid('A user message must have non-empty content.', index);
  const messages: ChatMessage[] = [];
  let parts: ContentPart[] = [];
  const flush = () => {
    if (parts.length > 0) messages.push({ role: 'user', content: parts });
    parts = [];
  };
  for (const block of content) {
    switch (block.type) {
      case 'tool_result':
        flush();
        messages.push(toToolMessage(block));
        break;
      case 'text':
      case 'image':
      case 'document':
        parts.push(toContentPart(block));
        break;
      default:
        throw invalid(`A user message cannot contain a ${block.type} block.`, index);
    }
  }
  flush();
  return messages;
}

/** An assistant turn: text, tool calls and thinking; undefined for an empty final (prefill) turn. */
function fromAssistantTurn(content: AnthropicMessage['content'], index: number, isLast: boolean): ChatMessage | undefined {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const thoughts: string[] = [];
  const sequence = new SignedReasoningSequence();
  const toolCalls: ToolCall[] = [];
  for (const block of content) {
    switch (block.type) {
      case 'text':
        texts.push(block.text);
        break;
      case 'thinking':
        thoughts.push(block.thinking);
        // Only Anthropic can check the signature; it goes back to Anthropic upstreams as it came, in its place.
        if (block.signature) sequence.add({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        break;
      case 'redacted_thinking':
        sequence.add({ type: 'redacted_thinking', data: block.data });
        break;
      case 'tool_use':
        sequence.toolCall(block.id);
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
        break;
      default:
        throw invalid(`An assistant message cannot contain a ${block.type} block.`, index);
    }
  }
  const signed = sequence.done();
  if (texts.length === 0 && toolCalls.length === 0) {
    if (isLast) return undefined;
    throw invalid('An assistant message must have non-empty content unless it is the final message.', index);
  }
  return {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(thoughts.length > 0 ? { reasoning: thoughts.join('') } : {}),
    ...(signed.length > 0 ? { signed_reasoning: signed } : {}),
  };
}

function toToolMessage(block: AnthropicToolResultBlock): ChatMessage {
  const marker = block.is_error ? TOOL_ERROR_PREFIX : '';
  if (block.content === undefined || typeof block.content === 'string') {
    return { role: 'tool', tool_call_id: block.tool_use_id, content: marker + (block.content ?? '') };
  }
  const parts = block.content.map(toContentPart);
  // Text-only results stay a string: OpenAI-style tool messages take text, most providers nothing else.
  if (parts.every((part) => part.type === 'text')) {
    return { role: 'tool', tool_call_id: block.tool_use_id, content: marker + parts.map((part) => (part as { text: string }).text).join('') };
  }
  return { role: 'tool', tool_call_id: block.tool_use_id, content: marker ? [{ type: 'text', text: marker }, ...parts] : parts };
}

function toContentPart(block: UserContentBlock): ContentPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return {
        type: 'image_url',
        image_url: { url: block.source.type === 'base64' ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url },
      };
    case 'document': {
      const source = block.source;
      if (source.type === 'text') return { type: 'text', text: block.title ? `${block.title}\n\n${source.data}` : source.data };
      return {
        type: 'file',
        file: { filename: block.title ?? DEFAULT_DOCUMENT_NAME, file_data: source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url },
      };
    }
  }
}

function toCanonicalTool(tool: NonNullable<AnthropicPromptRequest['tools']>[number]): Tool {
  return {
    type: 'function',
    function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.input_schema },
  };
}

function invalid(message: string, index: number): AppError {
  return new AppError('invalid_request', message, { param: `messages.${index}.content` });
}
