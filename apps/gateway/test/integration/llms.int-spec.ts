import { startTestStack, type TestStack } from '@switchyard/testing';

/** `/llms.txt` is served as plain text, names this gateway's origin and the main surfaces, and lists every OpenAPI path. */
describe('llms.txt', () => {
  let stack: TestStack;
  let gateway: string;

  beforeAll(async () => {
    stack = await startTestStack({ services: ['ledger', 'gateway'] });
    gateway = stack.url('gateway');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('describes the API for agents: surfaces, auth, keys, 402 payments, MCP and where the OpenAPI document is', async () => {
    const response = await fetch(`${gateway}/llms.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^# Switchyard\n/);
    expect(text).not.toContain('{{BASE_URL}}');
    for (const expected of [
      `${gateway}/v1/chat/completions`,
      `${gateway}/v1/messages`,
      `${gateway}/v1beta/models/{model}:generateContent`,
      `${gateway}/openapi.json`,
      `${gateway}/mcp`,
      'Authorization: Bearer',
      '402 Payment Required',
      'Authorization: Payment',
      'POST /api/v1/keys',
      '/api/v1/deposits/address',
    ]) {
      expect(text).toContain(expected);
    }
    // The endpoint list is generated from the OpenAPI document: every path it describes is named.
    const openapi = (await (await fetch(`${gateway}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, methods] of Object.entries(openapi.paths)) {
      for (const method of Object.keys(methods)) expect(text).toContain(`\`${method.toUpperCase()} ${path}\``);
    }
  });
});
