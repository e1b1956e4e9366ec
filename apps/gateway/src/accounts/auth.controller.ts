import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import { ZodBodyPipe } from '@switchyard/nest-common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { API_KEY_PREFIX } from '../auth/api-key.codec';
import { readCookie, REFRESH_COOKIE, SESSION_COOKIE } from '../auth/credentials';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, WorkspaceAuthGuard } from '../auth/workspace-auth.guard';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { DeviceAuthorizationRequestSchema, DeviceDecisionSchema, DeviceTokenRequestSchema, RefreshSchema, SiweVerifySchema, SwitchWorkspaceSchema } from './accounts.schemas';
import { AccountsService } from './accounts.service';
import { DEVICE_CODE_TTL_SECONDS, DEVICE_POLL_INTERVAL_SECONDS, DeviceFlowService, DeviceTokenError } from './device-flow.service';
import { ACCESS_TOKEN_TTL_MS, type IssuedSession, SessionsService } from './sessions.service';
import { SiweService, SIWE_NONCE_TTL_SECONDS } from './siwe.service';

/**
 * `/api/v1/auth`: Sign-In with Ethereum, session refresh and logout, the OAuth device flow for the CLI, and discovery.
 * Sessions are opaque tokens: a bearer for the CLI, httpOnly SameSite=Strict cookies for the dashboard.
 */
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly siwe: SiweService,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly devices: DeviceFlowService,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {}

  @Get('discovery')
  discovery(@Req() request: FastifyRequest) {
    const base = origin(request);
    return {
      issuer: base,
      api_base_url: `${base}/api/v1`,
      openai_base_url: `${base}/v1`,
      openapi_url: `${base}/openapi.json`,
      device_authorization_endpoint: `${base}/api/v1/auth/device`,
      device_approval_endpoint: `${base}/api/v1/auth/device/approve`,
      token_endpoint: `${base}/api/v1/auth/device/token`,
      refresh_endpoint: `${base}/api/v1/auth/refresh`,
      revocation_endpoint: `${base}/api/v1/auth/logout`,
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      device_code_expires_in: DEVICE_CODE_TTL_SECONDS,
      device_poll_interval: DEVICE_POLL_INTERVAL_SECONDS,
      siwe: { nonce_endpoint: `${base}/api/v1/auth/siwe/nonce`, verify_endpoint: `${base}/api/v1/auth/siwe/verify`, domain: request.host, nonce_expires_in: SIWE_NONCE_TTL_SECONDS },
      session: { token_type: 'Bearer', access_token_expires_in: ACCESS_TOKEN_TTL_MS / 1_000, cookie: SESSION_COOKIE },
      api_key_prefix: API_KEY_PREFIX,
      // Which chain deposits and wallets live on; a local dev chain lets the dashboard offer a throwaway dev wallet.
      chain: { chain_id: this.env.CHAIN_ID ?? null, local: this.env.CHAIN_ID !== undefined && LOCAL_CHAIN_IDS.has(this.env.CHAIN_ID) },
    };
  }

  @Post('siwe/nonce')
  @HttpCode(200)
  async nonce() {
    const { nonce, expiresAt } = await this.siwe.nonce();
    return { nonce, expires_at: expiresAt.toISOString() };
  }

  @Post('siwe/verify')
  @HttpCode(200)
  async verify(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body(new ZodBodyPipe(SiweVerifySchema)) body: z.output<typeof SiweVerifySchema>) {
    const address = await this.siwe.verify(body.message, body.signature, request.host, request.ip);
    const issued = await this.accounts.signIn(address, 'browser', body.workspace_id);
    setSessionCookies(request, reply, issued);
    return tokenResponse(issued);
  }

  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body(new ZodBodyPipe(RefreshSchema)) body: z.output<typeof RefreshSchema>) {
    const token = body.refresh_token ?? readCookie(request.headers.cookie, REFRESH_COOKIE);
    if (!token) throw new AppError('unauthenticated', 'Missing refresh token.');
    const issued = await this.sessions.refresh(token, request.ip);
    if (!body.refresh_token) setSessionCookies(request, reply, issued);
    return tokenResponse(issued);
  }

  @Post('logout')
  @HttpCode(200)
  @UseGuards(WorkspaceAuthGuard)
  async logout(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    if (principal.kind !== 'session') throw new AppError('invalid_request', 'Only sessions log out; revoke a key with DELETE /api/v1/keys/{id}.');
    await this.sessions.end(principal.sessionId);
    reply.header('set-cookie', [clearCookie(SESSION_COOKIE, '/'), clearCookie(REFRESH_COOKIE, '/api/v1/auth')]);
    return { logged_out: true };
  }

  /** Switches the session's workspace: a new session for the wallet in that workspace (the old one ends). */
  @Post('workspace')
  @HttpCode(200)
  @UseGuards(WorkspaceAuthGuard)
  async switchWorkspace(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body(new ZodBodyPipe(SwitchWorkspaceSchema)) body: z.output<typeof SwitchWorkspaceSchema>,
  ) {
    if (principal.kind !== 'session') throw new AppError('forbidden', 'Only a signed-in session can switch workspaces.');
    const issued = await this.accounts.signIn(principal.address, 'browser', body.workspace_id);
    await this.sessions.end(principal.sessionId);
    setSessionCookies(request, reply, issued);
    return tokenResponse(issued);
  }

  /** RFC 8628 §3.1 device authorization request. */
  @Post('device')
  @HttpCode(200)
  device(@Req() request: FastifyRequest, @Body(new ZodBodyPipe(DeviceAuthorizationRequestSchema)) _body: z.output<typeof DeviceAuthorizationRequestSchema>) {
    return this.devices.start(origin(request));
  }

  /** RFC 8628 §3.4 token request: errors are OAuth's `{error, error_description}` with 400. */
  @Post('device/token')
  @HttpCode(200)
  async deviceToken(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('cache-control', 'no-store');
    const parsed = DeviceTokenRequestSchema.safeParse(body);
    try {
      if (!parsed.success) {
        const grantType = (body as { grant_type?: unknown } | null)?.grant_type;
        throw grantType !== undefined && grantType !== 'urn:ietf:params:oauth:grant-type:device_code'
          ? new DeviceTokenError('unsupported_grant_type', 'grant_type must be urn:ietf:params:oauth:grant-type:device_code.')
          : new DeviceTokenError('invalid_request', 'device_code and grant_type are required.');
      }
      return tokenResponse(await this.devices.poll(parsed.data.device_code));
    } catch (error) {
      if (!(error instanceof DeviceTokenError)) throw error;
      reply.code(400);
      return { error: error.error, error_description: error.description };
    }
  }

  /** The dashboard (a signed-in member) approves or denies a user code. */
  @Post('device/approve')
  @HttpCode(200)
  @UseGuards(WorkspaceAuthGuard)
  approve(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Body(new ZodBodyPipe(DeviceDecisionSchema)) body: z.output<typeof DeviceDecisionSchema>) {
    return this.devices.decide(body.user_code, principal, body.action === 'approve', request.ip);
  }
}

/** anvil's and Hardhat's default chain ids: local development chains, never real money. */
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function tokenResponse(issued: IssuedSession) {
  return {
    access_token: issued.accessToken,
    refresh_token: issued.refreshToken,
    token_type: 'Bearer',
    expires_in: Math.round((issued.session.accessExpiresAt.getTime() - Date.now()) / 1_000),
    refresh_expires_at: issued.session.refreshExpiresAt.toISOString(),
    address: issued.session.address,
    workspace_id: issued.session.workspaceId,
  };
}

function setSessionCookies(request: FastifyRequest, reply: FastifyReply, issued: IssuedSession): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  const maxAge = (date: Date) => Math.max(0, Math.floor((date.getTime() - Date.now()) / 1_000));
  reply.header('set-cookie', [
    `${SESSION_COOKIE}=${issued.accessToken}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge(issued.session.accessExpiresAt)}${secure}`,
    `${REFRESH_COOKIE}=${issued.refreshToken}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=${maxAge(issued.session.refreshExpiresAt)}${secure}`,
  ]);
}

function clearCookie(name: string, path: string): string {
  return `${name}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0`;
}
