import { z } from 'zod';
import { WORKSPACE_ROLES } from './workspace-member.entity';

export const SiweVerifySchema = z
  .object({
    message: z.string().min(1).max(4_000).describe('The EIP-4361 message the wallet signed (its nonce from POST /api/v1/auth/siwe/nonce).'),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130,2000}$/).describe('The wallet signature (hex).'),
    workspace_id: z.uuid().optional().describe('Sign in to this workspace (the wallet must be a member); default: its oldest one, or a new one.'),
  })
  .strict();

export const RefreshSchema = z
  .object({ refresh_token: z.string().min(1).max(200).optional().describe('Omit to use the dashboard\u2019s refresh cookie.') })
  .strict();

export const DeviceAuthorizationRequestSchema = z
  .object({ client_id: z.string().max(100).optional(), scope: z.string().max(200).optional() })
  .strict();

export const DeviceTokenRequestSchema = z.object({
  grant_type: z.literal('urn:ietf:params:oauth:grant-type:device_code'),
  device_code: z.string().min(1).max(200),
  client_id: z.string().max(100).optional(),
});

export const DeviceDecisionSchema = z
  .object({
    user_code: z.string().min(1).max(20).describe('The code the CLI showed, e.g. BCDF-GHJK.'),
    action: z.enum(['approve', 'deny']).default('approve'),
  })
  .strict();

export const EthAddressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
  .transform((value) => value.toLowerCase());

export const PutMemberSchema = z.object({ address: EthAddressSchema, role: z.enum(WORKSPACE_ROLES).default('member') }).strict();

export const SwitchWorkspaceSchema = z.object({ workspace_id: z.uuid() }).strict();
