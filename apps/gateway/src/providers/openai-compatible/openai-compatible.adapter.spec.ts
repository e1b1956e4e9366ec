import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { replayHttp, replayResponse } from '../../streaming/split-replay';
import { LOCAL_PROVIDER } from '../local/local.provider';
import { MISTRAL_PROVIDER } from '../mistral/mistral.provider';
import { OPENAI_PROVIDER } from '../openai/openai.provider';
import { OpenAiCompatibleAdapter } from './openai-compatible.adapter';
import { openAiCompatibleHttpError } from './openai-compatible.errors';

const openAiFixture = (name: string) => readFileSync(join(__dirname, '..', 'openai', '__fixtures__', name));
const request = { model: 'openai/o3-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 300, temperature: 0.3 } as ChatRequest;

describe('OpenAiCompatibleAdapter', () => {
  it('o3-mini: reports reasoning tokens from completion_tokens_details', async () => {
    const { http, requests } = replayHttp(() => replayResponse(200, [openAiFixture('o3-mini.response.json')]));
    const adapter = new OpenAiCompatibleAdapter(http, OPENAI_PROVIDER, { apiKey: 'sk-test', baseUrl: 'http://upstream.test/v1', timeoutMs: 5_000 });
    const result = await adapter.complete(request, 'o3-mini', new AbortController().signal);
    expect(result.usage).toEqual({ promptTokens: 13, completionTokens: 211, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 192 });
    expect(JSON.parse(requests[0].body)).toMatchObject({ max_completion_tokens: 300 });
  });

  it('a local server without a key gets no Authorization header', async () => {
    const { http, requests } = replayHttp(() => replayResponse(200, [openAiFixture('chat.response.json')]));
    const adapter = new OpenAiCompatibleAdapter(http, LOCAL_PROVIDER, { baseUrl: 'http://127.0.0.1:11434/v1/', timeoutMs: 5_000 });
    await adapter.complete({ ...request, model: 'meta-llama/llama-3.1-8b-instruct' }, 'llama3.1:8b', new AbortController().signal);
    expect(requests[0].url).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(requests[0].headers).not.toHaveProperty('authorization');
  });

  it('embeddings: posts to /embeddings with dimensions and encoding, returns vectors in order with usage', async () => {
    const { http, requests } = replayHttp(() => replayResponse(200, [openAiFixture('embeddings.response.json')]));
    const adapter = new OpenAiCompatibleAdapter(http, OPENAI_PROVIDER, { apiKey: 'sk-test', baseUrl: 'http://upstream.test/v1', timeoutMs: 5_000 });
    const result = await adapter.embed({ input: ['first', 'second'], dimensions: 8, encoding_format: 'float' }, 'text-embedding-3-small', new AbortController().signal);
    expect(requests[0].url).toBe('http://upstream.test/v1/embeddings');
    expect(JSON.parse(requests[0].body)).toEqual({ model: 'text-embedding-3-small', input: ['first', 'second'], dimensions: 8, encoding_format: 'float' });
    expect(result.promptTokens).toBe(9);
    expect(result.data.map((d) => d.index)).toEqual([0, 1]);
    expect(result.data[0].embedding).toHaveLength(8);
  });

  it('embeddings: a response with the wrong number of vectors is an upstream_error naming the provider', async () => {
    const { http } = replayHttp(() => replayResponse(200, [openAiFixture('embeddings.response.json')]));
    const adapter = new OpenAiCompatibleAdapter(http, OPENAI_PROVIDER, { apiKey: 'sk-test', baseUrl: 'http://upstream.test/v1', timeoutMs: 5_000 });
    const error = await adapter.embed({ input: 'only one' }, 'text-embedding-3-small', new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details).toEqual({ provider: 'openai', upstream_status: 200 });
  });

  it('an upstream message that quotes our key never carries it to the caller', async () => {
    const echo = JSON.stringify({ error: { message: 'Bad request from key sk-secret-upstream-key: unknown field', type: 'invalid_request_error' } });
    const { http } = replayHttp(() => replayResponse(400, [Buffer.from(echo)]));
    const adapter = new OpenAiCompatibleAdapter(http, MISTRAL_PROVIDER, { apiKey: 'sk-secret-upstream-key', baseUrl: 'http://upstream.test/v1', timeoutMs: 5_000 });
    const error = (await adapter.complete(request, 'mistral-small-latest', new AbortController().signal).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('invalid_request');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('sk-secret-upstream-key');
    expect(error.details).toEqual({ provider: 'mistral', upstream_status: 400 });
  });

  it.each([
    ['Mistral/vLLM flat body', 400, { object: 'error', message: 'Prompt contains 40000 tokens, too large for model with 32768 maximum context length', type: 'invalid_request_error' }],
    ['llama.cpp', 400, { error: { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error' } }],
  ])('context overflow without an OpenAI code (%s) → context_length_exceeded', (_name, status, body) => {
    expect(openAiCompatibleHttpError(status, JSON.stringify(body), undefined, 'local').code).toBe('context_length_exceeded');
  });

  it('o-series refusing a parameter is the caller’s 400 with the provider message', () => {
    const error = openAiCompatibleHttpError(400, openAiFixture('error.400.unsupported-parameter.json').toString(), undefined, 'openai');
    expect(error).toMatchObject({ code: 'invalid_request', param: 'max_tokens' });
  });
});
