import { CanonicalChatRequestSchema, type ChatMessage, type ChatRequest, type ContentPart, type SignedReasoning, type Tool, type ToolCall } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { GeminiContent, GeminiFunctionDeclaration, GeminiPart, GenerateContentRequest } from './gemini-generate-content.schema';
import { geminiSchemaToJsonSchema } from './gemini-schema.converter';

export interface GeminiTranslationOptions {
  /** The catalog model id (already mapped from the URL). */
  model: string;
  stream: boolean;
  /**
   * Whether the model reasons: `thinkingConfig` is translated only then, so that a Gemini client's habitual
   * `thinkingBudget: 0` does not become a reasoning parameter a non-reasoning model refuses.
   */
  reasoningSupported: boolean;
}

const EFFORT_BY_LEVEL = { MINIMAL: 'minimal', LOW: 'low', MEDIUM: 'medium', HIGH: 'high' } as const;
/** Canonical audio formats are file extensions; MIME subtypes that differ from them. */
const AUDIO_FORMATS: Record<string, string> = { 'audio/mpeg': 'mp3', 'audio/x-wav': 'wav', 'audio/wave': 'wav' };

function invalid(message: string, param: string): AppError {
  return new AppError('invalid_request', message, { param });
}

/** A Gemini `generateContent` body → the canonical (OpenAI-shaped) request the pipeline serves. */
export function toCanonicalRequest(body: GenerateContentRequest, options: GeminiTranslationOptions): ChatRequest {
  if (body.cachedContent !== undefined) throw invalid('cachedContent is not supported: the request may be served by any provider.', 'cachedContent');
  const messages: ChatMessage[] = [];
  const system = systemText(body.systemInstruction?.parts ?? []);
  if (system !== '') messages.push({ role: 'system', content: system });
  const calls = new PendingFunctionCalls();
  body.contents.forEach((content, index) => {
    if ((content.role ?? 'user') === 'model') {
      const assistant = assistantMessage(content, index, calls);
      if (assistant) messages.push(assistant);
    } else {
      messages.push(...userMessages(content, index, calls));
    }
  });

  const request: Record<string, unknown> = { model: options.model, messages, stream: options.stream };
  if (asksForSearch(body)) request.plugins = [{ id: 'web' }];
  const tools = toTools(body);
  if (tools.length > 0) {
    request.tools = tools;
    const choice = toToolChoice(body);
    if (choice !== undefined) request.tool_choice = choice;
  }
  Object.assign(request, generationParameters(body, options));

  const parsed = CanonicalChatRequestSchema.safeParse(request);
  if (!parsed.success) {
    // A safety net: the Gemini schema should already have refused anything the canonical one does not take.
    const issue = parsed.error.issues[0];
    throw invalid(`The request cannot be served: ${issue?.message ?? 'invalid request'}.`, issue?.path.join('.') ?? 'contents');
  }
  return parsed.data;
}

function systemText(parts: GeminiPart[]): string {
  return parts
    .map((part, index) => {
      if (part.text === undefined) throw invalid('systemInstruction may only contain text parts.', `systemInstruction.parts[${index}]`);
      return part.text;
    })
    .join('\n');
}

/**
 * Gemini matches a functionResponse to its functionCall by name (and id, when the client kept it); the canonical
 * form needs the call's id on the tool message.
 */
class PendingFunctionCalls {
  private readonly byName = new Map<string, string[]>();

  add(name: string, id: string): void {
    const ids = this.byName.get(name) ?? [];
    ids.push(id);
    this.byName.set(name, ids);
  }

  /** The id of the oldest unanswered call of `name` (or exactly `id` when the client sent it back). */
  answer(name: string, id: string | undefined): string | undefined {
    const ids = this.byName.get(name);
    if (!ids || ids.length === 0) return undefined;
    const at = id !== undefined && ids.includes(id) ? ids.indexOf(id) : 0;
    return ids.splice(at, 1)[0];
  }
}

function assistantMessage(content: GeminiContent, index: number, calls: PendingFunctionCalls): ChatMessage | undefined {
  let text = '';
  const toolCalls: ToolCall[] = [];
  const signed: SignedReasoning[] = [];
  content.parts.forEach((part, partIndex) => {
    const param = `contents[${index}].parts[${partIndex}]`;
    const signature = part.thoughtSignature;
    // Thoughts are the model's own scratch work; no provider takes another's back, but Gemini wants its signatures.
    if (part.thought) {
      if (signature) signed.push({ type: 'thought_signature', signature, part: 'thought', text: part.text ?? '' });
      return;
    }
    if (part.text !== undefined) {
      text += part.text;
      if (signature) signed.push({ type: 'thought_signature', signature, part: 'text' });
    } else if (part.functionCall) {
      const id = part.functionCall.id || `call_${index}_${partIndex}`;
      calls.add(part.functionCall.name, id);
      toolCalls.push({ id, type: 'function', function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) } });
      if (signature) signed.push({ type: 'thought_signature', signature, part: 'tool_call', tool_call_id: id });
    } else throw invalid('A model turn may only contain text and functionCall parts.', param);
  });
  if (text === '' && toolCalls.length === 0) return undefined;
  return {
    role: 'assistant',
    content: text === '' ? null : text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(signed.length > 0 ? { signed_reasoning: signed } : {}),
  };
}

/** Function responses become tool messages (first: they must follow the assistant's calls); the rest one user message. */
function userMessages(content: GeminiContent, index: number, calls: PendingFunctionCalls): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  content.parts.forEach((part, partIndex) => {
    const param = `contents[${index}].parts[${partIndex}]`;
    if (part.functionResponse) {
      const { name, id, response } = part.functionResponse;
      const callId = calls.answer(name, id);
      if (!callId) throw invalid(`The functionResponse for '${name}' answers no preceding functionCall.`, param);
      toolMessages.push({ role: 'tool', tool_call_id: callId, content: JSON.stringify(response ?? {}) });
    } else if (part.functionCall) {
      throw invalid('A user turn may not contain functionCall parts.', param);
    } else {
      parts.push(toContentPart(part, param));
    }
  });
  if (parts.length === 0) return toolMessages;
  const onlyText = parts.every((p) => p.type === 'text');
  const user: ChatMessage = { role: 'user', content: onlyText ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('') : parts };
  return [...toolMessages, user];
}

function toContentPart(part: GeminiPart, param: string): ContentPart {
  if (part.text !== undefined) return { type: 'text', text: part.text };
  if (part.inlineData) {
    const mimeType = part.inlineData.mimeType.toLowerCase();
    const { data } = part.inlineData;
    if (mimeType.startsWith('image/')) return { type: 'image_url', image_url: { url: `data:${mimeType};base64,${data}` } };
    if (mimeType.startsWith('audio/')) return { type: 'input_audio', input_audio: { data, format: AUDIO_FORMATS[mimeType] ?? mimeType.slice('audio/'.length) } };
    return { type: 'file', file: { filename: fileName(mimeType), file_data: `data:${mimeType};base64,${data}` } };
  }
  if (part.fileData) {
    const { fileUri, mimeType } = part.fileData;
    if (mimeType?.toLowerCase().startsWith('image/')) return { type: 'image_url', image_url: { url: fileUri } };
    return { type: 'file', file: { ...(mimeType ? { filename: fileName(mimeType.toLowerCase()) } : {}), file_data: fileUri } };
  }
  throw invalid('Unsupported part.', param);
}

/** Some providers require a file name with inline file data; the extension tells them the type. */
function fileName(mimeType: string): string {
  return mimeType === 'application/pdf' ? 'document.pdf' : `document.${mimeType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin'}`;
}

/** Google Search grounding is served by our web-search plugin, whatever model answers. */
const SEARCH_TOOLS = ['googleSearch', 'googleSearchRetrieval'];

function asksForSearch(body: GenerateContentRequest): boolean {
  return (body.tools ?? []).some((tool) => SEARCH_TOOLS.some((key) => key in tool));
}

function toTools(body: GenerateContentRequest): Tool[] {
  const declarations: Array<{ declaration: GeminiFunctionDeclaration; param: string }> = [];
  (body.tools ?? []).forEach((tool, index) => {
    const other = Object.keys(tool).find((key) => key !== 'functionDeclarations' && !SEARCH_TOOLS.includes(key));
    if (other) throw invalid(`Only functionDeclarations and googleSearch tools are supported (got ${other}).`, `tools[${index}].${other}`);
    tool.functionDeclarations?.forEach((declaration, j) => declarations.push({ declaration, param: `tools[${index}].functionDeclarations[${j}]` }));
  });
  const allowed = body.toolConfig?.functionCallingConfig?.allowedFunctionNames;
  if (allowed) {
    const unknown = allowed.find((name) => !declarations.some((d) => d.declaration.name === name));
    if (unknown) throw invalid(`allowedFunctionNames names '${unknown}', which no functionDeclaration declares.`, 'toolConfig.functionCallingConfig.allowedFunctionNames');
  }
  return declarations.filter(({ declaration }) => !allowed || allowed.includes(declaration.name)).map(({ declaration, param }) => toTool(declaration, param));
}

function toTool(declaration: GeminiFunctionDeclaration, param: string): Tool {
  if (declaration.parameters && declaration.parametersJsonSchema) throw invalid('Give parameters or parametersJsonSchema, not both.', param);
  const parameters = declaration.parametersJsonSchema ?? (declaration.parameters ? geminiSchemaToJsonSchema(declaration.parameters, `${param}.parameters`) : undefined);
  return {
    type: 'function',
    function: { name: declaration.name, ...(declaration.description ? { description: declaration.description } : {}), ...(parameters ? { parameters } : {}) },
  };
}

function toToolChoice(body: GenerateContentRequest): ChatRequest['tool_choice'] {
  const config = body.toolConfig?.functionCallingConfig;
  switch (config?.mode) {
    case 'NONE':
      return 'none';
    case 'ANY':
      return config.allowedFunctionNames?.length === 1 ? { type: 'function', function: { name: config.allowedFunctionNames[0] } } : 'required';
    case 'AUTO':
    case 'VALIDATED':
      return 'auto';
    default:
      return undefined;
  }
}

function generationParameters(body: GenerateContentRequest, options: GeminiTranslationOptions): Partial<ChatRequest> {
  const config = body.generationConfig ?? {};
  if (config.candidateCount !== undefined && config.candidateCount > 1) throw invalid('Only one candidate per request is supported.', 'generationConfig.candidateCount');
  const out: Partial<ChatRequest> = {};
  if (config.maxOutputTokens !== undefined) out.max_tokens = config.maxOutputTokens;
  if (config.temperature !== undefined) out.temperature = config.temperature;
  if (config.topP !== undefined) out.top_p = config.topP;
  if (config.topK !== undefined) out.top_k = config.topK;
  if (config.seed !== undefined) out.seed = config.seed;
  if (config.presencePenalty !== undefined) out.presence_penalty = config.presencePenalty;
  if (config.frequencyPenalty !== undefined) out.frequency_penalty = config.frequencyPenalty;
  if (config.stopSequences?.length) out.stop = config.stopSequences;
  const format = responseFormat(config);
  if (format) out.response_format = format;
  if (config.thinkingConfig && options.reasoningSupported) out.reasoning = reasoning(config.thinkingConfig);
  return out;
}

function responseFormat(config: NonNullable<GenerateContentRequest['generationConfig']>): ChatRequest['response_format'] {
  const mimeType = config.responseMimeType?.toLowerCase();
  const hasSchema = config.responseSchema !== undefined || config.responseJsonSchema !== undefined;
  if (mimeType === undefined || mimeType === 'text/plain') {
    if (hasSchema) throw invalid('A response schema needs responseMimeType application/json.', 'generationConfig.responseMimeType');
    return undefined;
  }
  if (mimeType !== 'application/json') throw invalid(`responseMimeType ${config.responseMimeType} is not supported (text/plain or application/json).`, 'generationConfig.responseMimeType');
  if (config.responseSchema && config.responseJsonSchema) throw invalid('Give responseSchema or responseJsonSchema, not both.', 'generationConfig.responseSchema');
  const schema = config.responseJsonSchema ?? (config.responseSchema ? geminiSchemaToJsonSchema(config.responseSchema, 'generationConfig.responseSchema') : undefined);
  return schema ? { type: 'json_schema', json_schema: { name: 'response', schema } } : { type: 'json_object' };
}

/** thinkingConfig → canonical reasoning: a level is an effort, a budget a token cap (0 = off), thoughts hidden unless asked. */
function reasoning(thinking: NonNullable<NonNullable<GenerateContentRequest['generationConfig']>['thinkingConfig']>): ChatRequest['reasoning'] {
  const out: NonNullable<ChatRequest['reasoning']> = { exclude: thinking.includeThoughts !== true };
  const level = thinking.thinkingLevel;
  if (level && level !== 'THINKING_LEVEL_UNSPECIFIED') out.effort = EFFORT_BY_LEVEL[level];
  else if (thinking.thinkingBudget === 0) out.effort = 'minimal';
  else if (thinking.thinkingBudget !== undefined && thinking.thinkingBudget > 0) out.max_tokens = thinking.thinkingBudget;
  return out;
}
