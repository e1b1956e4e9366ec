import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromAnthropicMessage } from './anthropic.response';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '__fixtures__', name), 'utf8'));

describe('fromAnthropicMessage', () => {
  it('text answer with cache reads: prompt tokens include the cache, end_turn → stop', () => {
    expect(fromAnthropicMessage(fixture('messages.response.json'))).toEqual({
      content: 'Hello! The capital of France is Paris.',
      finishReason: 'stop',
      usage: { promptTokens: 412 + 1024, completionTokens: 61, cachedPromptTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it('tool_use → tool_calls with JSON-stringified input, cache writes counted', () => {
    const completion = fromAnthropicMessage(fixture('messages.tool-use.response.json'));
    expect(completion.content).toBe("I'll check the current weather in San Francisco for you.");
    expect(completion.finishReason).toBe('tool_calls');
    expect(completion.toolCalls).toEqual([{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }]);
    expect(completion.usage).toEqual({ promptTokens: 384 + 256, completionTokens: 79, cachedPromptTokens: 0, cacheWriteTokens: 256, reasoningTokens: 0 });
  });

  it('maps stop reasons and thinking', () => {
    const message = (stop_reason: string, content: unknown[] = [{ type: 'text', text: 'x' }]) => ({ content, stop_reason, usage: { input_tokens: 1, output_tokens: 1 } });
    expect(fromAnthropicMessage(message('stop_sequence')).finishReason).toBe('stop');
    expect(fromAnthropicMessage(message('max_tokens')).finishReason).toBe('length');
    expect(fromAnthropicMessage(message('refusal')).finishReason).toBe('content_filter');
    const thought = fromAnthropicMessage(message('end_turn', [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'ok' }]));
    expect(thought).toMatchObject({ content: 'ok', reasoning: 'hmm' });
    const toolOnly = fromAnthropicMessage(message('tool_use', [{ type: 'tool_use', id: 't', name: 'f', input: {} }]));
    expect(toolOnly).toMatchObject({ content: null, toolCalls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] });
  });

  it('a stop on a stop sequence: stop, with the sequence that matched', () => {
    const completion = fromAnthropicMessage(fixture('messages.stop-sequence.response.json'));
    expect(completion).toMatchObject({ content: '1, 2, 3, ', finishReason: 'stop', stopSequence: '4' });
    expect(fromAnthropicMessage(fixture('messages.response.json'))).not.toHaveProperty('stopSequence');
  });

  it('thinking and redacted thinking blocks are kept in order with their signature and data', () => {
    const completion = fromAnthropicMessage(fixture('messages.thinking-tool-use.response.json'));
    expect(completion.reasoning).toBe('The user wants the weather in Paris; call get_weather.');
    expect(completion.signedReasoning).toEqual([
      { type: 'thinking', thinking: 'The user wants the weather in Paris; call get_weather.', signature: 'ErUBCkYIBhgCIkBthinkingSig0001' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    ]);
    expect(completion.toolCalls).toEqual([{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }]);
  });

  it('a body without usage or content is an upstream error (never served unmetered)', () => {
    expect(() => fromAnthropicMessage({ content: [], stop_reason: 'end_turn' })).toThrow(expect.objectContaining({ code: 'upstream_error' }));
    expect(() => fromAnthropicMessage({ type: 'message' })).toThrow(expect.objectContaining({ code: 'upstream_error' }));
  });
});
