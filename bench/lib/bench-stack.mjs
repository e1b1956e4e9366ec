// The Switchyard dev stack as the benchmarks run it: preflight (kit present, no stack from this checkout already
// running, ports free), compile to dist/ unless --source, `scripts/dev-stack.mjs up` with the OpenAI upstream pointed
// at the kit's mock, a freshly funded bench workspace and key, and `down` afterwards (also on SIGINT/SIGTERM).
// Used by gateway-ttfb.mjs and soak.mjs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const MOCK_PORT = 18080;

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function portBusy(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** Children started through run()/track(), killed on SIGINT/SIGTERM. */
export const running = new Set();
export function track(child) {
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/** Runs a child to completion, output to our stdout (and optionally a file); resolves with its exit code. */
export function run(command, args, { cwd, env, tee, silent = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = tee ? createWriteStream(tee) : undefined;
    child.stdout.on('data', (d) => (silent || process.stdout.write(d), file?.write(d)));
    child.stderr.on('data', (d) => (process.stderr.write(d), file?.write(d)));
    child.on('close', (code, signal) => {
      file?.end();
      resolve(code ?? (signal ? 128 : 1));
    });
    track(child);
  });
}

/** Starts the kit's mock upstream on MOCK_PORT; resolves once it has had half a second to listen. */
export async function startMock(kit) {
  const mock = track(spawn(process.execPath, [path.join(kit, 'mock-upstream.mjs'), '--port', String(MOCK_PORT)], { stdio: 'ignore' }));
  await sleep(500);
  return mock;
}

/**
 * Preflight, build, `dev-stack up` and a funded bench workspace. Exits the process (after stopping what it started)
 * when any step fails. Returns { pids, dev, url, apiKey, workspaceId, balance(), down() }.
 *   name         prefix of messages and of the workspace's key name
 *   root         the Switchyard checkout to run;  kit: the bench kit directory
 *   source       run the TypeScript sources (default: dist/ with NODE_ENV=production, as the image does)
 *   env          extra environment for the stack (e.g. NODE_OPTIONS for a preload)
 *   keepStack    leave it running at down()
 */
/** Why the kit cannot be used (missing, or its dependencies not installed), or undefined when it can. */
export function kitProblem(kit) {
  if (!existsSync(path.join(kit, 'load.mjs'))) return `no bench kit at ${kit} (set BENCH_KIT)`;
  if (!existsSync(path.join(kit, 'node_modules', 'undici'))) return `the kit's dependencies are missing: (cd ${kit} && npm run setup)`;
  return undefined;
}

export async function startBenchStack({ name, root, kit, gatewayPort, source = false, env = {}, creditMicros, keepStack = false }) {
  const fail = (message) => {
    console.error(`${name}: ${message}`);
    process.exit(1);
  };
  const kitMissing = kitProblem(kit);
  if (kitMissing) fail(kitMissing);
  if (!existsSync(path.join(root, 'scripts', 'dev-stack.mjs'))) fail(`${root} is not a Switchyard checkout (no scripts/dev-stack.mjs)`);
  const stackPids = readJson(path.join(root, '.switchyard', 'pids.json')) ?? {};
  if (Object.values(stackPids).some(alive)) {
    fail(`a dev stack from ${root} is already running (${root}/.switchyard/pids.json); it is not ours to restart. Stop it with \`node scripts/dev-stack.mjs down\` first.`);
  }
  for (const port of [8082, 8083, 8084, 8085, gatewayPort, MOCK_PORT]) {
    if (await portBusy(port)) fail(`127.0.0.1:${port} is in use; the dev stack (8080-8085) and the kit's mock (18080) need it free`);
  }

  const stackEnv = {
    OPENAI_API_KEY: 'sk-bench-mock',
    OPENAI_BASE_URL: `http://127.0.0.1:${MOCK_PORT}/v1`,
    PORT: String(gatewayPort),
    // Rate limiting stays on (every request counts against its key's RPM in Redis), with a limit the load never reaches.
    RATE_LIMIT_DEFAULT_RPM: '10000000',
    ...(source ? {} : { DEV_STACK_BUILD: 'dist', NODE_ENV: 'production' }),
    // The chain watcher's production poll interval (the dev stack polls every second for snappy local deposits).
    CHAIN_POLL_INTERVAL_MS: '2000',
    ...env,
  };

  let started = false;
  const down = async () => {
    if (!started || keepStack) return;
    started = false;
    await run(process.execPath, [path.join(root, 'scripts', 'dev-stack.mjs'), 'down'], { cwd: root });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      for (const child of running) child.kill('SIGTERM');
      await sleep(500);
      await down();
      process.exit(130);
    });
  }

  if (!source) {
    console.log(`${name}: compiling ${root} to dist/ (scripts/build-dist.js)`);
    if ((await run(process.execPath, [path.join(root, 'scripts', 'build-dist.js')], { cwd: root, silent: true })) !== 0) fail('scripts/build-dist.js failed');
  }
  console.log(`${name}: starting the Switchyard dev stack from ${root} (${source ? 'sources' : 'dist/'}; OpenAI upstream ${stackEnv.OPENAI_BASE_URL})`);
  started = true;
  if ((await run(process.execPath, [path.join(root, 'scripts', 'dev-stack.mjs'), 'up'], { cwd: root, env: stackEnv })) !== 0) {
    started = false; // dev-stack stops what it started when `up` fails
    fail(`the dev stack did not come up; see ${root}/.switchyard/logs/`);
  }
  const pids = readJson(path.join(root, '.switchyard', 'pids.json')) ?? {};
  const dev = readJson(path.join(root, '.switchyard', 'dev.json'));
  if (!dev?.adminToken) {
    await down();
    fail('no admin token in .switchyard/dev.json');
  }

  const admin = async (pathname, body) => {
    const response = await fetch(`${dev.url}${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${pathname} → ${response.status}: ${text}`);
    return JSON.parse(text);
  };
  let apiKey;
  let workspaceId;
  try {
    const workspace = await admin('/api/v1/admin/workspaces', { name: `bench-${randomBytes(3).toString('hex')}`, creditMicros });
    workspaceId = workspace.id;
    apiKey = (await admin(`/api/v1/admin/workspaces/${workspaceId}/keys`, { name })).key;
  } catch (error) {
    await down();
    fail(`funding a bench workspace failed: ${error.message}`);
  }
  const balance = async () => (await (await fetch(`${dev.url}/api/v1/credits`, { headers: { authorization: `Bearer ${apiKey}` } })).json()).balance_usd;
  console.log(`${name}: bench workspace ${workspaceId} funded with $${await balance()}`);
  return { pids, dev, url: dev.url, apiKey, workspaceId, balance, down };
}
