import { AppError } from '@switchyard/errors';
import { toAnthropicRequestBody } from '../../providers/anthropic/anthropic.request';
import { toCanonicalRequest, TOOL_ERROR_PREFIX } from './anthropic-messages.request';
import { AnthropicCountTokensRequestSchema, type AnthropicMessagesRequest, AnthropicMessagesRequestSchema } from './anthropic-messages.schema';

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_SCHEMA = { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] };

/** Parses like the controller does, so the schema is exercised too. */
const parse = (body: Record<string, unknown>): AnthropicMessagesRequest => AnthropicMessagesRequestSchema.parse({ model: 'claude-sonnet-4-5', max_tokens: 512, ...body });

describe('toCanonicalRequest (Anthropic Messages → canonical)', () => {
  it('maps system, turns and every sampling field, top_k included', () => {
    const canonical = toCanonicalRequest(
      parse({
        system: 'Be terse.',
        messages: [
          { role: 'user', content: 'Capital of France?' },
          { role: 'assistant', content: 'Paris.' },
          { role: 'user', content: [{ type: 'text', text: 'And Italy?', cache_control: { type: 'ephemeral' } }] },
        ],
        stop_sequences: ['END'],
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        metadata: { user_id: 'end-user-7' },
        stream: true,
      }),
      'anthropic/claude-sonnet-4-5',
    );
    expect(canonical).toEqual({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: 'Paris.' },
        { role: 'user', content: [{ type: 'text', text: 'And Italy?' }] },
      ],
      max_tokens: 512,
      stream: true,
      stop: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      user: 'end-user-7',
    });
  });

  it('keeps system text blocks apart', () => {
    const canonical = toCanonicalRequest(parse({ system: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }], messages: [{ role: 'user', content: 'hi' }] }), 'm');
    expect(canonical.messages.slice(0, 2)).toEqual([
      { role: 'system', content: 'One.' },
      { role: 'system', content: 'Two.' },
    ]);
  });

  it('turns images and PDFs (base64 and URL) into canonical parts; text documents into text', () => {
    const canonical = toCanonicalRequest(
      parse({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe these.' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
              { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'report.pdf' },
              { type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' } },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain words.' }, title: 'Notes' },
            ],
          },
        ],
      }),
      'm',
    );
    expect(canonical.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Describe these.' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'file', file: { filename: 'document.pdf', file_data: 'https://example.com/paper.pdf' } },
          { type: 'text', text: 'Notes\n\nPlain words.' },
        ],
      },
    ]);
  });

  it('maps tools, tool_choice and disable_parallel_tool_use', () => {
    const tools = [{ name: 'get_weather', description: 'Weather for a place', input_schema: WEATHER_SCHEMA }];
    const at = (tool_choice: Record<string, unknown>) => toCanonicalRequest(parse({ messages: [{ role: 'user', content: 'hi' }], tools, tool_choice }), 'm');
    expect(at({ type: 'auto' }).tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather for a place', parameters: WEATHER_SCHEMA } }]);
    expect(at({ type: 'auto' }).tool_choice).toBe('auto');
    expect(at({ type: 'any' }).tool_choice).toBe('required');
    expect(at({ type: 'none' }).tool_choice).toBe('none');
    expect(at({ type: 'tool', name: 'get_weather' }).tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(at({ type: 'auto', disable_parallel_tool_use: true }).parallel_tool_calls).toBe(false);
    expect(at({ type: 'auto' }).parallel_tool_calls).toBeUndefined();
  });

  it('interleaved thinking goes back to an Anthropic upstream in the order the client sent it, signatures verbatim', () => {
    const turn = [
      { type: 'thinking', thinking: 'Paris first.', signature: 'sig-1' },
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'thinking', thinking: 'Now Rome.', signature: 'sig-2' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Rome' } },
    ];
    const canonical = toCanonicalRequest(
      parse({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          { role: 'assistant', content: turn },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: '21°C' },
            ],
          },
        ],
      }),
      'anthropic/claude-sonnet-4-5',
    );
    const upstream = toAnthropicRequestBody(canonical, 'claude-sonnet-4-5', false);
    expect(upstream.messages[1]).toEqual({ role: 'assistant', content: turn });
  });

  it('a tool_use / tool_result round trip becomes tool_calls and tool messages, in order; is_error marks the text', () => {
    const canonical = toCanonicalRequest(
      parse({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig' },
              { type: 'redacted_thinking', data: 'opaque' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
              { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }] },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: 'station offline', is_error: true },
              { type: 'text', text: 'Summarise.' },
            ],
          },
        ],
      }),
      'm',
    );
    expect(canonical.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'Two cities, two calls.',
        // Signed blocks are kept verbatim and in order, for Anthropic upstreams to check.
        signed_reasoning: [
          { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
        ],
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: `${TOOL_ERROR_PREFIX}station offline` },
      { role: 'user', content: [{ type: 'text', text: 'Summarise.' }] },
    ]);
  });

  it('keeps images in a tool result as parts; an empty result is an empty string', () => {
    const canonical = toCanonicalRequest(
      parse({
        messages: [
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'here' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } }] },
              { type: 'tool_result', tool_use_id: 'toolu_2' },
            ],
          },
        ],
      }),
      'm',
    );
    expect(canonical.messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'here' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } }] },
      { role: 'tool', tool_call_id: 'toolu_2', content: '' },
    ]);
  });

  it('thinking.enabled becomes canonical reasoning with its budget; disabled adds nothing', () => {
    expect(toCanonicalRequest(parse({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] }), 'm').reasoning).toEqual({ max_tokens: 2048 });
    expect(toCanonicalRequest(parse({ thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }] }), 'm').reasoning).toBeUndefined();
  });

  it('drops an empty final assistant (prefill) turn and refuses misplaced or empty blocks', () => {
    expect(toCanonicalRequest(parse({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [] }] }), 'm').messages).toEqual([{ role: 'user', content: 'hi' }]);
    const refusal = (messages: unknown[]) => {
      try {
        toCanonicalRequest(parse({ messages }), 'm');
      } catch (error) {
        return error as AppError;
      }
      throw new Error('expected a refusal');
    };
    const misplaced = refusal([{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'n', input: {} }] }]);
    expect(misplaced).toBeInstanceOf(AppError);
    expect(misplaced).toMatchObject({ code: 'invalid_request', param: 'messages.0.content' });
    expect(refusal([{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't' }] }]).param).toBe('messages.1.content');
    expect(refusal([{ role: 'user', content: [] }]).message).toMatch(/non-empty/);
  });

  it('the schema requires max_tokens, refuses server tools, bad media types and a budget ≥ max_tokens', () => {
    const base = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] };
    expect(AnthropicMessagesRequestSchema.safeParse(base).success).toBe(false);
    expect(AnthropicMessagesRequestSchema.safeParse({ ...base, max_tokens: 10, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).success).toBe(false);
    expect(
      AnthropicMessagesRequestSchema.safeParse({ ...base, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } }] }] }).success,
    ).toBe(false);
    const budget = AnthropicMessagesRequestSchema.safeParse({ ...base, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } });
    expect(budget.success).toBe(false);
    expect(budget.error?.issues[0].path).toEqual(['thinking', 'budget_tokens']);
    // count_tokens takes the prompt without max_tokens
    expect(toCanonicalRequest(AnthropicCountTokensRequestSchema.parse(base), 'm')).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  });
});
