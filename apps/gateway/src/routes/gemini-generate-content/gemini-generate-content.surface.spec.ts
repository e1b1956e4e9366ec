import type { TokenUsage } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { EndpointPrice } from '@switchyard/pricing';
import type { AnswerDelta, ServedResponse, SseEvent } from '../../completion/response-surface';
import { GeminiGenerateContentSurface } from './gemini-generate-content.surface';

/** Priced like Gemini 2.5 Flash: input 0.30, cache read 0.075, output and reasoning 2.50 USD per Mtok. */
const PRICE: EndpointPrice = {
  modelId: 'google/gemini-2.5-flash',
  providerId: 'google',
  upstreamModel: 'gemini-2.5-flash',
  inputMicrosPerMtok: 300_000n,
  outputMicrosPerMtok: 2_500_000n,
  cacheReadMicrosPerMtok: 75_000n,
  cacheWriteMicrosPerMtok: 300_000n,
  reasoningMicrosPerMtok: 2_500_000n,
  requestMicros: 0n,
  imageMicros: 0n,
  contextTokensMax: 1_048_576,
  outputTokensMax: 65_536,
  supports: new Set(['tools', 'reasoning']),
};

const SERVED: ServedResponse = {
  requestId: 'gen-abc',
  created: 1_700_000_000,
  modelId: 'google/gemini-2.5-flash',
  providerId: 'google',
  price: PRICE,
  markupBasisPoints: 0,
  promptTokensEstimate: 10,
  fees: { webSearchRequests: 0, webSearchFeeMicros: 5_000n },
  sources: [],
};

/** 1536 prompt (1024 cached) + 50 completion (42 thoughts): 512×0.30 + 1024×0.075 + 50×2.50 = 355.4 → 356 micros. */
const USAGE: TokenUsage = { promptTokens: 1536, completionTokens: 50, cachedPromptTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 42 };
const USAGE_METADATA = { promptTokenCount: 1536, candidatesTokenCount: 8, totalTokenCount: 1586, cachedContentTokenCount: 1024, thoughtsTokenCount: 42, cost: '0.000356', costMicros: '356' };

describe('Gemini generateContent surface', () => {
  it('renders a whole answer: thought, text and function call parts, finishReason, usage with cost', () => {
    const body = new GeminiGenerateContentSurface({ jsonArray: false, includeThoughts: true }).completionBody(SERVED, {
      content: 'Checking the weather.',
      reasoning: 'The user wants weather.',
      toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      finishReason: 'tool_calls',
      usage: USAGE,
    });
    expect(body).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'The user wants weather.', thought: true },
              { text: 'Checking the weather.' },
              { functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: USAGE_METADATA,
      modelVersion: 'google/gemini-2.5-flash',
      responseId: 'gen-abc',
    });
  });

  it('maps finish reasons and omits zero cache/thought counts; the array form wraps the answer', () => {
    const surface = new GeminiGenerateContentSurface({ jsonArray: true, includeThoughts: false });
    const usage = { promptTokens: 9, completionTokens: 3, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    const [body] = surface.completionBody(SERVED, { content: 'Par', reasoning: 'unasked thoughts', finishReason: 'length', usage }) as Array<Record<string, any>>;
    expect(body.candidates[0].content.parts).toEqual([{ text: 'Par' }]);
    expect(body.candidates[0].finishReason).toBe('MAX_TOKENS');
    expect(body.usageMetadata).toEqual({ promptTokenCount: 9, candidatesTokenCount: 3, totalTokenCount: 12, cost: '0.000011', costMicros: '11' });
    const filtered = new GeminiGenerateContentSurface().completionBody(SERVED, { content: null, finishReason: 'content_filter', usage }) as Record<string, any>;
    expect(filtered.candidates[0]).toEqual({ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'SAFETY', index: 0 });
  });

  it('streams text and thoughts as they come, function calls whole in the last event with finishReason and usage', () => {
    const surface = new GeminiGenerateContentSurface({ jsonArray: false, includeThoughts: true });
    const writer = surface.streamWriter(SERVED);
    const deltas: Array<AnswerDelta> = [
      { type: 'reasoning', text: 'Hmm.' },
      { type: 'content', text: 'Let me ' },
      { type: 'content', text: 'check.' },
      { type: 'tool_calls', toolCalls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { type: 'tool_calls', toolCalls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { type: 'tool_calls', toolCalls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { type: 'finish', finishReason: 'tool_calls' },
    ];
    const events: SseEvent[] = deltas.flatMap((delta) => writer.delta(delta));
    events.push(...writer.finish(USAGE, 'tool_calls'));
    expect(events.every((event) => event.event === undefined)).toBe(true);
    const data = events.map((event) => event.data as Record<string, any>);
    expect(data.map((d) => d.candidates[0].content.parts)).toEqual([
      [{ text: 'Hmm.', thought: true }],
      [{ text: 'Let me ' }],
      [{ text: 'check.' }],
      [{ functionCall: { id: 'toolu_1', name: 'get_weather', args: { city: 'Paris' } } }],
    ]);
    expect(data.slice(0, 3).every((d) => d.candidates[0].finishReason === undefined && d.usageMetadata === undefined)).toBe(true);
    expect(data[3].candidates[0].finishReason).toBe('STOP');
    expect(data[3].usageMetadata).toEqual(USAGE_METADATA);
    expect(data.every((d) => d.modelVersion === 'google/gemini-2.5-flash' && d.responseId === 'gen-abc' && d.candidates[0].content.role === 'model')).toBe(true);
    expect(surface.streamTerminator).toBeNull();
  });

  it('puts each thoughtSignature back on its part: the function call by id, the answer text; Anthropic signatures are not Gemini’s', () => {
    const body = new GeminiGenerateContentSurface().completionBody(SERVED, {
      content: 'Checking.',
      toolCalls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
      signedReasoning: [
        { type: 'thinking', thinking: 'x', signature: 'anthropic-sig' },
        { type: 'thought_signature', signature: 'dHg=', part: 'text' },
        { type: 'thought_signature', signature: 'Y2FsbA==', part: 'tool_call', tool_call_id: 'call_1' },
      ],
      finishReason: 'tool_calls',
      usage: USAGE,
    }) as Record<string, any>;
    expect(body.candidates[0].content.parts).toEqual([
      { text: 'Checking.', thoughtSignature: 'dHg=' },
      { functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'Y2FsbA==' },
      { functionCall: { id: 'call_2', name: 'get_time', args: {} } },
    ]);
  });

  it('streams a text signature as an empty signed part, and a call’s signature on the call', () => {
    const writer = new GeminiGenerateContentSurface().streamWriter(SERVED);
    const deltas: Array<AnswerDelta> = [
      { type: 'content', text: 'Hi.' },
      { type: 'signed_reasoning', signed: { type: 'thought_signature', signature: 'dHg=', part: 'text' } },
      { type: 'tool_calls', toolCalls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { type: 'signed_reasoning', signed: { type: 'thought_signature', signature: 'Y2FsbA==', part: 'tool_call', tool_call_id: 'call_1' } },
      { type: 'signed_reasoning', signed: { type: 'redacted_thinking', data: 'anthropic-only' } },
    ];
    const events = [...deltas.flatMap((delta) => writer.delta(delta)), ...writer.finish(USAGE, 'tool_calls')];
    expect(events.map((event) => (event.data as Record<string, any>).candidates[0].content.parts)).toEqual([
      [{ text: 'Hi.' }],
      [{ text: '', thoughtSignature: 'dHg=' }],
      [{ functionCall: { id: 'call_1', name: 'f', args: {} }, thoughtSignature: 'Y2FsbA==' }],
    ]);
  });

  it('a web-searched answer lists its sources as groundingMetadata and its cost includes the search fee', () => {
    const searched: ServedResponse = {
      ...SERVED,
      fees: { webSearchRequests: 1, webSearchFeeMicros: 5_000n },
      sources: [{ url: 'https://example.com/paris', title: 'Paris', content: 'Paris is the capital of France.' }],
    };
    const body = new GeminiGenerateContentSurface().completionBody(searched, { content: 'Paris.', finishReason: 'stop', usage: USAGE }) as Record<string, any>;
    expect(body.candidates[0].groundingMetadata).toEqual({ groundingChunks: [{ web: { uri: 'https://example.com/paris', title: 'Paris' } }] });
    expect(body.usageMetadata).toMatchObject({ costMicros: '5356', cost: '0.005356' });
    const [last] = new GeminiGenerateContentSurface().streamWriter(searched).finish(USAGE, 'stop');
    expect((last.data as Record<string, any>).candidates[0].groundingMetadata.groundingChunks).toHaveLength(1);
  });

  it('hides streamed thoughts unless the request asked for them', () => {
    const writer = new GeminiGenerateContentSurface().streamWriter(SERVED);
    expect(writer.delta({ type: 'reasoning', text: 'Hmm.' })).toEqual([]);
    expect(writer.delta({ type: 'content', text: 'Hi' })).toHaveLength(1);
  });

  it('a stream failing after it opened ends with a bare JSON error object (what @google/genai raises on), with the usage billed', () => {
    const surface = new GeminiGenerateContentSurface();
    const writer = surface.streamWriter(SERVED);
    writer.delta({ type: 'content', text: 'Hel' });
    const error = new AppError('upstream_error', 'The provider failed.', { details: { provider: 'google', upstream_status: 503 } });
    expect(writer.fail(error, { promptTokens: 9, completionTokens: 1, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 })).toEqual([]);
    const terminator = surface.streamTerminator;
    expect(terminator).not.toBeNull();
    expect(terminator?.startsWith('{')).toBe(true);
    const body = JSON.parse(terminator ?? '') as Record<string, any>;
    expect(body.error).toMatchObject({ code: 502, message: 'The provider failed.', status: 'UNAVAILABLE' });
    expect(body.error.details[0]).toMatchObject({ reason: 'UPSTREAM_ERROR', metadata: { provider: 'google', upstream_status: '503', request_id: 'gen-abc' } });
    expect(body.usageMetadata).toMatchObject({ promptTokenCount: 9, candidatesTokenCount: 1, costMicros: '6' });
    // A fresh surface per request: another request's stream is not affected.
    expect(new GeminiGenerateContentSurface().streamTerminator).toBeNull();
  });
});
