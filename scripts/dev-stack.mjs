#!/usr/bin/env node
// `make up` / `make down`: runs the five services in the background on local defaults, seeds a demo
// workspace with credits and an API key, and writes .switchyard/dev.json for scripts and the CLI.
import { spawn } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(root, '.switchyard');
const devFile = join(stateDir, 'dev.json');
const pidFile = join(stateDir, 'pids.json');
const logDir = join(stateDir, 'logs');

const SERVICES = [
  { name: 'ledger', port: 8084 },
  { name: 'router', port: 8082 },
  { name: 'billing', port: 8083 },
  { name: 'chain-watcher', port: 8085 },
  { name: 'gateway', port: Number(process.env.PORT ?? 8080) },
];
const DEMO_CREDIT_MICROS = process.env.DEMO_CREDIT_MICROS ?? '10000000'; // $10

// Local chain: anvil (npm @foundry-rs/anvil) with a demo 6-decimal USDT, so funding works offline.
const ANVIL_PORT = Number(process.env.ANVIL_PORT ?? 8545);
const DEV_CHAIN_ID = 31337;
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
// Dev-only treasury: the watcher gets only its xpub, as an operator's would in production.
const DEV_TREASURY_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
// Dev-only offline web search (canned example.com results) unless WEB_SEARCH_URL names a real one.
const DEMO_SEARCH_PORT = Number(process.env.DEMO_SEARCH_PORT ?? 8086);
const require = createRequire(import.meta.url);

function readJson(file) {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return undefined; }
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function waitReady(name, url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see .switchyard/logs/${name}.log`);
    try { if ((await fetch(`${url}/readyz`)).status === 200) return; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready at ${url}/readyz within ${timeoutMs / 1000}s; see .switchyard/logs/${name}.log`);
}

async function rpc(url, method, params = []) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Starts anvil (1 s blocks, finalized = latest − 4, state kept in .switchyard/anvil-state.json across restarts). */
async function startAnvil(pids) {
  const platform = `${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const bin = join(dirname(require.resolve(`@foundry-rs/anvil-${platform}/package.json`)), 'bin', 'anvil');
  const rpcUrl = `http://127.0.0.1:${ANVIL_PORT}`;
  const log = openSync(join(logDir, 'anvil.log'), 'a');
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', String(ANVIL_PORT), '--chain-id', String(DEV_CHAIN_ID), '--mnemonic', ANVIL_MNEMONIC,
    '--block-time', '1', '--slots-in-an-epoch', '2', '--state', join(stateDir, 'anvil-state.json')], { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  child.unref();
  pids.anvil = child.pid;
  writeFileSync(pidFile, JSON.stringify(pids, null, 2));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited (${child.exitCode}); see .switchyard/logs/anvil.log (is port ${ANVIL_PORT} taken? set ANVIL_PORT)`);
    try { await rpc(rpcUrl, 'eth_chainId'); return rpcUrl; } catch { /* starting */ }
    if (Date.now() > deadline) throw new Error(`anvil did not answer at ${rpcUrl}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The demo USDT on the local chain: reused when the chain still has it, else deployed and minted to the payer. */
/**
 * DEV ONLY: the canned offline search API (scripts/demo-search-server.mjs) behind the gateway's web search, so the chat's
 * "Web search" switch works in `make up`. Skipped when WEB_SEARCH_URL is set (then that search API is used).
 */
async function startDemoSearch(pids) {
  const url = `http://127.0.0.1:${DEMO_SEARCH_PORT}`;
  const log = openSync(join(logDir, 'demo-search.log'), 'a');
  const child = spawn(process.execPath, [join(root, 'scripts', 'demo-search-server.mjs')], {
    cwd: root, env: { ...process.env, DEMO_SEARCH_PORT: String(DEMO_SEARCH_PORT) }, stdio: ['ignore', log, log], detached: true,
  });
  closeSync(log);
  child.unref();
  pids['demo-search'] = child.pid;
  writeFileSync(pidFile, JSON.stringify(pids, null, 2));
  await waitReady('demo-search', url, child, 10_000);
  return url;
}

async function ensureDemoUsdt(rpcUrl, previousToken) {
  if (previousToken && (await rpc(rpcUrl, 'eth_getCode', [previousToken, 'latest'])) !== '0x') return { token: previousToken, fresh: false };
  const { createPublicClient, createWalletClient, http, defineChain } = await import('viem');
  const { mnemonicToAccount } = await import('viem/accounts');
  const artifact = JSON.parse(readFileSync(join(root, 'apps', 'chain-watcher', 'dev', 'mock-usdt.json'), 'utf8'));
  const chain = defineChain({ id: DEV_CHAIN_ID, name: 'anvil', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  const client = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 250 });
  const deployer = createWalletClient({ account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 }), chain, transport: http(rpcUrl) });
  const deployed = await client.waitForTransactionReceipt({ hash: await deployer.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [] }) });
  const token = deployed.contractAddress;
  const payer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 1 }).address;
  await client.waitForTransactionReceipt({ hash: await deployer.writeContract({ address: token, abi: artifact.abi, functionName: 'mint', args: [payer, 1_000_000n * 1_000_000n] }) });
  return { token, fresh: true };
}

async function devXpub() {
  const { HDKey } = await import('viem/accounts');
  const seed = pbkdf2Sync(DEV_TREASURY_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  return HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0").publicExtendedKey;
}

/** Runs SQL against the dev database (pg from node_modules); a missing schema on a fresh database is not an error. */
async function devSql(sql, params = [], { ignoreMissing = false } = {}) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/switchyard' });
  try {
    await client.connect();
    await client.query(sql, params);
  } catch (error) {
    if (!(ignoreMissing && (error.code === '3F000' || error.code === '42P01' || error.code === '3D000'))) throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function down() {
  const pids = readJson(pidFile) ?? {};
  // The chain last, so the watcher never polls a chain that is already gone.
  for (const [name, pid] of Object.entries(pids).sort(([a], [b]) => (a === 'anvil') - (b === 'anvil'))) {
    if (alive(pid)) { process.kill(pid, 'SIGTERM'); console.log(`stopping ${name} (pid ${pid})`); }
  }
  const deadline = Date.now() + 15_000;
  while (Object.values(pids).some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const pid of Object.values(pids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
}

async function api(url, path, { token, method = 'GET', body } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text);
}

// DEV_STACK_BUILD=dist runs the compiled output of `node scripts/build-dist.js` (what the image ships, no TypeScript
// loader); the default runs the sources through @swc-node/register.
const BUILD = process.env.DEV_STACK_BUILD ?? 'source';

// DEV_STACK_NODE_FLAGS adds node flags NODE_OPTIONS refuses, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
const NODE_FLAGS = (process.env.DEV_STACK_NODE_FLAGS ?? '').split(' ').filter(Boolean);

// The node flags production starts a service with (deploy/base/<service>.yaml NODE_OPTIONS), for the dist build: the
// gateway's V8 heap is sized explicitly, else V8 sizes it from the machine (4 GB old space on a 24 GB box, and lets it
// grow to 2-4x the live heap before a full GC: 300-400 MB RSS at concurrency 64 instead of ~190). bench/README.md
// "Memory and soak".
const PRODUCTION_NODE_FLAGS = { gateway: ['--max-old-space-size=512', '--max-semi-space-size=16'] };

function serviceEntry(name) {
  if (BUILD !== 'dist') return [...NODE_FLAGS, '-r', '@swc-node/register', join(root, 'apps', name, 'src', 'main.ts')];
  const main = join(root, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`DEV_STACK_BUILD=dist but ${main} is missing; run node scripts/build-dist.js first`);
  return [...(PRODUCTION_NODE_FLAGS[name] ?? []), ...NODE_FLAGS, main];
}

async function up() {
  mkdirSync(logDir, { recursive: true });
  const previous = readJson(devFile) ?? {};
  const adminToken = process.env.GATEWAY_ADMIN_TOKEN ?? previous.adminToken ?? `adm_${randomBytes(24).toString('hex')}`;
  const running = readJson(pidFile) ?? {};
  if (Object.values(running).some(alive)) await down();

  const env = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    GATEWAY_ADMIN_TOKEN: adminToken,
    SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
    // The demo provider streams its answer in visible steps (the dashboard chat shows it arriving).
    DEMO_STREAM_CHUNK_DELAY_MS: process.env.DEMO_STREAM_CHUNK_DELAY_MS ?? '120',
  };
  const pids = {};
  const children = [];
  const chainRpcUrl = await startAnvil(pids);
  if (!process.env.WEB_SEARCH_URL) Object.assign(env, { WEB_SEARCH_URL: await startDemoSearch(pids), WEB_SEARCH_STYLE: 'searxng' });
  const { token, fresh } = await ensureDemoUsdt(chainRpcUrl, previous.chain?.token);
  // A new local chain starts at block 0: the watcher's cursor from an older chain would skip its blocks.
  if (fresh) await devSql('DELETE FROM chain.follower_cursors WHERE chain_id = $1', [DEV_CHAIN_ID], { ignoreMissing: true });
  Object.assign(env, {
    CHAIN_RPC_URL: chainRpcUrl,
    CHAIN_ID: String(DEV_CHAIN_ID),
    CHAIN_TOKEN_ADDRESS: token,
    CHAIN_TOKEN_SYMBOL: 'USDT',
    CHAIN_DEPOSIT_XPUB: await devXpub(),
    CHAIN_START_BLOCK: '0',
    CHAIN_POLL_INTERVAL_MS: process.env.CHAIN_POLL_INTERVAL_MS ?? '1000',
  });
  // Agent payments (HTTP 402), only with AGENT_PAYMENTS_ENABLED=true: the local chain's demo USDT; anvil account 9
  // receives the payments and, as the payout wallet, sends refunds (well-known dev key, local chain only).
  if (process.env.AGENT_PAYMENTS_ENABLED === 'true') {
    const { mnemonicToAccount } = await import('viem/accounts');
    const operator = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 9 });
    Object.assign(env, {
      AGENT_PAYMENTS_CHAIN_ID: String(DEV_CHAIN_ID),
      AGENT_PAYMENTS_TOKEN_ADDRESS: token,
      AGENT_PAYMENTS_SECRET: process.env.AGENT_PAYMENTS_SECRET ?? randomBytes(32).toString('hex'),
      AGENT_PAYMENTS_RECIPIENT: process.env.AGENT_PAYMENTS_RECIPIENT ?? operator.address,
      AGENT_PAYMENTS_REFUND_POLICY: process.env.AGENT_PAYMENTS_REFUND_POLICY ?? 'on_request',
      CHAIN_PAYOUT_PRIVATE_KEY: process.env.CHAIN_PAYOUT_PRIVATE_KEY ?? `0x${Buffer.from(operator.getHdKey().privateKey).toString('hex')}`,
    });
  }
  for (const service of SERVICES) {
    const log = openSync(join(logDir, `${service.name}.log`), 'a');
    const child = spawn(process.execPath, serviceEntry(service.name), {
      cwd: root, env: { ...env, PORT: String(service.port) }, stdio: ['ignore', log, log], detached: true,
    });
    closeSync(log);
    child.unref();
    pids[service.name] = child.pid;
    children.push({ service, child });
  }
  writeFileSync(pidFile, JSON.stringify(pids, null, 2));
  for (const { service, child } of children) await waitReady(service.name, `http://127.0.0.1:${service.port}`, child);

  const gatewayPort = SERVICES.find((s) => s.name === 'gateway').port;
  const url = `http://127.0.0.1:${gatewayPort}`;
  let { workspaceId, apiKey } = previous;
  const keyWorks = apiKey && (await fetch(`${url}/api/v1/credits`, { headers: { authorization: `Bearer ${apiKey}` } })).status === 200;
  if (!keyWorks) {
    const workspace = await api(url, '/api/v1/admin/workspaces', { token: adminToken, method: 'POST', body: { name: 'demo', creditMicros: DEMO_CREDIT_MICROS } });
    workspaceId = workspace.id;
    apiKey = (await api(url, `/api/v1/admin/workspaces/${workspaceId}/keys`, { token: adminToken, method: 'POST', body: { name: 'demo key' } })).key;
  }
  const chain = { rpcUrl: chainRpcUrl, chainId: DEV_CHAIN_ID, token, payerMnemonicIndex: 1 };
  writeFileSync(devFile, JSON.stringify({ url, apiKey, adminToken, workspaceId, chain }, null, 2), { mode: 0o600 });
  const credits = await api(url, '/api/v1/credits', { token: apiKey });
  console.log(`\nSwitchyard is up.\n  dashboard: ${url}/dashboard/\n  gateway:   ${url}\n  API key:   ${apiKey}\n  workspace: ${workspaceId} (balance $${credits.balance_usd})\n  logs:      .switchyard/logs/\n  chain:     ${chainRpcUrl} (anvil, chain ${DEV_CHAIN_ID}), demo USDT ${token}\n  search:    ${env.WEB_SEARCH_URL}${process.env.WEB_SEARCH_URL ? '' : ' (demo: canned example.com results, dev only)'}\n  fund it:   npx switchyard deposit send --amount 10\n  stop with: make down\n`);
  console.log(`Try it:\n  curl ${url}/v1/chat/completions -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\\n    -d '{"model":"demo/echo","messages":[{"role":"user","content":"Hello"}]}'\n`);
}

const command = process.argv[2];
if (command === 'up') await up().catch(async (error) => { console.error(error.message); await down(); process.exit(1); });
else if (command === 'down') await down();
else { console.error('usage: dev-stack.mjs up|down'); process.exit(2); }
