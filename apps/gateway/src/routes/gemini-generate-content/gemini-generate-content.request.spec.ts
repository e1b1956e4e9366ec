import { AppError } from '@switchyard/errors';
import { toCanonicalRequest } from './gemini-generate-content.request';
import { type GenerateContentRequest, GenerateContentRequestSchema } from './gemini-generate-content.schema';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const OPTIONS = { model: 'openai/gpt-4o-mini', stream: false, reasoningSupported: false };

/** Parses like the controller does, then translates. */
function translate(body: unknown, options: Partial<typeof OPTIONS> = {}) {
  return toCanonicalRequest(GenerateContentRequestSchema.parse(body) as GenerateContentRequest, { ...OPTIONS, ...options });
}

function translationError(body: unknown, options: Partial<typeof OPTIONS> = {}): AppError {
  try {
    translate(body, options);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the translation to fail');
}

describe('Gemini generateContent → canonical request', () => {
  it('translates text turns, the system instruction and the generation config', () => {
    const request = translate(
      {
        systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
        contents: [
          { parts: [{ text: 'Capital of ' }, { text: 'France?' }] },
          { role: 'model', parts: [{ text: 'Paris.' }] },
          { role: 'user', parts: [{ text: 'And Spain?' }] },
        ],
        generationConfig: { maxOutputTokens: 300, temperature: 0.5, topP: 0.9, topK: 40, stopSequences: ['END'], seed: 7, candidateCount: 1, presencePenalty: 0.1, frequencyPenalty: 0.2 },
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      },
      { stream: true },
    );
    expect(request).toEqual({
      model: 'openai/gpt-4o-mini',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.\nAnswer in French.' },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: 'Paris.' },
        { role: 'user', content: 'And Spain?' },
      ],
      max_tokens: 300,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop: ['END'],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
    });
  });

  it('turns images, PDFs, audio and file URIs into canonical content parts', () => {
    const request = translate({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Describe these.' },
            { inlineData: { mimeType: 'image/png', data: PNG_B64 } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
            { inlineData: { mimeType: 'audio/mpeg', data: 'SUQz' } },
            { fileData: { fileUri: 'https://example.com/cat.jpg', mimeType: 'image/jpeg' } },
            { fileData: { fileUri: 'https://example.com/paper.pdf', mimeType: 'application/pdf' } },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe these.' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
          { type: 'file', file: { filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' } },
          { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { filename: 'document.pdf', file_data: 'https://example.com/paper.pdf' } },
        ],
      },
    ]);
  });

  it('translates function declarations (Gemini Schema and JSON Schema), tool config and a call/response round trip', () => {
    const request = translate({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
        {
          role: 'model',
          parts: [
            { text: 'Checking.' },
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
            { functionCall: { id: 'call_rome', name: 'get_weather', args: { city: 'Rome' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { id: 'call_rome', name: 'get_weather', response: { temperature: 25 } } },
            { functionResponse: { name: 'get_weather', response: { temperature: 18 } } },
            { text: 'Thanks!' },
          ],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Current weather',
              parameters: {
                type: 'OBJECT',
                properties: { city: { type: 'STRING', example: 'Paris' }, days: { type: 'INTEGER', nullable: true, minimum: 1 }, tags: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: '3' } },
                required: ['city'],
                propertyOrdering: ['city', 'days', 'tags'],
              },
            },
            { name: 'get_time', parametersJsonSchema: { type: 'object', properties: { zone: { type: 'string' } }, additionalProperties: false } },
            { name: 'noop' },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather', 'get_time'] } },
    });
    expect(request.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string', examples: ['Paris'] }, days: { type: ['integer', 'null'], minimum: 1 }, tags: { type: 'array', items: { type: 'string' }, maxItems: 3 } },
            required: ['city'],
          },
        },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, additionalProperties: false } } },
    ]);
    expect(request.tool_choice).toBe('required');
    expect(request.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      // Matched by id where the client kept it, else the oldest unanswered call of that name.
      { role: 'tool', tool_call_id: 'call_rome', content: '{"temperature":25}' },
      { role: 'tool', tool_call_id: 'call_1_1', content: '{"temperature":18}' },
      { role: 'user', content: 'Thanks!' },
    ]);
  });

  it('serves Google Search grounding with the web-search plugin', () => {
    const request = translate({ contents: [{ parts: [{ text: 'News today?' }] }], tools: [{ googleSearch: {} }, { functionDeclarations: [{ name: 'f' }] }] });
    expect(request.plugins).toEqual([{ id: 'web' }]);
    expect(request.tools?.map((t) => t.function.name)).toEqual(['f']);
  });

  it('maps each function calling mode', () => {
    const withMode = (functionCallingConfig: Record<string, unknown>) =>
      translate({ contents: [{ parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'f' }, { name: 'g' }] }], toolConfig: { functionCallingConfig } });
    expect(withMode({ mode: 'AUTO' }).tool_choice).toBe('auto');
    expect(withMode({ mode: 'NONE' }).tool_choice).toBe('none');
    expect(withMode({ mode: 'ANY' }).tool_choice).toBe('required');
    const forced = withMode({ mode: 'ANY', allowedFunctionNames: ['g'] });
    expect(forced.tool_choice).toEqual({ type: 'function', function: { name: 'g' } });
    expect(forced.tools?.map((t) => t.function.name)).toEqual(['g']);
    expect(withMode({}).tool_choice).toBeUndefined();
  });

  it('keeps each thoughtSignature with the part it rode on (call by id, answer text), for Gemini upstreams', () => {
    const request = translate({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ text: 'Checking.', thoughtSignature: 'dGV4dA==' }, { functionCall: { id: 'call_7', name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'Y2FsbA==' }] },
        { role: 'user', parts: [{ functionResponse: { id: 'call_7', name: 'get_weather', response: { temp: 18 } } }] },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [{ id: 'call_7', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      signed_reasoning: [
        { type: 'thought_signature', signature: 'dGV4dA==', part: 'text' },
        { type: 'thought_signature', signature: 'Y2FsbA==', part: 'tool_call', tool_call_id: 'call_7' },
      ],
    });
  });

  it('drops thought text from history (keeping its signature), and an empty model turn', () => {
    const request = translate({
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts: [{ text: 'Let me think…', thought: true, thoughtSignature: 'c2ln' }, { text: 'Hello!' }] },
        { role: 'model', parts: [] },
        { role: 'user', parts: [{ text: 'bye' }] },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!', signed_reasoning: [{ type: 'thought_signature', signature: 'c2ln', part: 'thought', text: 'Let me think…' }] },
      { role: 'user', content: 'bye' },
    ]);
  });

  it('maps JSON output: a schema (Gemini or JSON Schema) to json_schema, none to json_object', () => {
    const contents = [{ parts: [{ text: 'hi' }] }];
    expect(translate({ contents, generationConfig: { responseMimeType: 'application/json' } }).response_format).toEqual({ type: 'json_object' });
    expect(translate({ contents, generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'object', properties: { a: { type: 'string' } } } },
    });
    const jsonSchema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    expect(translate({ contents, generationConfig: { responseMimeType: 'application/json', responseJsonSchema: jsonSchema } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: jsonSchema },
    });
    expect(translate({ contents, generationConfig: { responseMimeType: 'text/plain' } }).response_format).toBeUndefined();
  });

  it('maps thinkingConfig for reasoning models only', () => {
    const contents = [{ parts: [{ text: 'hi' }] }];
    const thinking = (thinkingConfig: Record<string, unknown>, reasoningSupported = true) => translate({ contents, generationConfig: { thinkingConfig } }, { reasoningSupported }).reasoning;
    expect(thinking({ thinkingBudget: 1024, includeThoughts: true })).toEqual({ max_tokens: 1024, exclude: false });
    expect(thinking({ thinkingBudget: 0 })).toEqual({ effort: 'minimal', exclude: true });
    expect(thinking({ thinkingBudget: -1, includeThoughts: true })).toEqual({ exclude: false });
    expect(thinking({ thinkingLevel: 'HIGH' })).toEqual({ effort: 'high', exclude: true });
    expect(thinking({ thinkingBudget: 0 }, false)).toBeUndefined();
  });

  it('refuses what it cannot translate, as INVALID_ARGUMENT with the param', () => {
    const contents = [{ parts: [{ text: 'hi' }] }];
    expect(translationError({ contents, cachedContent: 'cachedContents/abc' }).param).toBe('cachedContent');
    expect(translationError({ contents, tools: [{ codeExecution: {} }] }).message).toContain('codeExecution');
    expect(translationError({ contents, generationConfig: { candidateCount: 2 } }).param).toBe('generationConfig.candidateCount');
    expect(translationError({ contents, generationConfig: { responseMimeType: 'text/x.enum' } }).param).toBe('generationConfig.responseMimeType');
    expect(translationError({ contents, generationConfig: { responseSchema: { type: 'STRING' } } }).param).toBe('generationConfig.responseMimeType');
    expect(translationError({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }).param).toBe('contents[0].parts[0]');
    expect(translationError({ contents, tools: [{ functionDeclarations: [{ name: 'f' }] }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['g'] } } }).message).toContain("'g'");
    expect(translationError({ contents: [{ role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: PNG_B64 } }] }] }).param).toBe('contents[0].parts[0]');
  });

  it('the schema refuses parts with no or several kinds, and unknown roles', () => {
    expect(GenerateContentRequestSchema.safeParse({ contents: [{ parts: [{ executableCode: { code: 'x' } }] }] }).success).toBe(false);
    expect(GenerateContentRequestSchema.safeParse({ contents: [{ parts: [{ text: 'a', inlineData: { mimeType: 'image/png', data: 'x' } }] }] }).success).toBe(false);
    expect(GenerateContentRequestSchema.safeParse({ contents: [{ role: 'system', parts: [{ text: 'a' }] }] }).success).toBe(false);
    expect(GenerateContentRequestSchema.safeParse({ contents: [] }).success).toBe(false);
  });
});
