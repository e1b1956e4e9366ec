import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** The browser suite runs against `make up`: the real five services, anvil and the built dashboard. */
export default function globalSetup(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'dev-stack.mjs'), 'up'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'development' } });
}
