import type { Command } from 'commander';
import { callApi, CliError, type Print, resolveTarget, send } from './api-client';
import { credentialsPath, deleteCredentials, writeCredentials } from './credentials';

interface DeviceAuthorization { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number }
interface TokenResponse { access_token: string; refresh_token: string; address: string; workspace_id: string }
interface Me { data: { auth: string; address?: string; role?: string; workspace: { id: string; name: string | null }; key?: { id: string; name: string | null; prefix: string | null; kind: string }; workspaces?: Array<{ id: string; name: string | null; role: string; current: boolean }> } }

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** `switchyard login|logout|whoami`: the OAuth device flow against the gateway, and the stored session. */
export function registerAuthCommands(program: Command, print: Print): void {
  const json = () => Boolean(program.opts().json);

  program
    .command('login')
    .description('sign in from the terminal: approve the shown code in the dashboard (OAuth device flow)')
    .action(async () => {
      const target = resolveTarget();
      const device = await callApi<DeviceAuthorization>(target, '/api/v1/auth/device', { method: 'POST', body: { client_id: 'switchyard-cli' }, anonymous: true });
      process.stderr.write(`To sign in, open ${device.verification_uri_complete}\nand confirm the code: ${device.user_code}\nWaiting for approval…\n`);
      const tokens = await pollForTokens(target.url, device);
      const path = writeCredentials({ api_url: target.url, access_token: tokens.access_token, refresh_token: tokens.refresh_token, address: tokens.address, workspace_id: tokens.workspace_id, saved_at: new Date().toISOString() });
      print(json(), { logged_in: true, address: tokens.address, workspace_id: tokens.workspace_id, api_url: target.url, credentials_path: path }, () => `Signed in as ${tokens.address} (workspace ${tokens.workspace_id}). Credentials saved to ${path}.`);
    });

  program
    .command('logout')
    .description('end the session and delete the stored credentials')
    .action(async () => {
      const target = resolveTarget();
      if (target.session) {
        try {
          await send(target.url, '/api/v1/auth/logout', target.session.access_token, { method: 'POST', body: {} });
        } catch (error) {
          // An already expired session is still logged out locally; network trouble is reported.
          if (!(error instanceof CliError) || error.exitCode !== 1) throw error;
        }
      }
      const removed = deleteCredentials();
      print(json(), { logged_out: true, credentials_removed: removed }, () => (removed ? `Logged out; removed ${credentialsPath()}.` : 'Not logged in.'));
    });

  program
    .command('whoami')
    .description('the signed-in wallet (or the API key) and its workspace')
    .action(async () => {
      const me = await callApi<Me>(resolveTarget(), '/api/v1/me', { prefer: 'session' });
      print(json(), me.data, () =>
        me.data.address
          ? `${me.data.address} (${me.data.role}) in workspace ${me.data.workspace.name ?? ''} ${me.data.workspace.id}`
          : `API key ${me.data.key?.prefix ?? ''}… "${me.data.key?.name ?? ''}" (${me.data.key?.kind}) in workspace ${me.data.workspace.id}`,
      );
    });
}

async function pollForTokens(url: string, device: DeviceAuthorization): Promise<TokenResponse> {
  let intervalMs = Math.max(1, device.interval) * 1_000;
  const deadline = Date.now() + device.expires_in * 1_000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    try {
      return JSON.parse(await send(url, '/api/v1/auth/device/token', undefined, { method: 'POST', body: { grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: 'switchyard-cli' } })) as TokenResponse;
    } catch (error) {
      if (!(error instanceof CliError) || error.status !== 400) throw error;
      if (error.code === 'authorization_pending') continue;
      if (error.code === 'slow_down') {
        intervalMs += 5_000;
        continue;
      }
      if (error.code === 'access_denied') throw new CliError('Login was denied in the dashboard.', 1, 400, error.code);
      throw new CliError('The login code expired: run `switchyard login` again.', 1, 400, error.code);
    }
  }
  throw new CliError('The login code expired before it was approved: run `switchyard login` again.', 1);
}
