import { Injectable } from '@nestjs/common';
import type { BillingLogsQuery, CommandRequest, RequestContent, RequestLogEntryWire } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { toRequestContent } from '../request-content/request-content.mapper';
import { encodeLogsCursor } from './logs-cursor';
import { toRequestLogEntry } from './request-log.mapper';
import { RequestLogRepository } from './request-log.repository';

/** Generations and log pages of one workspace; another workspace's request is "not found", never "forbidden". */
@Injectable()
export class RequestLogService {
  constructor(private readonly logs: RequestLogRepository) {}

  async generation(workspaceId: string, requestId: string): Promise<RequestLogEntryWire & { content?: RequestContent }> {
    const row = await this.logs.findOne(workspaceId, requestId);
    if (!row) throw new AppError('not_found', `No generation with id '${requestId}'.`, { param: 'id' });
    const content = toRequestContent(row);
    return content ? { ...toRequestLogEntry(row), content } : toRequestLogEntry(row);
  }

  async page(request: CommandRequest<typeof BillingLogsQuery>): Promise<{ entries: RequestLogEntryWire[]; nextCursor: string | null }> {
    const { cursor, limit, ...filter } = request;
    if (filter.from && filter.to && Date.parse(filter.from) > Date.parse(filter.to)) {
      throw new AppError('invalid_request', "'from' must not be after 'to'.", { param: 'from' });
    }
    const rows = await this.logs.page(filter, cursor, limit);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeLogsCursor({ completedAt: last.completed_at_key, requestId: last.request_id }) : null;
    return { entries: page.map(toRequestLogEntry), nextCursor };
  }
}
