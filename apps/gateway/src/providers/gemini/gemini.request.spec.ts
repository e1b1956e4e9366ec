import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { toGeminiRequestBody, toGeminiSchema } from './gemini.request';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const base = (over: Partial<ChatRequest>): ChatRequest => ({ model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], max_tokens: 256, ...over });

describe('toGeminiRequestBody', () => {
  it('system/developer → systemInstruction, user/assistant → user/model, sampling → generationConfig', () => {
    const body = toGeminiRequestBody(
      base({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
          { role: 'user', content: 'Capital of France?' },
          { role: 'assistant', content: 'Paris.' },
          { role: 'user', content: 'And Italy?' },
        ],
        max_completion_tokens: 300,
        max_tokens: 999,
        temperature: 0.4,
        top_p: 0.9,
        stop: ['END'],
        seed: 7,
      }),
    );
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Capital of France?' }] },
        { role: 'model', parts: [{ text: 'Paris.' }] },
        { role: 'user', parts: [{ text: 'And Italy?' }] },
      ],
      generationConfig: { maxOutputTokens: 300, temperature: 0.4, topP: 0.9, stopSequences: ['END'], seed: 7 },
    });
  });

  it('refuses to send a request without the output limit the hold covers', () => {
    expect(() => toGeminiRequestBody(base({ max_tokens: undefined }))).toThrow(AppError);
  });

  it('images: data URIs → inlineData, URLs → fileData with a MIME type', () => {
    const body = toGeminiRequestBody(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these.' },
              { type: 'image_url', image_url: { url: `data:image/PNG;base64,${PNG_B64}` } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=large' } },
            ],
          },
        ],
      }),
    );
    expect(body.contents[0].parts).toEqual([
      { text: 'Compare these.' },
      { inlineData: { mimeType: 'image/png', data: PNG_B64 } },
      { fileData: { fileUri: 'https://example.com/cat.webp?size=large', mimeType: 'image/webp' } },
    ]);
    expect(() => toGeminiRequestBody(base({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,raw' } }] }] }))).toThrow(/base64/);
  });

  it('tools → functionDeclarations (schema cleaned), tool_calls → functionCall, tool messages → functionResponse by name', () => {
    const body = toGeminiRequestBody(
      base({
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Current weather',
              parameters: { type: 'object', additionalProperties: false, $schema: 'x', properties: { location: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['c', 'f'] } }, required: ['location'] },
            },
          },
          { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [
          { role: 'user', content: 'Weather in SF and the time?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
              { id: 'call_2', type: 'function', function: { name: 'now', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18}' },
          { role: 'tool', tool_call_id: 'call_2', content: '12:00' },
        ],
      }),
    );
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', nullable: true, enum: ['c', 'f'] } }, required: ['location'] } },
          { name: 'now' },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in SF and the time?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'SF' } } }, { functionCall: { name: 'now', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18 } } }, { functionResponse: { name: 'now', response: { output: '12:00' } } }] },
    ]);
  });

  it('tool_choice none drops the tools; required → ANY', () => {
    const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }];
    expect(toGeminiRequestBody(base({ tools, tool_choice: 'none' })).tools).toBeUndefined();
    expect(toGeminiRequestBody(base({ tools, tool_choice: 'required' })).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it('a tool message without a preceding call is the caller’s mistake', () => {
    expect(() => toGeminiRequestBody(base({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'y' }] }))).toThrow(/No assistant tool call/);
  });

  it('response_format → responseMimeType / responseSchema', () => {
    expect(toGeminiRequestBody(base({ response_format: { type: 'json_object' } })).generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    const config = toGeminiRequestBody(
      base({ response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, kind: { const: 'city' } }, required: ['name'] } } } }),
    ).generationConfig;
    expect(config).toMatchObject({ responseMimeType: 'application/json', responseSchema: { type: 'object', properties: { name: { type: 'string' }, kind: { enum: ['city'] } }, required: ['name'] } });
  });

  it('reasoning → thinkingConfig within the output limit', () => {
    expect(toGeminiRequestBody(base({ max_tokens: 1000, reasoning: { effort: 'high' } })).generationConfig.thinkingConfig).toEqual({ thinkingBudget: 800, includeThoughts: true });
    expect(toGeminiRequestBody(base({ max_tokens: 1000, reasoning: { max_tokens: 5000, exclude: true } })).generationConfig.thinkingConfig).toEqual({ thinkingBudget: 999 });
    expect(toGeminiRequestBody(base({})).generationConfig.thinkingConfig).toBeUndefined();
  });

  it('refuses $ref schemas rather than sending something Gemini rejects', () => {
    expect(() => toGeminiSchema({ $ref: '#/$defs/x' }, 'p')).toThrow(/\$ref/);
  });

  it('top_k → topK (0, "off", is not sent)', () => {
    expect(toGeminiRequestBody(base({ top_k: 40 })).generationConfig.topK).toBe(40);
    expect(toGeminiRequestBody(base({ top_k: 0 })).generationConfig).not.toHaveProperty('topK');
  });

  it('thought signatures go back on the parts they came with; Anthropic thinking is not sent', () => {
    const body = toGeminiRequestBody(
      base({
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
            signed_reasoning: [
              { type: 'thinking', thinking: 'anthropic thoughts', signature: 'anthropic-sig' },
              { type: 'thought_signature', signature: 'dGg=', part: 'thought', text: 'hmm' },
              { type: 'thought_signature', signature: 'dHg=', part: 'text' },
              { type: 'thought_signature', signature: 'Y2FsbA==', part: 'tool_call', tool_call_id: 'call_1' },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp":18}' },
          { role: 'tool', tool_call_id: 'call_2', content: '{"time":"12:00"}' },
        ],
      }),
    );
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [
        { text: 'hmm', thought: true, thoughtSignature: 'dGg=' },
        { text: 'Checking.', thoughtSignature: 'dHg=' },
        { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'Y2FsbA==' },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    });
  });
});
