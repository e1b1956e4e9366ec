import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `switchyard login` stores: a session for one gateway (never an API key unless the user saved one). */
export interface StoredCredentials {
  api_url: string;
  access_token: string;
  refresh_token: string;
  address: string;
  workspace_id: string;
  saved_at: string;
}

/** `~/.switchyard/credentials.json` (HOME decides, so tests and containers can move it). */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME ?? homedir(), '.switchyard', 'credentials.json');
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): StoredCredentials | undefined {
  try {
    const value = JSON.parse(readFileSync(credentialsPath(env), 'utf8')) as Partial<StoredCredentials>;
    return typeof value.access_token === 'string' && typeof value.api_url === 'string' ? (value as StoredCredentials) : undefined;
  } catch {
    return undefined;
  }
}

/** Written with mode 0600 in a 0700 directory (and chmod-ed again in case the file already existed). */
export function writeCredentials(credentials: StoredCredentials, env: NodeJS.ProcessEnv = process.env): string {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function deleteCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  const path = credentialsPath(env);
  try {
    rmSync(path);
    return true;
  } catch {
    return false;
  }
}
