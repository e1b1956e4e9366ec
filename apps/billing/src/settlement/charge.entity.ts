import { bigintTransformer } from '@switchyard/database';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ChargeSettlement = 'captured' | 'released';

/** One completed request as billed: written once, after the ledger resolved its hold; never updated. */
@Entity({ name: 'charges', schema: 'billing' })
export class ChargeEntity {
  @PrimaryColumn({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'hold_id', type: 'text' })
  holdId!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'api_key_id', type: 'text', nullable: true })
  apiKeyId!: string | null;

  @Column({ name: 'model_id', type: 'text', nullable: true })
  modelId!: string | null;

  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId!: string | null;

  @Column({ name: 'outcome', type: 'text' })
  outcome!: 'succeeded' | 'failed' | 'client_aborted';

  @Column({ name: 'prompt_tokens', type: 'integer' })
  promptTokens!: number;

  @Column({ name: 'completion_tokens', type: 'integer' })
  completionTokens!: number;

  @Column({ name: 'cached_prompt_tokens', type: 'integer' })
  cachedPromptTokens!: number;

  @Column({ name: 'cache_write_tokens', type: 'integer' })
  cacheWriteTokens!: number;

  @Column({ name: 'reasoning_tokens', type: 'integer' })
  reasoningTokens!: number;

  @Column({ name: 'web_search_requests', type: 'integer' })
  webSearchRequests!: number;

  @Column({ name: 'cost_micros', type: 'bigint', transformer: bigintTransformer })
  costMicros!: bigint;

  @Column({ name: 'settlement', type: 'text' })
  settlement!: ChargeSettlement;

  /** What the ledger answered (posted, voided, expired): an expired hold is late usage for the reconciler. */
  @Column({ name: 'ledger_status', type: 'text' })
  ledgerStatus!: string;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;
}
