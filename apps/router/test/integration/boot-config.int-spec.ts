import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@switchyard/testing';

describe('config is validated at boot', () => {
  it('a bad value stops the service with a message naming the variable', () => {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', join(REPO_ROOT, 'apps', 'router', 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: 'eighty', NATS_URL: '', SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT="eighty"');
    expect(result.stderr).toContain('NATS_URL');
  });
});
