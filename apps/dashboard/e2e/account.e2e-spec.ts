import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type Abi, createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { formatUsd } from '../src/lib/money';
import { launchBrowser, newContext, screenshot as saveScreenshot } from './support/browser';
import { dashboardUrl, devStack, ROOT } from './support/dev-stack';

const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const PHONE = { width: 390, height: 844 };

/** Waits until the locator's text matches (what the user sees), then returns it. */
async function seeText(locator: Locator, expected: string | RegExp, timeoutMs = 30_000): Promise<string> {
  const pattern = typeof expected === 'string' ? new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : expected;
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout: timeoutMs });
  // textContent: the words themselves, not their CSS-transformed rendering (badges are upper-cased by CSS).
  const text = ((await locator.first().textContent()) ?? '').trim();
  expect(text).toMatch(pattern);
  return text;
}

/** A full-page screenshot from the top (scrolled, the fixed header would be drawn in the middle of the picture). */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await saveScreenshot(page, name);
}

/** GET through the signed-in page (its session cookie), as the dashboard does. */
async function apiInPage<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const response = await fetch(p, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${p} → ${response.status}`);
    return response.json();
  }, path) as Promise<T>;
}

/** The local chain's RPC, for freezing and resuming block production around the pending state. */
async function anvil(method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(devStack().chain.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

describe('a wallet owner in the dashboard: sign in, keys, credits, guardrails; the operator ledger; device approval', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let workspaceId: string;
  let starterMicros: bigint;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
  });
  afterAll(async () => {
    await anvil('evm_setIntervalMining', [1]).catch(() => undefined);
    await browser?.close();
  });

  it('signs in with a throwaway local dev wallet and shows the starter credit', async () => {
    await page.goto(dashboardUrl('/credits'));
    await page.waitForURL(/\/dashboard\/sign-in\?next=%2Fcredits/);
    const devButton = page.getByRole('button', { name: 'Use a local dev wallet' });
    await devButton.waitFor();
    await seeText(page.getByText(/Chain 31337 only/), 'never send real funds');
    await screenshot(page, 'sign-in');
    await devButton.click();
    await page.waitForURL(/\/dashboard\/credits$/);

    const me = await apiInPage<{ data: { workspace: { id: string }; address: string; role: string } }>(page, '/api/v1/me');
    expect(me.data.role).toBe('owner');
    workspaceId = me.data.workspace.id;
    // The key stays in this browser: the header names the same wallet.
    // (Browser globals are reached through globalThis: this file is type-checked without the DOM library.)
    const stored = await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('switchyard.devWallet.privateKey'));
    expect(stored).toMatch(/^0x[0-9a-f]{64}$/);
    await seeText(page.locator('header'), `${me.data.address.slice(0, 6)}…${me.data.address.slice(-4)}`);

    const transactions = await apiInPage<{ data: { reason: string; amount_micros: string }[] }>(page, '/api/v1/transactions');
    const starter = transactions.data.find((t) => t.reason === 'starter_credit');
    expect(starter).toBeDefined();
    starterMicros = BigInt(starter!.amount_micros);
    expect(starterMicros).toBeGreaterThan(0n);
    await seeText(page.getByTestId('available-balance'), new RegExp(`^\\${formatUsd(starterMicros)}$`));
    await seeText(page.getByText(/welcome credit added on/), `${formatUsd(starterMicros)} welcome credit`);
    await screenshot(page, 'credits-new-workspace');
  });

  it('creates an API key: the raw key is shown once with a copy button, then the list shows only its prefix', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(/\/dashboard\/keys$/);
    await seeText(page.getByText(/No keys yet/), 'Create one above');
    await page.getByLabel('Name', { exact: false }).first().fill('e2e app');
    await page.getByLabel('Credit limit (USD)').fill('2.5');
    await page.getByRole('combobox', { name: 'Limit resets' }).click();
    await page.getByRole('option', { name: 'Monthly' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();

    const raw = await seeText(page.getByTestId('new-api-key'), /^sk-sy-/);
    await page.getByRole('button', { name: 'Copy the new API key' }).waitFor();
    await seeText(page.getByText(/only time the full key is shown/), 'Copy it now');
    const row = page.getByTestId('keys-table').getByRole('row', { name: /e2e app/ });
    await seeText(row, formatUsd(2_500_000n) + ' per month');
    await seeText(row, 'Active');
    await screenshot(page, 'keys-created');

    // The raw key works, and nothing on the page shows it once the notice is gone.
    const info = await fetch(`${devStack().url}/api/v1/key`, { headers: { authorization: `Bearer ${raw}` } });
    expect(info.status).toBe(200);
    await page.reload();
    await seeText(page.getByTestId('keys-table').getByRole('row', { name: /e2e app/ }), 'Active');
    expect(await page.content()).not.toContain(raw);
    const listed = await apiInPage<{ data: { name: string; prefix: string }[] }>(page, '/api/v1/keys');
    const prefix = listed.data.find((k) => k.name === 'e2e app')!.prefix;
    expect(raw.startsWith(prefix)).toBe(true);
    await seeText(page.getByTestId('keys-table').getByRole('row', { name: /e2e app/ }), `${prefix}…`);
    await screenshot(page, 'keys');
  });

  it('funds the workspace: USDT sent to the address on the page shows as pending, then the balance rises by the net after finality', async () => {
    await page.getByRole('link', { name: 'Credits' }).click();
    await page.waitForURL(/\/dashboard\/credits$/);
    const address = await seeText(page.getByTestId('deposit-address'), /^0x[0-9a-fA-F]{40}$/);
    const terms = await apiInPage<{ minimum_micros: string; fee_basis_points: number; token: { address: string } }>(page, '/api/v1/deposits/address');
    await seeText(page.getByRole('table').filter({ hasText: 'Network' }), 'Local dev chain (anvil) · chain id 31337');
    await seeText(page.getByRole('table').filter({ hasText: 'Minimum' }), formatUsd(terms.minimum_micros));
    await seeText(page.getByRole('table').filter({ hasText: 'Funding fee' }), `${terms.fee_basis_points / 100} %`);
    await page.getByRole('img', { name: /QR code of the deposit address/ }).waitFor();
    await seeText(page.getByText(/No deposits yet/), 'Send');

    // $10 of demo USDT (6 decimals, so base units are micro-USD) from the anvil payer, as `switchyard deposit send` does.
    const { chain } = devStack();
    const amount = 10_000_000n;
    const fee = (amount * BigInt(terms.fee_basis_points) + 9_999n) / 10_000n;
    const net = amount - fee;
    const local = defineChain({ id: chain.chainId, name: 'anvil', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [chain.rpcUrl] } } });
    const artifact = JSON.parse(readFileSync(join(ROOT, 'apps', 'chain-watcher', 'dev', 'mock-usdt.json'), 'utf8')) as { abi: Abi };
    const wallet = createWalletClient({ account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: chain.payerMnemonicIndex }), chain: local, transport: http(chain.rpcUrl) });
    const reader = createPublicClient({ chain: local, transport: http(chain.rpcUrl), pollingInterval: 250 });
    const hash = await wallet.writeContract({ address: chain.token as `0x${string}`, abi: artifact.abi, functionName: 'transfer', args: [address as `0x${string}`, amount] });
    await reader.waitForTransactionReceipt({ hash, timeout: 30_000 });
    // Hold the chain still so the deposit stays short of finality while we look at it.
    await anvil('evm_setIntervalMining', [0]);
    try {
      await page.getByLabel('Transaction hash').fill(hash);
      await page.getByRole('button', { name: 'Verify' }).click();
      await seeText(page.getByRole('status').filter({ hasText: 'Deposit found' }), /Confirmations: \d+/);
      const pendingRow = page.getByTestId('pending-deposits').getByRole('row').nth(1);
      await seeText(pendingRow, formatUsd(amount));
      await seeText(pendingRow, 'Pending');
      await seeText(pendingRow, 'waiting for finality');
      await screenshot(page, 'credits-pending');
    } finally {
      await anvil('evm_setIntervalMining', [1]);
    }

    // The page follows the deposit by itself: credited with its fee and net, and the balance includes the net.
    const creditedRow = page.getByTestId('deposit-history').getByRole('row').nth(1);
    await seeText(creditedRow, 'Credited', 90_000);
    await seeText(creditedRow, formatUsd(fee));
    await seeText(creditedRow, formatUsd(net));
    await seeText(page.getByTestId('available-balance'), new RegExp(`^\\${formatUsd(starterMicros + net)}$`), 30_000);
    expect(await page.getByTestId('pending-deposits').count()).toBe(0);
    await screenshot(page, 'credits');

    const phone = await browser.newContext({ viewport: PHONE, locale: 'en-US', storageState: await context.storageState() });
    const phonePage = await phone.newPage();
    await phonePage.goto(dashboardUrl('/credits'));
    await seeText(phonePage.getByTestId('available-balance'), formatUsd(starterMicros + net));
    await seeText(phonePage.getByTestId('deposit-address'), address);
    // Deposits as cards rather than a table that scrolls sideways.
    await seeText(phonePage.getByTestId('deposit-history'), `${formatUsd(net)} credited after a ${formatUsd(fee)} fee`);
    // Phone width: the navigation folds behind the burger, which opens it.
    await phonePage.getByRole('button', { name: 'Toggle navigation' }).click();
    await phonePage.getByRole('link', { name: 'Guardrails' }).waitFor();
    await phonePage.getByRole('button', { name: 'Toggle navigation' }).click();
    await screenshot(phonePage, 'credits-phone');
    await phone.close();
  });

  it('sets a workspace guardrail (a model allowlist and a per-request cost cap) and shows it saved', async () => {
    await page.getByRole('link', { name: 'Guardrails' }).click();
    await page.waitForURL(/\/dashboard\/guardrails$/);
    await seeText(page.getByTestId('guardrails-status'), 'No limits set yet');
    // A malformed amount is caught next to its field, before anything is sent.
    const cap = page.getByLabel('Per-request cost cap');
    await cap.fill('0.1234567');
    await page.getByRole('button', { name: 'Save guardrails' }).click();
    await seeText(page.getByText(/at most 6 decimals/), 'A dollar amount');
    await cap.fill('0.05');
    const models = page.getByRole('combobox', { name: 'Allowed models' });
    await models.fill('demo/echo');
    await models.press('Enter');
    await page.getByLabel('Requests per minute').fill('120');
    await page.getByRole('button', { name: 'Save guardrails' }).click();
    await seeText(page.getByText('Guardrails saved'), 'Guardrails saved');
    await seeText(page.getByTestId('guardrails-status'), 'Last changed');

    const saved = await apiInPage<{ policy: Record<string, unknown> }>(page, '/api/v1/guardrails/workspace');
    expect(saved.policy).toEqual({ allowed_models: ['demo/echo'], max_cost_per_request_micros: '50000', requests_per_minute: 120 });
    // After a reload the form shows what the API holds.
    await page.reload();
    await seeText(page.getByTestId('guardrails-status'), 'Last changed');
    expect(await page.getByLabel('Per-request cost cap').inputValue()).toBe('0.05');
    expect(await page.getByLabel('Requests per minute').inputValue()).toBe('120');
    await page.getByText('demo/echo', { exact: true }).first().waitFor();
    await screenshot(page, 'guardrails');

    // One key's own policy: its credit limit (set when it was created) is shown and kept when a rate limit is added.
    await page.getByRole('combobox', { name: 'Applies to' }).click();
    await page.getByRole('option', { name: /Key: e2e app/ }).click();
    await seeText(page.getByTestId('guardrails-status'), 'Last changed');
    expect(await page.getByLabel('Credit limit', { exact: true }).inputValue()).toBe('2.50');
    await page.getByLabel('Requests per minute').fill('10');
    await page.getByRole('button', { name: 'Save guardrails' }).click();
    await seeText(page.getByText('Guardrails saved'), 'Guardrails saved');
    const keys = await apiInPage<{ data: { id: string; name: string }[] }>(page, '/api/v1/keys');
    const keyId = keys.data.find((k) => k.name === 'e2e app')!.id;
    const wanted = { credit_limit_micros: '2500000', credit_limit_reset: 'monthly', requests_per_minute: 10 };
    let keyPolicy: Record<string, unknown> = {};
    const same = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    for (let attempt = 0; attempt < 40 && !same(keyPolicy, wanted); attempt += 1) {
      if (attempt) await new Promise((r) => setTimeout(r, 250));
      keyPolicy = (await apiInPage<{ policy: Record<string, unknown> }>(page, `/api/v1/keys/${keyId}/guardrails`)).policy;
    }
    expect(keyPolicy).toEqual(wanted);
    await screenshot(page, 'guardrails-key');
  });

  it('shows the operator a balanced trial balance, an account statement with its running balance, and the audit', async () => {
    const operator = await newContext(browser);
    const ledger = await operator.newPage();
    await ledger.goto(dashboardUrl('/operator/ledger'));
    await ledger.getByLabel('Admin token').fill(devStack().adminToken);
    await ledger.getByRole('button', { name: 'Open the ledger' }).click();
    await seeText(ledger.getByTestId('trial-balance-status'), /^Balanced$/);
    const trial = await apiInPage<{ totals: { debitsPostedMicros: string; creditsPostedMicros: string } }>(ledger, '/api/v1/admin/ledger/trial-balance').catch(() => undefined);
    expect(trial).toBeUndefined(); // the token lives in the page's requests only, never in a cookie
    const credit = `liability:workspace_credit:${workspaceId}`;
    await seeText(ledger.getByTestId('trial-balance'), credit);
    await seeText(ledger.getByTestId('trial-balance'), 'expense:promotions');
    await screenshot(ledger, 'ledger-trial-balance');

    await ledger.getByRole('button', { name: `Statement of ${credit}` }).click();
    const statement = ledger.getByTestId('statement');
    await seeText(statement, 'starter_credit');
    const rows = statement.getByRole('row');
    // Oldest first: the starter credit, then the deposit's net; the last running balance is the workspace balance.
    await seeText(rows.nth(1), formatUsd(starterMicros, 6));
    const expected = await fetch(`${devStack().url}/api/v1/admin/ledger/accounts/${encodeURIComponent(credit)}`, { headers: { authorization: `Bearer ${devStack().adminToken}` } }).then((r) => r.json() as Promise<{ creditsPostedMicros: string; debitsPostedMicros: string }>);
    const posted = BigInt(expected.creditsPostedMicros) - BigInt(expected.debitsPostedMicros);
    await seeText(rows.last(), formatUsd(posted, 6));
    await screenshot(ledger, 'ledger-statement');

    await ledger.getByRole('tab', { name: 'Audit' }).click();
    await seeText(ledger.getByTestId('audit-status'), 'All invariants hold', 60_000);
    await screenshot(ledger, 'ledger-audit');
    await operator.close();
  });

  it('signs in with an injected EIP-1193 wallet (window.ethereum) and returns to the page asked for', async () => {
    // A stand-in for a browser extension: window.ethereum answers from the page, the signature comes from a viem account here.
    const wallet = privateKeyToAccount(generatePrivateKey());
    const extension = await newContext(browser);
    await extension.exposeFunction('__e2eSign', (hex: `0x${string}`) => wallet.signMessage({ message: { raw: hex } }));
    await extension.addInitScript((address: string) => {
      const sign = (globalThis as unknown as { __e2eSign(hex: string): Promise<string> }).__e2eSign;
      (globalThis as unknown as { ethereum: unknown }).ethereum = {
        request: async ({ method, params }: { method: string; params?: unknown[] }) => {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address];
          if (method === 'eth_chainId') return '0x89';
          if (method === 'personal_sign') return sign(params![0] as string);
          throw Object.assign(new Error(`unsupported ${method}`), { code: 4200 });
        },
      };
    }, wallet.address);
    const other = await extension.newPage();
    await other.goto(dashboardUrl('/keys'));
    await other.waitForURL(/\/dashboard\/sign-in\?next=%2Fkeys/);
    await other.getByRole('button', { name: 'Sign in with your wallet' }).click();
    await other.waitForURL(/\/dashboard\/keys$/);
    await seeText(other.locator('header'), `${wallet.address.toLowerCase().slice(0, 6)}…${wallet.address.toLowerCase().slice(-4)}`);
    const me = await apiInPage<{ data: { address: string; workspace: { id: string } } }>(other, '/api/v1/me');
    expect(me.data.address).toBe(wallet.address.toLowerCase());
    expect(me.data.workspace.id).not.toBe(workspaceId);
    await extension.close();
  });

  it('approves a CLI device login from the page the gateway links to', async () => {
    const { url } = devStack();
    const started = await fetch(`${url}/api/v1/auth/device`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: 'e2e' }) });
    const device = (await started.json()) as { device_code: string; user_code: string; verification_uri_complete: string };
    expect(device.verification_uri_complete).toBe(`${url}/dashboard/device?user_code=${device.user_code}`);
    await page.goto(device.verification_uri_complete);
    const field = page.getByLabel('Code shown in your terminal');
    await field.waitFor();
    expect(await field.inputValue()).toBe(device.user_code);
    await screenshot(page, 'device');
    await page.getByRole('button', { name: 'Approve' }).click();
    await seeText(page.getByRole('status').filter({ hasText: 'Device approved' }), device.user_code);
    await screenshot(page, 'device-approved');

    // The CLI's next poll gets a session for this workspace.
    let token: string | undefined;
    for (let attempt = 0; attempt < 10 && !token; attempt += 1) {
      await new Promise((r) => setTimeout(r, 2_100));
      const poll = await fetch(`${url}/api/v1/auth/device/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code }) });
      if (poll.status === 200) token = ((await poll.json()) as { access_token: string }).access_token;
    }
    expect(token).toBeDefined();
    const me = (await (await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: { workspace: { id: string } } };
    expect(me.data.workspace.id).toBe(workspaceId);
  });
});
