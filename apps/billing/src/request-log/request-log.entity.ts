import type { EventPayload, GatewayRequestCompleted } from '@switchyard/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

type Attempt = EventPayload<typeof GatewayRequestCompleted>['attempts'][number];

/** What happened to one completed request (no prompt or completion text); tokens and cost live on its charge. */
@Entity({ name: 'request_logs', schema: 'billing' })
export class RequestLogEntity {
  @PrimaryColumn({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'api_key_id', type: 'text', nullable: true })
  apiKeyId!: string | null;

  @Column({ name: 'requested_model', type: 'text' })
  requestedModel!: string;

  @Column({ name: 'model_id', type: 'text', nullable: true })
  modelId!: string | null;

  @Column({ name: 'provider_id', type: 'text', nullable: true })
  providerId!: string | null;

  @Column({ name: 'surface', type: 'text' })
  surface!: string;

  @Column({ name: 'streamed', type: 'boolean' })
  streamed!: boolean;

  @Column({ name: 'outcome', type: 'text' })
  outcome!: 'succeeded' | 'failed' | 'client_aborted';

  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ name: 'strategy', type: 'text', nullable: true })
  strategy!: string | null;

  @Column({ name: 'auto_tier', type: 'text', nullable: true })
  autoTier!: string | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs!: number;

  @Column({ name: 'ttft_ms', type: 'integer', nullable: true })
  ttftMs!: number | null;

  @Column({ name: 'attempts', type: 'jsonb' })
  attempts!: Attempt[];

  @Column({ name: 'attempt_count', type: 'integer' })
  attemptCount!: number;

  @Column({ name: 'end_user_id', type: 'text', nullable: true })
  endUserId!: string | null;

  @Column({ name: 'app_title', type: 'text', nullable: true })
  appTitle!: string | null;

  @Column({ name: 'app_referer', type: 'text', nullable: true })
  appReferer!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz' })
  completedAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;
}

export type NewRequestLog = Omit<RequestLogEntity, 'createdAt'>;
