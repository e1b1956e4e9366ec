#!/usr/bin/env node
// `make up` / `make down`: runs the five services in the background on local defaults, seeds a demo
// workspace with credits and an API key, and writes .switchyard/dev.json for scripts and the CLI.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

async function down() {
  const pids = readJson(pidFile) ?? {};
  for (const [name, pid] of Object.entries(pids)) {
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
  };
  const pids = {};
  const children = [];
  for (const service of SERVICES) {
    const log = openSync(join(logDir, `${service.name}.log`), 'a');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'apps', service.name, 'src', 'main.ts')], {
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
  writeFileSync(devFile, JSON.stringify({ url, apiKey, adminToken, workspaceId }, null, 2), { mode: 0o600 });
  const credits = await api(url, '/api/v1/credits', { token: apiKey });
  console.log(`\nSwitchyard is up.\n  gateway:   ${url}\n  API key:   ${apiKey}\n  workspace: ${workspaceId} (balance $${credits.balance_usd})\n  logs:      .switchyard/logs/\n  stop with: make down\n`);
  console.log(`Try it:\n  curl ${url}/v1/chat/completions -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\\n    -d '{"model":"demo/echo","messages":[{"role":"user","content":"Hello"}]}'\n`);
}

const command = process.argv[2];
if (command === 'up') await up().catch(async (error) => { console.error(error.message); await down(); process.exit(1); });
else if (command === 'down') await down();
else { console.error('usage: dev-stack.mjs up|down'); process.exit(2); }
