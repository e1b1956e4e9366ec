import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');

export default function globalTeardown(): void {
  if (process.env.KEEP_STACK_UP === '1') return; // leave it running to poke at after a failure
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'dev-stack.mjs'), 'down'], { cwd: ROOT, stdio: 'inherit' });
}
