import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { UsageTotals } from './usage.query';

interface TotalsRow {
  requests: string;
  prompt_tokens: string;
  completion_tokens: string;
  cached_prompt_tokens: string;
  cache_write_tokens: string;
  reasoning_tokens: string;
  web_search_requests: string;
  cost_micros: string;
}

const TOTALS = `
  count(*)::bigint AS requests,
  coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
  coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
  coalesce(sum(cached_prompt_tokens), 0)::bigint AS cached_prompt_tokens,
  coalesce(sum(cache_write_tokens), 0)::bigint AS cache_write_tokens,
  coalesce(sum(reasoning_tokens), 0)::bigint AS reasoning_tokens,
  coalesce(sum(web_search_requests), 0)::bigint AS web_search_requests,
  coalesce(sum(cost_micros), 0)::text AS cost_micros`;

// Windows start at a UTC day boundary so the per-day buckets are whole days.
const WINDOW = `workspace_id = $1 AND completed_at >= $2`;

function toTotals(row: TotalsRow): UsageTotals {
  return {
    requests: Number(row.requests),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedPromptTokens: Number(row.cached_prompt_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    webSearchRequests: Number(row.web_search_requests),
    costMicros: row.cost_micros,
  };
}

/** Spend aggregates over the charges table (per workspace, per time window), served by the usage endpoint. */
@Injectable()
export class UsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async totals(workspaceId: string, since: Date): Promise<UsageTotals> {
    const [row] = (await this.dataSource.query(`SELECT ${TOTALS} FROM billing.charges WHERE ${WINDOW}`, [workspaceId, since])) as TotalsRow[];
    return toTotals(row);
  }

  async byDay(workspaceId: string, since: Date): Promise<Array<UsageTotals & { day: string }>> {
    const rows = (await this.dataSource.query(
      `SELECT to_char(date_trunc('day', completed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, ${TOTALS}
         FROM billing.charges WHERE ${WINDOW} GROUP BY 1 ORDER BY 1`,
      [workspaceId, since],
    )) as Array<TotalsRow & { day: string }>;
    return rows.map((row) => ({ day: row.day, ...toTotals(row) }));
  }

  async byModel(workspaceId: string, since: Date): Promise<Array<UsageTotals & { modelId: string | null; providerId: string | null }>> {
    const rows = (await this.dataSource.query(
      `SELECT model_id, provider_id, ${TOTALS}
         FROM billing.charges WHERE ${WINDOW} GROUP BY model_id, provider_id ORDER BY sum(cost_micros) DESC, model_id NULLS LAST, provider_id NULLS LAST`,
      [workspaceId, since],
    )) as Array<TotalsRow & { model_id: string | null; provider_id: string | null }>;
    return rows.map((row) => ({ modelId: row.model_id, providerId: row.provider_id, ...toTotals(row) }));
  }
}
