import { Injectable } from '@nestjs/common';
import type { CommandRequest, BillingLogsQuery } from '@switchyard/contracts';
import { DataSource } from 'typeorm';
import type { RequestContentColumns } from '../request-content/request-content.mapper';
import { decodeLogsCursor } from './logs-cursor';
import { REQUEST_LOG_COLUMNS, type RequestLogRow } from './request-log.mapper';

export type LogsFilter = Omit<CommandRequest<typeof BillingLogsQuery>, 'cursor' | 'limit'>;

const FROM = `billing.request_logs l JOIN billing.charges c ON c.request_id = l.request_id`;

/** Reads of the request log, always inside one workspace (the only code querying billing.request_logs). */
@Injectable()
export class RequestLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The row with its stored content, if the workspace opted in for it (only this read touches request_contents). */
  async findOne(workspaceId: string, requestId: string): Promise<(RequestLogRow & RequestContentColumns) | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${REQUEST_LOG_COLUMNS},
         rc.prompt AS content_prompt, rc.completion AS content_completion, rc.tool_calls AS content_tool_calls, rc.truncated AS content_truncated
       FROM ${FROM} LEFT JOIN billing.request_contents rc ON rc.request_id = l.request_id AND rc.workspace_id = l.workspace_id
       WHERE l.workspace_id = $1 AND l.request_id = $2`,
      [workspaceId, requestId],
    )) as Array<RequestLogRow & RequestContentColumns>;
    return rows[0];
  }

  /** Newest first; `limit + 1` rows are read so the caller knows whether another page exists. */
  async page(filter: LogsFilter, cursor: string | undefined, limit: number): Promise<RequestLogRow[]> {
    const params: unknown[] = [filter.workspaceId];
    const where = ['l.workspace_id = $1'];
    const add = (sql: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.model) add((p) => `(l.requested_model = ${p} OR l.model_id = ${p})`, filter.model);
    if (filter.providerId) add((p) => `l.provider_id = ${p}`, filter.providerId);
    if (filter.outcome) add((p) => `l.outcome = ${p}`, filter.outcome);
    if (filter.apiKeyId) add((p) => `l.api_key_id = ${p}`, filter.apiKeyId);
    if (filter.endUserId) add((p) => `l.end_user_id = ${p}`, filter.endUserId);
    if (filter.from) add((p) => `l.completed_at >= ${p}::timestamptz`, filter.from);
    if (filter.to) add((p) => `l.completed_at < ${p}::timestamptz`, filter.to);
    if (cursor) {
      const position = decodeLogsCursor(cursor);
      params.push(position.completedAt, position.requestId);
      where.push(`(l.completed_at, l.request_id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit + 1);
    return (await this.dataSource.query(
      `SELECT ${REQUEST_LOG_COLUMNS} FROM ${FROM} WHERE ${where.join(' AND ')} ORDER BY l.completed_at DESC, l.request_id DESC LIMIT $${params.length}`,
      params,
    )) as RequestLogRow[];
  }
}
