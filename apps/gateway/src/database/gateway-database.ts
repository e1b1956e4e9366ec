import { ServiceDatabaseModule } from '@switchyard/database';
import { ApiKeyEntity } from '../auth/api-key.entity';
import type { GatewayEnv } from '../config/gateway.env';
import { WorkspaceEntity } from '../management/workspace.entity';
import { ProviderKeyEntity } from '../byok/provider-key.entity';
import { GuardrailPolicyEntity } from '../guardrails/guardrail-policy.entity';
import { GatewayInit1730000000000 } from './migrations/1730000000000-gateway-init';
import { GuardrailPolicies1733000000000 } from './migrations/1733000000000-guardrail-policies';
import { ProviderKeys1733100000000 } from './migrations/1733100000000-provider-keys';
import { Accounts1736000000000 } from './migrations/1736000000000-accounts';
import { WorkspaceSettings1737400000000 } from './migrations/1737400000000-workspace-settings';
import { WorkspaceSettingsEntity } from '../workspace-settings/workspace-settings.entity';
import { SessionEntity } from '../accounts/session.entity';
import { WorkspaceMemberEntity } from '../accounts/workspace-member.entity';
import { ConversationEntity } from '../conversations/conversation.entity';
import { Conversations1737600000000 } from './migrations/1737600000000-conversations';

export const GATEWAY_SCHEMA = 'gateway';

/** The gateway schema (workspaces, API keys), migrated under an advisory lock at boot. */
export function gatewayDatabaseModule(env: GatewayEnv) {
  return ServiceDatabaseModule.forRoot({
    url: env.DATABASE_URL,
    schema: GATEWAY_SCHEMA,
    poolMax: env.DATABASE_POOL_MAX,
    entities: [WorkspaceEntity, ApiKeyEntity, GuardrailPolicyEntity, ProviderKeyEntity, SessionEntity, WorkspaceMemberEntity, WorkspaceSettingsEntity, ConversationEntity],
    migrations: [GatewayInit1730000000000, GuardrailPolicies1733000000000, ProviderKeys1733100000000, Accounts1736000000000, WorkspaceSettings1737400000000, Conversations1737600000000],
    statementTimeoutMs: 10_000,
    runMigrations: env.RUN_MIGRATIONS,
  });
}
