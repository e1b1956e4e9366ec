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
  coalesce(sum(c.prompt_tokens), 0)::bigint AS prompt_tokens,
  coalesce(sum(c.completion_tokens), 0)::bigint AS completion_tokens,
  coalesce(sum(c.cached_prompt_tokens), 0)::bigint AS cached_prompt_tokens,
  coalesce(sum(c.cache_write_tokens), 0)::bigint AS cache_write_tokens,
  coalesce(sum(c.reasoning_tokens), 0)::bigint AS reasoning_tokens,
  coalesce(sum(c.web_search_requests), 0)::bigint AS web_search_requests,
  coalesce(sum(c.cost_micros), 0)::text AS cost_micros`;

// Windows start at a UTC day boundary so the per-day buckets are whole days. Every charge counts once; the
// request log (end user, app) is joined for the dimensions only it knows.
const FROM = `billing.charges c LEFT JOIN billing.request_logs l ON l.request_id = c.request_id`;
const WINDOW = `c.workspace_id = $1 AND c.completed_at >= $2`;

/** The dimensions usage is broken down by: column expressions and the names they are reported under. */
const DIMENSIONS = {
  model: { modelId: 'c.model_id', providerId: 'c.provider_id' },
  key: { apiKeyId: 'c.api_key_id' },
  endUser: { endUserId: 'l.end_user_id' },
  app: { appTitle: 'l.app_title', appReferer: 'l.app_referer' },
} as const;
export type UsageDimension = keyof typeof DIMENSIONS;
export type DimensionKeys<D extends UsageDimension> = { [K in keyof (typeof DIMENSIONS)[D]]: string | null };

export function toTotals(row: TotalsRow): UsageTotals {
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

/** Spend aggregates over the charges (per workspace, per time window), for the usage endpoint and query. */
@Injectable()
export class UsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async totals(workspaceId: string, since: Date): Promise<UsageTotals> {
    const [row] = (await this.dataSource.query(`SELECT ${TOTALS} FROM billing.charges c WHERE ${WINDOW}`, [workspaceId, since])) as TotalsRow[];
    return toTotals(row);
  }

  async byDay(workspaceId: string, since: Date): Promise<Array<UsageTotals & { day: string }>> {
    const rows = (await this.dataSource.query(
      `SELECT to_char(date_trunc('day', c.completed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, ${TOTALS}
         FROM billing.charges c WHERE ${WINDOW} GROUP BY 1 ORDER BY 1`,
      [workspaceId, since],
    )) as Array<TotalsRow & { day: string }>;
    return rows.map((row) => ({ day: row.day, ...toTotals(row) }));
  }

  /**
   * Per UTC day and per model (`c.model_id`) or key (`c.api_key_id`), in one grouped query: the `top` groups with the
   * highest cost over the whole window (then most requests) keep their own rows, the rest add up to one `other` row
   * per day (key null). Ordered by day, then cost.
   */
  async byDayAnd(dimension: 'model' | 'key', workspaceId: string, since: Date, top: number): Promise<Array<UsageTotals & { day: string; other: boolean; key: string | null }>> {
    const column = dimension === 'model' ? 'model_id' : 'api_key_id';
    const rows = (await this.dataSource.query(
      `WITH top AS (
         SELECT c.${column} AS k FROM billing.charges c WHERE ${WINDOW}
          GROUP BY 1 ORDER BY sum(c.cost_micros) DESC, count(*) DESC, 1 NULLS LAST LIMIT $3
       ), tagged AS (
         SELECT c.*, EXISTS (SELECT 1 FROM top WHERE top.k IS NOT DISTINCT FROM c.${column}) AS in_top
           FROM billing.charges c WHERE ${WINDOW}
       )
       SELECT to_char(date_trunc('day', c.completed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
              CASE WHEN c.in_top THEN c.${column} END AS k, NOT c.in_top AS other, ${TOTALS}
         FROM tagged c GROUP BY 1, 2, 3 ORDER BY 1, 3, sum(c.cost_micros) DESC, count(*) DESC, 2 NULLS LAST`,
      [workspaceId, since, top],
    )) as Array<TotalsRow & { day: string; k: string | null; other: boolean }>;
    return rows.map((row) => ({ day: row.day, other: row.other, key: row.k ?? null, ...toTotals(row) }));
  }

  /** Groups by one dimension, highest cost first (then most requests), at most `limit` groups. */
  async by<D extends UsageDimension>(dimension: D, workspaceId: string, since: Date, limit: number): Promise<Array<UsageTotals & DimensionKeys<D>>> {
    const columns = Object.entries(DIMENSIONS[dimension]) as Array<[string, string]>;
    const keys = columns.map(([, expression], index) => `${expression} AS k${index}`).join(', ');
    const groupBy = columns.map((_, index) => `k${index}`).join(', ');
    const tieBreak = columns.map((_, index) => `k${index} NULLS LAST`).join(', ');
    const rows = (await this.dataSource.query(
      `SELECT ${keys}, ${TOTALS} FROM ${FROM} WHERE ${WINDOW}
         GROUP BY ${groupBy} ORDER BY sum(c.cost_micros) DESC, count(*) DESC, ${tieBreak} LIMIT $3`,
      [workspaceId, since, limit],
    )) as Array<TotalsRow & Record<string, string | null>>;
    return rows.map((row) => {
      const named = Object.fromEntries(columns.map(([name], index) => [name, row[`k${index}`] ?? null])) as DimensionKeys<D>;
      return { ...named, ...toTotals(row) };
    });
  }
}
