import { AppError } from '@switchyard/errors';
import type { WorkspaceRole } from '../accounts/workspace-member.entity';

/**
 * Who is calling a management endpoint, always for exactly one workspace: an API key (inference or management)
 * acts for its workspace; a signed-in wallet's session acts for its current workspace with its role there.
 */
export type Principal =
  | { kind: 'api_key' | 'management_key'; workspaceId: string; apiKeyId: string; sessionId: null; address: null; role: null }
  | { kind: 'session'; workspaceId: string; apiKeyId: null; sessionId: string; address: string; role: WorkspaceRole };

/** Key management: a signed-in member or a management key (an inference key cannot manage keys). */
export function requireKeyManager(principal: Principal): void {
  if (principal.kind === 'api_key') throw new AppError('forbidden', 'Inference keys cannot manage keys: sign in, or use a management key.');
}

/** Workspace administration (members, guardrails, management keys): an owner's session, or a management key where allowed. */
export function requireOwner(principal: Principal, options: { allowManagementKey: boolean }): void {
  if (principal.kind === 'session' && principal.role === 'owner') return;
  if (principal.kind === 'management_key' && options.allowManagementKey) return;
  throw new AppError('forbidden', principal.kind === 'session' ? 'Only a workspace owner can do this.' : 'This needs a workspace owner\u2019s session.');
}
