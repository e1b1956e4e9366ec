import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { FakeOpenAiUpstream } from '../fake-upstreams/openai.fake-upstream';
import { type GatewayTestStack, startGatewayTestStack } from '../support/gateway-test-stack';

const WORKSPACE_KEY = 'sk-mistral-workspace-own-9c1e';
/** The fake's chat fixture: 19 prompt + 10 completion tokens. mistral-small at $0.10 / $0.30 per Mtok → ceil(4.9) µUSD. */
const FULL_COST = 5n;
/** 5 % of the rates (5,000 / 15,000 µUSD per Mtok): 19 × 0.005 + 10 × 0.015 = 0.245 → 1 µUSD. */
const FEE_COST = 1n;

// Mistral's base URL is configured (a fake upstream) but the operator has no MISTRAL_API_KEY: Mistral's models are
// served only to a workspace that stored its own Mistral key, with that key and at the BYOK fee; any other workspace
// gets a 404 `model_not_found` saying why. Real stack, official openai SDK as the client.
describe('bring your own key for a provider the operator has no key for', () => {
  const mistral = new FakeOpenAiUpstream({ apiKey: WORKSPACE_KEY, models: ['mistral-small-latest'], streamUsage: 'always' });
  let stack: GatewayTestStack;
  let keyless = { id: '', key: '' };

  beforeAll(async () => {
    await mistral.start();
    stack = await startGatewayTestStack({
      env: {
        MISTRAL_BASE_URL: mistral.baseUrl,
        BYOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        BYOK_FEE_BASIS_POINTS: '500',
      },
      workspace: { name: 'own-mistral-key', creditMicros: 1_000_000n },
    });
    keyless = await stack.createWorkspace('no-mistral-key', 1_000_000n);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await mistral.stop();
  });

  const admin = (method: string, path: string, body?: object) =>
    fetch(`${stack.gatewayUrl}/api/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.stack.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
  const ask = (apiKey: string, marker: string) => sdk(apiKey).chat.completions.create({ model: 'mistral/mistral-small', messages: [{ role: 'user', content: marker }], max_tokens: 20 }).withResponse();

  it('without a workspace key the model answers 404 model_not_found in the error envelope, and nothing goes upstream', async () => {
    const marker = `no-key-${randomBytes(4).toString('hex')}`;
    const error = await ask(keyless.key, marker).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    const refused = error as InstanceType<typeof OpenAI.NotFoundError>;
    expect(refused.status).toBe(404);
    expect(refused.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect(refused.message).toContain('own provider key');
    expect(mistral.requestsContaining(marker)).toHaveLength(0);
    expect((await stack.settledCredits(keyless.key)).balance_micros).toBe('1000000');
  });

  it('the operator can store a workspace key for it, and the model lists it as needing one', async () => {
    const saved = await admin('PUT', `/workspaces/${stack.workspaceId}/provider-keys/mistral`, { api_key: WORKSPACE_KEY });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ provider: 'mistral', key_hint: '…9c1e' });
    const endpoints = await fetch(`${stack.gatewayUrl}/api/v1/models/mistral/mistral-small/endpoints`);
    expect(endpoints.status).toBe(200);
    expect(((await endpoints.json()) as { data: { endpoints: Array<{ provider_name: string; requires_own_key: boolean }> } }).data.endpoints).toEqual([
      expect.objectContaining({ provider_name: 'mistral', requires_own_key: true }),
    ]);
  });

  it('with its key the workspace is served by Mistral with that key, charged the BYOK fee instead of the price', async () => {
    const before = await stack.settledCredits();
    const marker = `own-key-${randomBytes(4).toString('hex')}`;
    const { data, response } = await ask(stack.apiKey, marker);
    expect(response.headers.get('x-switchyard-provider')).toBe('mistral');
    expect(data.choices[0].message.content).toBe('Hello! How can I assist you today?');
    const usage = data.usage as unknown as { cost_micros: string };
    expect(BigInt(usage.cost_micros)).toBe(FEE_COST);
    expect(FEE_COST).toBeLessThan(FULL_COST);
    const sent = mistral.requestsContaining(marker);
    expect(sent.map((r) => r.headers.authorization)).toEqual([`Bearer ${WORKSPACE_KEY}`]);
    expect(sent[0].body).toMatchObject({ model: 'mistral-small-latest' });
    const after = await stack.settledCredits();
    expect(BigInt(before.balance_micros) - BigInt(after.balance_micros)).toBe(FEE_COST);

    // Another workspace still has no way to Mistral.
    await expect(ask(keyless.key, `still-no-key-${randomBytes(4).toString('hex')}`)).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('streams too, with the workspace key', async () => {
    const marker = `own-stream-${randomBytes(4).toString('hex')}`;
    const stream = await sdk(stack.apiKey).chat.completions.create({ model: 'mistral/mistral-small', messages: [{ role: 'user', content: marker }], max_tokens: 40, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello! How can I assist you today? Ünïcödé ✓');
    expect(mistral.requestsContaining(marker).map((r) => r.headers.authorization)).toEqual([`Bearer ${WORKSPACE_KEY}`]);
  });

  it('deleting the key takes the model away again', async () => {
    expect((await admin('DELETE', `/workspaces/${stack.workspaceId}/provider-keys/mistral`)).status).toBe(204);
    // (One gateway here: deleting drops its cached keys at once; other replicas within 5 s.)
    await expect(ask(stack.apiKey, `deleted-${randomBytes(4).toString('hex')}`)).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });
});
