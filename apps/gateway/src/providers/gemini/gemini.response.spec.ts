import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@switchyard/errors';
import { fromGeminiResponse, toFinishReason } from './gemini.response';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '__fixtures__', name), 'utf8'));
const ids = () => {
  let n = 0;
  return () => `call_test_${++n}`;
};

describe('fromGeminiResponse', () => {
  it('text, STOP, usage with cached prompt tokens and thoughts as reasoning', () => {
    expect(fromGeminiResponse(fixture('generate-content.response.json'), ids())).toEqual({
      content: 'The capital of France is Paris.',
      finishReason: 'stop',
      usage: { promptTokens: 1536, completionTokens: 8 + 42, cachedPromptTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 42 },
    });
  });

  it('functionCall → tool_calls with a generated id and JSON-stringified args; its thoughtSignature tied to the call', () => {
    expect(fromGeminiResponse(fixture('generate-content.function-call.response.json'), ids())).toEqual({
      content: null,
      toolCalls: [{ id: 'call_test_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
      signedReasoning: [{ type: 'thought_signature', signature: 'CiwBVKhc7nFSn4VCIRwQBpKSM0sWuqiS9YHxWBY5nvGxE2q2BuQ8rUGnG1Zxyw==', part: 'tool_call', tool_call_id: 'call_test_1' }],
      finishReason: 'tool_calls',
      usage: { promptTokens: 71, completionTokens: 22 + 57, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 57 },
    });
  });

  it('random ids look like OpenAI call ids', () => {
    const result = fromGeminiResponse(fixture('generate-content.function-call.response.json'));
    expect(result.toolCalls?.[0].id).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it('signatures on a thought and on the answer text say which part they rode on', () => {
    const body = {
      candidates: [{ content: { parts: [{ text: 'hmm', thought: true, thoughtSignature: 'dGg=' }, { text: 'Yes.', thoughtSignature: 'dHg=' }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 },
    };
    expect(fromGeminiResponse(body).signedReasoning).toEqual([
      { type: 'thought_signature', signature: 'dGg=', part: 'thought', text: 'hmm' },
      { type: 'thought_signature', signature: 'dHg=', part: 'text' },
    ]);
  });

  it('thought parts are reasoning, not content', () => {
    const body = { candidates: [{ content: { parts: [{ text: 'hmm', thought: true }, { text: 'Yes.' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 } };
    expect(fromGeminiResponse(body)).toMatchObject({ content: 'Yes.', reasoning: 'hmm' });
  });

  it('a blocked prompt is a content_filter finish; a missing usage cannot be metered', () => {
    expect(fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5 } })).toMatchObject({ content: null, finishReason: 'content_filter', usage: { promptTokens: 5 } });
    expect(() => fromGeminiResponse({ candidates: [{ content: { parts: [{ text: 'x' }] } }] })).toThrow(AppError);
  });

  it('maps finish reasons', () => {
    expect(toFinishReason('STOP', false)).toBe('stop');
    expect(toFinishReason('MAX_TOKENS', false)).toBe('length');
    expect(toFinishReason('SAFETY', false)).toBe('content_filter');
    expect(toFinishReason('RECITATION', true)).toBe('content_filter');
    expect(toFinishReason('STOP', true)).toBe('tool_calls');
  });
});
