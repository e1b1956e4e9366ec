// Proves the Dockerfile's build outside Docker (no engine here): the build stage's `node scripts/build-dist.js`
// compiles the services to plain CommonJS; the runtime stage ships that output with `npm ci --omit=dev`. So:
// 1. every package the compiled code requires is installed by `npm ci --omit=dev` (not dev-only in package-lock);
// 2. no compiled file still imports `@switchyard/*` (the image has no workspace symlinks) or needs a TS loader;
// 3. the compiled gateway, started exactly as the image's CMD (`node dist/apps/gateway/src/main.js`, no
//    @swc-node/register), answers /readyz 200 against real Postgres, Redis, NATS and the other services.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './service-process';
import { startTestStack, type TestStack } from './test-stack';

const SERVICES = ['gateway', 'router', 'billing', 'ledger', 'chain-watcher'];

function* jsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* jsFiles(path);
    else if (path.endsWith('.js')) yield path;
  }
}

const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);

describe('the compiled build the Docker image runs', () => {
  const out = mkdtempSync(join(tmpdir(), 'sy-dist-'));
  let stack: TestStack | undefined;

  beforeAll(() => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-dist.js'), out], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 240_000 });
    // The image has node_modules next to dist/; here the repository's stands in for it.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(out, 'node_modules'), 'dir');
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('has a main.js per service and nothing but JavaScript, maps and data files', () => {
    for (const service of SERVICES) expect(existsSync(join(out, 'apps', service, 'src', 'main.js'))).toBe(true);
    const files = [...jsFiles(out)].filter((f) => !f.includes(`${join(out, 'node_modules')}`));
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => /\.(spec|int-spec)\.js$/.test(f))).toBe(false);
  });

  it('requires only packages `npm ci --omit=dev` installs, and no @switchyard/* workspace alias', () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const required = new Map<string, string>();
    for (const file of jsFiles(join(out, 'apps'))) for (const m of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) required.set(packageOf(m[1]!), file);
    for (const file of jsFiles(join(out, 'libs'))) for (const m of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) required.set(packageOf(m[1]!), file);
    const problems: string[] = [];
    for (const [pkg, file] of required) {
      if (pkg.startsWith('node:') || builtinModules.includes(pkg)) continue;
      if (pkg.startsWith('@switchyard/')) problems.push(`${file}: ${pkg} is a workspace alias`);
      else if (!lock.packages[`node_modules/${pkg}`]) problems.push(`${file}: ${pkg} is not in package-lock.json`);
      else if (lock.packages[`node_modules/${pkg}`]!.dev) problems.push(`${file}: ${pkg} is a dev-only package (absent after npm ci --omit=dev)`);
    }
    expect(problems).toEqual([]);
    expect(required.has('@nestjs/core')).toBe(true);
    expect(required.has('@swc-node/register')).toBe(false);
  });

  it('the compiled gateway boots with plain node and is ready against the real stack', async () => {
    stack = await startTestStack({ services: ['ledger', 'router', 'billing'] });
    const port = await freePort();
    let output = '';
    const child = spawn(process.execPath, [join(out, 'apps', 'gateway', 'src', 'main.js')], {
      cwd: out,
      // No SWC_NODE_PROJECT, no -r: what the image's CMD runs.
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...stack.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const deadline = Date.now() + 120_000;
      let status = 0;
      while (status !== 200) {
        if (child.exitCode !== null) throw new Error(`compiled gateway exited with ${child.exitCode}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`compiled gateway not ready:\n${output}`);
        status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      // A data file read relative to the compiled code (the price table in libs/pricing/data is read at boot).
      const llms = await fetch(`http://127.0.0.1:${port}/llms.txt`);
      expect(llms.status).toBe(200);
      expect(await llms.text()).toContain('/v1/chat/completions');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 240_000);
});
