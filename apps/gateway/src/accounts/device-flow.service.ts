import { randomBytes, randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { FailedAuthLimiter } from '../auth/failed-auth.limiter';
import type { Principal } from '../auth/principal';
import { AuthStateStore, type DeviceAuthorization } from './auth-state.store';
import { hashToken } from './session-token.codec';
import { type IssuedSession, SessionsService } from './sessions.service';

export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 2;
/** Consonants without look-alikes (RFC 8628 §6.1): 20^8 ≈ 2.6e10 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_ATTEMPTS_MAX = 5;

/** RFC 8628 token-endpoint errors: answered as `{error, error_description}` with 400. */
export class DeviceTokenError extends Error {
  constructor(
    readonly error: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_request',
    readonly description: string,
  ) {
    super(description);
  }
}


/**
 * OAuth 2.0 device authorization (RFC 8628) against the gateway itself: the CLI gets a device code and a user code,
 * a signed-in member approves the user code in the dashboard, and the CLI's poll then receives a session for the
 * approver's current workspace.
 */
@Injectable()
export class DeviceFlowService {
  constructor(
    private readonly state: AuthStateStore,
    private readonly sessions: SessionsService,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async start(origin: string) {
    const deviceCode = randomBytes(32).toString('base64url');
    for (let attempt = 0; attempt < USER_CODE_ATTEMPTS_MAX; attempt += 1) {
      const userCode = generateUserCode();
      const authorization: DeviceAuthorization = { userCode, status: 'pending', intervalSeconds: DEVICE_POLL_INTERVAL_SECONDS, lastPollMs: 0, address: null, workspaceId: null };
      if (await this.state.putDevice(hashToken(deviceCode), authorization, DEVICE_CODE_TTL_SECONDS)) {
        // The dashboard's approval page (apps/dashboard: /dashboard/device), where a signed-in member approves the code.
        const verificationUri = `${origin}/dashboard/device`;
        return {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: verificationUri,
          verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
          expires_in: DEVICE_CODE_TTL_SECONDS,
          interval: DEVICE_POLL_INTERVAL_SECONDS,
        };
      }
    }
    throw new AppError('service_unavailable', 'Could not allocate a user code; try again.');
  }

  /** The signed-in member approves (or denies) a user code; the CLI's session will act for this workspace. */
  async decide(userCode: string, principal: Principal, approve: boolean, clientAddress: string | undefined) {
    if (principal.kind !== 'session') throw new AppError('forbidden', 'Approve device logins from a signed-in session.');
    const normalized = normalizeUserCode(userCode);
    const deviceHash = normalized ? await this.state.deviceHashForUserCode(normalized) : null;
    const authorization = deviceHash ? await this.state.getDevice(deviceHash) : null;
    if (!deviceHash || !authorization || authorization.status !== 'pending') {
      throw await this.failures.failure(clientAddress, new AppError('not_found', 'Unknown, expired or already used code.', { param: 'user_code' }));
    }
    const next: DeviceAuthorization = approve
      ? { ...authorization, status: 'approved', address: principal.address, workspaceId: principal.workspaceId }
      : { ...authorization, status: 'denied' };
    if (!(await this.state.updateDevice(deviceHash, next))) throw new AppError('not_found', 'The code expired.', { param: 'user_code' });
    return { user_code: normalized, status: next.status, workspace_id: approve ? principal.workspaceId : null };
  }

  /** The CLI's poll: pending / slow_down / denied / expired, or — once — the session. */
  async poll(deviceCode: string): Promise<IssuedSession> {
    const deviceHash = hashToken(deviceCode);
    const authorization = await this.state.getDevice(deviceHash);
    if (!authorization) throw new DeviceTokenError('expired_token', 'The device code is unknown or expired; run login again.');
    const now = Date.now();
    if (authorization.status === 'pending') {
      const tooSoon = now - authorization.lastPollMs < authorization.intervalSeconds * 1_000 - 250;
      const intervalSeconds = tooSoon ? authorization.intervalSeconds + 5 : authorization.intervalSeconds;
      await this.state.updateDevice(deviceHash, { ...authorization, lastPollMs: now, intervalSeconds });
      if (tooSoon) throw new DeviceTokenError('slow_down', `Poll at most every ${intervalSeconds} s.`);
      throw new DeviceTokenError('authorization_pending', 'Waiting for the user to approve the code.');
    }
    if (!(await this.state.takeDevice(deviceHash, authorization.userCode))) throw new DeviceTokenError('expired_token', 'The device code was already used.');
    if (authorization.status === 'denied' || !authorization.address || !authorization.workspaceId) throw new DeviceTokenError('access_denied', 'The login was denied.');
    return this.sessions.issue(authorization.address, authorization.workspaceId, 'cli');
  }
}

function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i += 1) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Case and separators do not matter when typing it. */
export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (letters.length !== 8 || [...letters].some((c) => !USER_CODE_ALPHABET.includes(c))) return null;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}
