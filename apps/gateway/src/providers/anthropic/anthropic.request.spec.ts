import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { toAnthropicRequestBody } from './anthropic.request';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const base = (over: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], max_tokens: 256, ...over });

describe('toAnthropicRequestBody', () => {
  it('moves system and developer messages to `system`, keeps the turns, sets the model and limits', () => {
    const body = toAnthropicRequestBody(
      base({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Capital of France?' },
          { role: 'assistant', content: 'Paris.' },
          { role: 'user', content: [{ type: 'text', text: 'And Italy?' }] },
        ],
        stop: 'END',
        temperature: 0.3,
        top_p: 0.9,
        user: 'end-user-7',
      }),
      'claude-sonnet-4-5',
      false,
    );
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      stream: false,
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Paris.' }] },
        { role: 'user', content: [{ type: 'text', text: 'And Italy?' }] },
      ],
      stop_sequences: ['END'],
      temperature: 0.3,
      top_p: 0.9,
      metadata: { user_id: 'end-user-7' },
    });
  });

  it('uses the lowered output limit (max_completion_tokens first) and refuses to send without one', () => {
    expect(toAnthropicRequestBody(base({ max_tokens: 900, max_completion_tokens: 120 }), 'm', true).max_tokens).toBe(120);
    expect(toAnthropicRequestBody(base({ max_tokens: 77 }), 'm', true)).toMatchObject({ max_tokens: 77, stream: true });
    expect(() => toAnthropicRequestBody(base({ max_tokens: undefined }), 'm', false)).toThrow(AppError);
  });

  it('clamps temperature to Anthropic’s 0–1 and passes stop lists without whitespace-only entries', () => {
    const body = toAnthropicRequestBody(base({ temperature: 1.7, stop: ['a', '\n\n', 'b'] }), 'm', false);
    expect(body.temperature).toBe(1);
    expect(body.stop_sequences).toEqual(['a', 'b']);
    expect(toAnthropicRequestBody(base({ stop: '\n' }), 'm', false)).not.toHaveProperty('stop_sequences');
  });

  it('drops whitespace-only text (Anthropic refuses it) and refuses a request left without turns', () => {
    const body = toAnthropicRequestBody(base({ messages: [{ role: 'system', content: ' ' }, { role: 'user', content: [{ type: 'text', text: '\n' }, { type: 'text', text: 'q' }] }, { role: 'assistant', content: '  ' }] }), 'm', false);
    expect(body).not.toHaveProperty('system');
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'q' }] }]);
    expect(() => toAnthropicRequestBody(base({ messages: [{ role: 'user', content: '   ' }] }), 'm', false)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'messages' }));
  });

  it('translates tools, tool_calls → tool_use, tool messages → tool_result in one user turn', () => {
    const body = toAnthropicRequestBody(
      base({
        messages: [
          { role: 'user', content: 'Weather in SF and NYC?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
              { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '22°C' }] },
          { role: 'user', content: 'Thanks, summarise.' },
        ],
        tools: [
          { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
          { type: 'function', function: { name: 'now' } },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
      }),
      'm',
      false,
    );
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in SF and NYC?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'SF' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '22°C' },
          { type: 'text', text: 'Thanks, summarise.' },
        ],
      },
    ]);
  });

  it('maps every tool_choice', () => {
    const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'f' } }];
    const choice = (tool_choice: ChatRequest['tool_choice']) => toAnthropicRequestBody(base({ tools, tool_choice }), 'm', false).tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(choice(undefined)).toBeUndefined();
    // no tools → no tool_choice (Anthropic rejects it)
    expect(toAnthropicRequestBody(base({ tool_choice: 'auto' }), 'm', false).tool_choice).toBeUndefined();
  });

  it('refuses tool arguments that are not a JSON object', () => {
    const request = base({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"broken' } }] },
      ],
    });
    expect(() => toAnthropicRequestBody(request, 'm', false)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('images: data URIs → base64 source, http(s) URLs → url source, others refused', () => {
    const body = toAnthropicRequestBody(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
            ],
          },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    const bad = (url: string) => () => toAnthropicRequestBody(base({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] }), 'm', false);
    expect(bad('ftp://example.com/x.png')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(bad('data:image/bmp;base64,AAAA')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(bad('data:image/png,rawbytes')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('PDF files become document blocks; audio is refused', () => {
    const body = toAnthropicRequestBody(base({ messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } }] }] }), 'm', false);
    expect(body.messages[0].content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }]);
    expect(() => toAnthropicRequestBody(base({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }), 'm', false)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('reasoning → thinking with a budget below max_tokens, dropping sampling params it forbids', () => {
    const body = toAnthropicRequestBody(base({ max_tokens: 8_000, reasoning: { effort: 'medium' }, temperature: 0.2, top_k: 40 }), 'm', false);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4_000 });
    expect(body.temperature).toBeUndefined();
    expect(body.top_k).toBeUndefined();
    expect(toAnthropicRequestBody(base({ max_tokens: 2_000, reasoning: { max_tokens: 5_000 } }), 'm', false).thinking).toEqual({ type: 'enabled', budget_tokens: 1_999 });
    expect(toAnthropicRequestBody(base({ max_tokens: 1_000, reasoning_effort: 'high' }), 'm', false).thinking).toBeUndefined();
    expect(toAnthropicRequestBody(base({ max_tokens: 8_000 }), 'm', false).thinking).toBeUndefined();
  });

  it('passes top_k through', () => {
    expect(toAnthropicRequestBody(base({ top_k: 40 }), 'm', false).top_k).toBe(40);
    expect(toAnthropicRequestBody(base(), 'm', false)).not.toHaveProperty('top_k');
  });

  it('sends signed thinking and redacted thinking back first and verbatim; other providers’ signatures are dropped', () => {
    const body = toAnthropicRequestBody(
      base({
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            reasoning: 'Call get_weather.',
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
            signed_reasoning: [
              { type: 'thinking', thinking: 'Call get_weather.', signature: 'sig-1' },
              { type: 'redacted_thinking', data: 'opaque' },
              { type: 'thought_signature', signature: 'gemini-sig', part: 'tool_call', tool_call_id: 'toolu_1' },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        ],
      }),
      'm',
      false,
    );
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Call get_weather.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
      ],
    });
  });
});
