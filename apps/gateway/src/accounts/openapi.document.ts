import { z } from 'zod';
import { GuardrailPolicySchema } from '../guardrails/guardrail-policy';
import { WorkspaceSettingsSchema } from '../workspace-settings/workspace-settings.schemas';
import { CreateKeySchema, UpdateKeySchema } from '../keys/keys.schemas';
import { GenerationQuerySchema, LogsQuerySchema, TransactionsQuerySchema, UsageQuerySchema } from '../routes/usage/usage-routes.schemas';
import { DeviceAuthorizationRequestSchema, DeviceDecisionSchema, DeviceTokenRequestSchema, PutMemberSchema, RefreshSchema, SiweVerifySchema, SwitchWorkspaceSchema } from './accounts.schemas';

type Auth = 'none' | 'workspace';
interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  query?: z.ZodObject;
}

/** Every management operation with the zod schema that validates it; the document below is generated from these. */
const OPERATIONS: Operation[] = [
  { method: 'get', path: '/api/v1/auth/discovery', summary: 'Auth endpoints, device-flow parameters, SIWE domain', auth: 'none' },
  { method: 'post', path: '/api/v1/auth/siwe/nonce', summary: 'A single-use SIWE nonce (5 minutes)', auth: 'none' },
  { method: 'post', path: '/api/v1/auth/siwe/verify', summary: 'Sign in with a signed EIP-4361 message; a new wallet gets a new workspace', auth: 'none', body: SiweVerifySchema },
  { method: 'post', path: '/api/v1/auth/refresh', summary: 'Rotate the session tokens (a refresh token works once)', auth: 'none', body: RefreshSchema },
  { method: 'post', path: '/api/v1/auth/logout', summary: 'End the calling session', auth: 'workspace' },
  { method: 'post', path: '/api/v1/auth/workspace', summary: 'Switch the session to another workspace of the wallet', auth: 'workspace', body: SwitchWorkspaceSchema },
  { method: 'post', path: '/api/v1/auth/device', summary: 'RFC 8628 device authorization (CLI login)', auth: 'none', body: DeviceAuthorizationRequestSchema },
  { method: 'post', path: '/api/v1/auth/device/token', summary: 'RFC 8628 token polling (OAuth errors: authorization_pending, slow_down, access_denied, expired_token)', auth: 'none', body: DeviceTokenRequestSchema },
  { method: 'post', path: '/api/v1/auth/device/approve', summary: 'A signed-in member approves or denies a user code', auth: 'workspace', body: DeviceDecisionSchema },
  { method: 'get', path: '/api/v1/me', summary: 'The caller: wallet, role and workspaces, or the key', auth: 'workspace' },
  { method: 'get', path: '/api/v1/workspaces/members', summary: 'Members of the workspace', auth: 'workspace' },
  { method: 'put', path: '/api/v1/workspaces/members', summary: 'Add a member or change a role (owners)', auth: 'workspace', body: PutMemberSchema },
  { method: 'delete', path: '/api/v1/workspaces/members/{address}', summary: 'Remove a member (owners; the last owner stays)', auth: 'workspace' },
  { method: 'post', path: '/api/v1/keys', summary: 'Create a key; the raw key is in this answer only', auth: 'workspace', body: CreateKeySchema },
  { method: 'get', path: '/api/v1/keys', summary: 'The workspace\u2019s keys (never raw)', auth: 'workspace' },
  { method: 'get', path: '/api/v1/keys/{id}', summary: 'One key', auth: 'workspace' },
  { method: 'patch', path: '/api/v1/keys/{id}', summary: 'Rename, disable, change credit limit or expiry', auth: 'workspace', body: UpdateKeySchema },
  { method: 'delete', path: '/api/v1/keys/{id}', summary: 'Revoke a key (401 on every replica within a second)', auth: 'workspace' },
  { method: 'get', path: '/api/v1/keys/{id}/guardrails', summary: 'One key\u2019s guardrail policy (its credit limit included)', auth: 'workspace' },
  { method: 'put', path: '/api/v1/keys/{id}/guardrails', summary: 'Replace one key\u2019s guardrail policy (owners, management keys)', auth: 'workspace', body: GuardrailPolicySchema },
  { method: 'get', path: '/api/v1/guardrails/workspace', summary: 'The workspace guardrail policy', auth: 'workspace' },
  { method: 'put', path: '/api/v1/guardrails/workspace', summary: 'Replace the workspace guardrail policy (owners, management keys)', auth: 'workspace', body: GuardrailPolicySchema },
  { method: 'get', path: '/api/v1/workspace/settings', summary: 'Workspace settings: content logging (off by default)', auth: 'workspace' },
  { method: 'put', path: '/api/v1/workspace/settings', summary: 'Replace the workspace settings: opt in to storing prompts and completions, per-key opt-outs (owners, management keys)', auth: 'workspace', body: WorkspaceSettingsSchema },
  { method: 'get', path: '/api/v1/credits', summary: 'Credits of the workspace', auth: 'workspace' },
  { method: 'get', path: '/api/v1/balance', summary: 'Posted, pending and available balance', auth: 'workspace' },
  { method: 'get', path: '/api/v1/transactions', summary: 'Ledger statement of the credit account', auth: 'workspace', query: TransactionsQuerySchema },
  { method: 'get', path: '/api/v1/usage', summary: 'Usage totals and breakdowns', auth: 'workspace', query: UsageQuerySchema },
  { method: 'get', path: '/api/v1/logs', summary: 'Request log, newest first', auth: 'workspace', query: LogsQuerySchema },
  { method: 'get', path: '/api/v1/generation', summary: 'One request by generation id', auth: 'workspace', query: GenerationQuerySchema },
];

const ERROR_RESPONSE = { description: 'OpenAI error envelope', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

/** OpenAPI 3.1 (JSON Schema 2020-12) for the management API, built from the validating schemas. */
export function buildOpenApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(op.query ? queryParameters(op.query) : []),
    ];
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      ...(op.auth === 'workspace' ? { security: [{ bearer: [] }, { sessionCookie: [] }] } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(op.body) } } } } : {}),
      responses: { '200': { description: 'OK' }, '4XX': ERROR_RESPONSE, '5XX': ERROR_RESPONSE },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Switchyard management API', version: '1', description: 'Keys, sessions, workspaces and reports. Model calls follow the OpenAI, Anthropic and Gemini APIs under /v1.' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (sk-sy-…), a management key, or a session access token (sy_at_…)' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'sy_session' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: { error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' }, code: { type: ['string', 'null'] }, param: { type: ['string', 'null'] } }, required: ['message', 'type'] } },
          required: ['error'],
        },
      },
    },
  };
}

function toSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function queryParameters(schema: z.ZodObject) {
  const json = toSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: property }));
}
