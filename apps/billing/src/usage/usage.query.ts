import type { UsageReportWire } from './usage-report.service';
import { Uuid } from '@switchyard/contracts';
import { z } from 'zod';

/** `GET /usage?workspaceId=&days=`: today (UTC) and the days before it, up to a year. */
export const UsageQuerySchema = z.object({
  workspaceId: Uuid,
  days: z.coerce.number().int().min(1).max(366).default(30),
});
export type UsageQuery = z.output<typeof UsageQuerySchema>;

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  webSearchRequests: number;
  /** Micro-USD as a decimal string (never a JS number on the wire). */
  costMicros: string;
}

/** The HTTP report: the workspace and the same report as `billing.usage.query` answers. */
export type UsageReport = { workspaceId: string } & UsageReportWire;
