import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { formatCost } from '../src/lib/money';
import { launchBrowser, newContext, screenshot } from './support/browser';
import { dashboardUrl, devStack } from './support/dev-stack';

/** Retries `check` until it passes (or 15 s pass). */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

interface LogRow {
  id: string;
  cost_micros: string;
  requested_model: string;
  model: string | null;
}

/**
 * The chat playground, logs, generation and usage pages against `make up` (the demo provider streams in steps):
 * a new wallet signs in with SIWE, chats with `auto`, finds the request in its logs and usage, and sees a workspace
 * guardrail block a chat with the API's message.
 */
describe('dashboard: chat, logs and usage', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let requestId: string;
  let chatUrl: string;
  const wallet = privateKeyToAccount(generatePrivateKey());
  const message = `Hello Switchyard ${Date.now().toString(36)}`;

  beforeAll(async () => {
    base = devStack().url;
    browser = await launchBrowser();
    context = await newContext(browser);
    // Sign in with SIWE through the browser context's request API, so the session cookies land in the browser.
    const nonce = (await (await context.request.post(`${base}/api/v1/auth/siwe/nonce`, { data: {} })).json()) as { nonce: string };
    const siwe = createSiweMessage({ domain: new URL(base).host, address: wallet.address, statement: 'Sign in to Switchyard', uri: base, version: '1', chainId: 1, nonce: nonce.nonce, issuedAt: new Date() });
    const verified = await context.request.post(`${base}/api/v1/auth/siwe/verify`, { data: { message: siwe, signature: await wallet.signMessage({ message: siwe }) } });
    expect(verified.status()).toBe(200);
    page = await context.newPage();
  });

  afterAll(async () => browser?.close());

  it('streams an answer from auto, names the model that served it, and keeps the chat in the history across a reload', async () => {
    await page.goto(dashboardUrl('/chat'));
    await page.getByRole('heading', { name: 'Chat' }).waitFor();
    // The model list loads from GET /v1/models; `auto` is the default choice.
    await eventually(async () => expect(await page.getByRole('combobox', { name: 'Model', exact: true }).inputValue()).toContain('auto'));
    // Record every change of the answer text while it streams.
    // (A string: this file compiles without the DOM library.)
    await page.evaluate(`(() => {
      const seen = [];
      window.__answerLengths = seen;
      new MutationObserver(() => {
        const cards = document.querySelectorAll('[data-testid="assistant-message"]');
        const card = cards[cards.length - 1];
        if (!card) return;
        const length = card.querySelector('[data-testid="answer-text"]')?.textContent?.length ?? 0;
        const last = seen[seen.length - 1];
        if (last?.length !== length || last?.streaming !== card.dataset.streaming) seen.push({ length, streaming: card.dataset.streaming });
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);
    const input = page.getByLabel('Message', { exact: true });
    await input.fill(message);
    await input.press('Enter');
    const answer = page.locator('[data-testid="assistant-message"]').last();
    try {
      await answer.locator('[data-testid="answer-meta"]').waitFor({ timeout: 30_000 });
    } catch (error) {
      await screenshot(page, 'chat-failure');
      throw new Error(`the answer did not complete: ${await answer.textContent()} (${await answer.getAttribute('data-streaming')})`, { cause: error });
    }
    expect(await answer.getAttribute('data-streaming')).toBe('false');
    const lengths = (await page.evaluate('window.__answerLengths')) as Array<{ length: number; streaming: string }>;
    const whileStreaming = [...new Set(lengths.filter((l) => l.streaming === 'true' && l.length > 0).map((l) => l.length))];
    // The text grew in several steps before the answer completed, not all at once.
    expect(whileStreaming.length).toBeGreaterThanOrEqual(2);
    expect(whileStreaming).toEqual([...whileStreaming].sort((a, b) => a - b));
    const finalText = (await answer.locator('[data-testid="answer-text"]').textContent()) ?? '';
    expect(finalText).toContain(`Echo: ${message}`);
    expect(finalText.length).toBeGreaterThan(whileStreaming[0]);
    // `auto` resolved to a concrete model, shown on the answer.
    expect(await answer.locator('[data-testid="answer-model"]').textContent()).toMatch(/^auto → [\w.-]+\/[\w.:-]+$/);
    expect(await answer.locator('[data-testid="answer-meta"]').textContent()).toMatch(/cost \$0\.\d+/);
    requestId = (await answer.getAttribute('data-request-id')) ?? '';
    expect(requestId).not.toBe('');

    // Saved server-side: in the sidebar, and the URL names it.
    const item = page.locator('[data-testid="conversation-item"]', { hasText: message });
    await item.waitFor();
    await page.waitForURL(/\/dashboard\/chat\?c=[0-9a-f-]{36}/);
    chatUrl = page.url();
    await screenshot(page, 'chat-laptop');

    await page.reload();
    await page.locator('[data-testid="conversation-item"]', { hasText: message }).waitFor();
    await page.locator('[data-testid="user-message"]', { hasText: message }).waitFor();
    await expect(page.locator('[data-testid="answer-text"]').last().textContent()).resolves.toContain(`Echo: ${message}`);

    // Phone width: the history moves into a drawer, the chat stays usable.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', storageState: await context.storageState() });
    const phonePage = await phone.newPage();
    await phonePage.goto(chatUrl);
    await phonePage.locator('[data-testid="user-message"]', { hasText: message }).waitFor();
    await phonePage.getByLabel('Message', { exact: true }).waitFor();
    await screenshot(phonePage, 'chat-phone');
    await phonePage.getByRole('button', { name: 'Show conversation history' }).click();
    await phonePage.locator('[data-testid="conversation-item"]', { hasText: message }).waitFor();
    await screenshot(phonePage, 'chat-phone-history');
    await phone.close();
  });

  it('lists the request in Logs with its cost from the API, and opens its generation with every attempt', async () => {
    // Billing writes the log a moment after the answer.
    let row: LogRow | undefined;
    for (let i = 0; i < 60 && !row; i++) {
      const logs = (await (await context.request.get(`${base}/api/v1/logs`)).json()) as { data: LogRow[] };
      row = logs.data.find((r) => r.id === requestId);
      if (!row) await new Promise((r) => setTimeout(r, 500));
    }
    expect(row).toMatchObject({ requested_model: 'auto' });
    await page.goto(dashboardUrl('/logs'));
    const logRow = page.locator(`[data-testid="log-row"][data-request-id="${requestId}"]`);
    await logRow.waitFor();
    expect(await logRow.locator('[data-testid="log-cost"]').textContent()).toBe(formatCost(row!.cost_micros));
    expect(await logRow.textContent()).toContain(`auto → ${row!.model}`);
    await screenshot(page, 'logs');

    await logRow.click();
    await page.waitForURL(new RegExp(`/dashboard/logs/${requestId}$`));
    await page.locator('[data-testid="generation-model"]').waitFor();
    expect(await page.locator('[data-testid="generation-model"]').textContent()).toBe(row!.model);
    expect(await page.locator('[data-testid="generation-cost"]').textContent()).toBe(formatCost(row!.cost_micros));
    expect(await page.locator('[data-testid="attempt-row"]').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'generation');
  });

  it('dictates a message with the browser’s speech recognition (a stand-in recogniser hears a fixed phrase)', async () => {
    const voicePage = await context.newPage();
    // Before the app loads: the chat reads window.SpeechRecognition once. (A string: no DOM library here.)
    await voicePage.addInitScript(`(() => {
      class StandInRecognition {
        start() {
          window.__recognitionLang = this.lang;
          setTimeout(() => {
            const alternative = { transcript: 'what does a token cost' };
            const result = Object.assign([alternative], { isFinal: true });
            this.onresult?.({ resultIndex: 0, results: [result] });
            this.onend?.();
          }, 300);
        }
        stop() { this.onend?.(); }
      }
      window.SpeechRecognition = StandInRecognition;
    })()`);
    await voicePage.goto(dashboardUrl('/chat'));
    const input = voicePage.getByLabel('Message', { exact: true });
    await input.fill('Question:');
    await voicePage.getByRole('button', { name: 'Voice input' }).click();
    // Listening while the recogniser runs, then the words appended to what was typed.
    await voicePage.getByRole('button', { name: 'Stop voice input' }).waitFor();
    await eventually(async () => expect(await input.inputValue()).toBe('Question: what does a token cost'));
    await voicePage.getByRole('button', { name: 'Voice input' }).waitFor();
    expect(await voicePage.evaluate('window.__recognitionLang')).toBe('en-US');
    await voicePage.close();
  });

  it('charts today’s usage', async () => {
    const usage = (await (await context.request.get(`${base}/api/v1/usage?days=30`)).json()) as { data: { totals: { cost_micros: string; requests: number }; by_day: Array<{ date: string; requests: number }> } };
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.data.by_day.find((d) => d.date === today)?.requests).toBeGreaterThanOrEqual(1);
    await page.goto(dashboardUrl('/usage'));
    const spend = page.locator('[data-testid="chart-spend"]');
    await spend.waitFor();
    expect(await page.locator('[data-testid="usage-spend"]').textContent()).toBe(formatCost(usage.data.totals.cost_micros));
    // Recharts drew the series (an area path and, for today, non-zero bars).
    await spend.locator('.recharts-area-area').first().waitFor();
    expect(await page.locator('[data-testid="chart-requests"] .recharts-bar-rectangle path').count()).toBeGreaterThanOrEqual(1);
    await page.locator('[data-testid="chart-models"]').getByText(/\/|not served/).first().waitFor();
    // Per day by model: today's stacked bar, its legend naming the model the API reports for today.
    const perDay = (await (await context.request.get(`${base}/api/v1/usage?days=30`)).json()) as { data: { by_day_model: Array<{ date: string; model: string | null }> } };
    const todaysModel = perDay.data.by_day_model.find((row) => row.date === today && row.model)?.model;
    expect(todaysModel).toBeTruthy();
    const dayModels = page.locator('[data-testid="chart-day-models"]');
    await dayModels.locator('.recharts-bar-rectangle path').first().waitFor();
    await dayModels.locator('.recharts-legend-wrapper, .mantine-BarChart-legend').getByText(todaysModel!, { exact: false }).first().waitFor();
    await screenshot(page, 'usage');
  });

  it('compares two models side by side, with an image attachment, each answer with its cost and latency', async () => {
    await page.goto(dashboardUrl('/chat'));
    await eventually(async () => expect(await page.getByRole('combobox', { name: 'Model', exact: true }).inputValue()).toContain('auto'));
    await page.getByLabel('Compare two models').check();
    await expect(page.getByRole('combobox', { name: 'Model B', exact: true }).inputValue()).resolves.toBe('demo/echo');
    // A 1×1 PNG, sent as a data URI in an image_url part.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    await page.locator('input[type="file"]').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('img', { name: 'Attachment 1' }).waitFor();
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('Compare these');
    await input.press('Enter');
    const answers = page.locator('[data-testid="assistant-message"]');
    await eventually(async () => expect(await answers.locator('[data-testid="answer-meta"]').count()).toBe(2), 30_000);
    expect(await answers.nth(0).locator('[data-testid="answer-model"]').textContent()).toMatch(/^auto → /);
    expect(await answers.nth(1).locator('[data-testid="answer-model"]').textContent()).toBe('demo/echo');
    for (const i of [0, 1]) expect(await answers.nth(i).locator('[data-testid="answer-meta"]').textContent()).toMatch(/cost \$0\.\d+ · [\d.]+ (ms|s)/);
    await page.getByRole('img', { name: 'Attached image 1' }).waitFor();
    await screenshot(page, 'chat-compare');
  });

  it('searches the web for one message (make up’s demo search) and shows its sources and the search fee on the answer', async () => {
    const features = (await (await context.request.get(`${base}/api/v1/chat/features`)).json()) as { data: { web_search: { configured: boolean; fee_micros: string } } };
    expect(features.data.web_search.configured).toBe(true);
    const fee = features.data.web_search.fee_micros;
    await page.goto(dashboardUrl('/chat'));
    await eventually(async () => expect(await page.getByRole('combobox', { name: 'Model', exact: true }).inputValue()).toContain('auto'));
    const toggle = page.getByRole('switch', { name: 'Web search' });
    await eventually(async () => expect(await toggle.isEnabled()).toBe(true));
    await toggle.check();
    // The demo search (scripts/demo-search-server.mjs) answers every query with three canned results named after it.
    const slug = `switchyard-web-search-${Date.now().toString(36)}`;
    const question = slug.replace(/-/g, ' ');
    const input = page.getByLabel('Message', { exact: true });
    await input.fill(question);
    await input.press('Enter');
    const answer = page.locator('[data-testid="assistant-message"]').last();
    try {
      await answer.locator('[data-testid="answer-meta"]').waitFor({ timeout: 30_000 });
    } catch (error) {
      await screenshot(page, 'chat-web-search-failure');
      throw new Error(`the answer did not complete: ${await answer.textContent()}`, { cause: error });
    }
    const sources = answer.locator('[aria-label="Sources"] a');
    await eventually(async () => expect(await sources.count()).toBe(3));
    const links = [];
    for (let i = 0; i < 3; i++) links.push({ title: await sources.nth(i).textContent(), href: await sources.nth(i).getAttribute('href') });
    expect(links).toEqual([
      { title: `${question} — Example Article`, href: `https://example.com/articles/${slug}` },
      { title: `${question} — Example Wiki`, href: `https://example.org/wiki/${slug}` },
      { title: `Latest news: ${question}`, href: `https://example.com/news?q=${slug}` },
    ]);
    expect(await answer.locator('[data-testid="answer-meta"]').textContent()).toContain(`web search: 1 × ${formatCost(fee)} = ${formatCost(fee)} (included)`);
    await page.mouse.move(0, 0); // the switch's tooltip would cover the message box
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
    await screenshot(page, 'chat-web-search');
  });

  it('shows a workspace guardrail block in the chat with the API’s message', async () => {
    const headers = { origin: new URL(base).origin };
    const put = await context.request.put(`${base}/api/v1/guardrails/workspace`, { headers, data: { allowed_models: ['demo/echo-large'] } });
    expect(put.status()).toBe(200);
    try {
      // Policies are cached for up to 5 s per caller.
      await new Promise((r) => setTimeout(r, 5_500));
      await page.goto(chatUrl);
      await page.locator('[data-testid="user-message"]').first().waitFor();
      await eventually(async () => expect(await page.getByRole('combobox', { name: 'Model', exact: true }).inputValue()).toContain('auto'));
      await page.getByRole('combobox', { name: 'Model', exact: true }).click();
      await page.getByRole('option', { name: 'demo/echo', exact: true }).click();
      const input = page.getByLabel('Message', { exact: true });
      await input.fill('Is this model allowed?');
      await input.press('Enter');
      const blocked = page.locator('[data-testid="answer-error"]').last();
      await blocked.waitFor({ timeout: 30_000 });
      const text = (await blocked.textContent()) ?? '';
      expect(text).toContain('Blocked by a guardrail (model_not_allowed)');
      expect(text).toContain("The model 'demo/echo' is not allowed for this workspace.");
      await screenshot(page, 'chat-guardrail');
    } finally {
      await context.request.put(`${base}/api/v1/guardrails/workspace`, { headers, data: {} });
    }
  });
});
