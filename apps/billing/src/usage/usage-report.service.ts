import { Injectable } from '@nestjs/common';
import { type BillingUsageQuery, type CommandResponse, USAGE_BREAKDOWN_ROWS_MAX, USAGE_SERIES_TOP } from '@switchyard/contracts';
import type { z } from 'zod';
import { UsageRepository } from './usage.repository';
import { usageWindowStart } from './usage-window';

export type UsageReportWire = z.input<(typeof BillingUsageQuery)['response']>;

/** One workspace's usage over a window of whole UTC days: totals, per day, and the top groups of each dimension. */
@Injectable()
export class UsageReportService {
  constructor(private readonly usage: UsageRepository) {}

  async report(workspaceId: string, days: number, now = new Date()): Promise<UsageReportWire> {
    const since = usageWindowStart(days, now);
    // One more row than reported tells whether a breakdown was cut.
    const rows = USAGE_BREAKDOWN_ROWS_MAX + 1;
    const [totals, byDay, dayModel, dayKey, byModel, byKey, byEndUser, byApp] = await Promise.all([
      this.usage.totals(workspaceId, since),
      this.usage.byDay(workspaceId, since),
      this.usage.byDayAnd('model', workspaceId, since, USAGE_SERIES_TOP),
      this.usage.byDayAnd('key', workspaceId, since, USAGE_SERIES_TOP),
      this.usage.by('model', workspaceId, since, rows),
      this.usage.by('key', workspaceId, since, rows),
      this.usage.by('endUser', workspaceId, since, rows),
      this.usage.by('app', workspaceId, since, rows),
    ]);
    const truncated = [byModel, byKey, byEndUser, byApp].some((groups) => groups.length > USAGE_BREAKDOWN_ROWS_MAX);
    const cut = <T>(groups: T[]) => groups.slice(0, USAGE_BREAKDOWN_ROWS_MAX);
    const byDayModel = dayModel.map(({ key, ...row }) => ({ ...row, modelId: key }));
    const byDayKey = dayKey.map(({ key, ...row }) => ({ ...row, apiKeyId: key }));
    return { days, since: since.toISOString(), totals, byDay, byDayModel, byDayKey, byModel: cut(byModel), byKey: cut(byKey), byEndUser: cut(byEndUser), byApp: cut(byApp), truncated };
  }
}

export type UsageReportResponse = CommandResponse<typeof BillingUsageQuery>;
