import { Injectable } from '@nestjs/common';
import type { CommandRequest, CommandResponse, LedgerTransferCreate } from '@switchyard/contracts';
import { LedgerPostingsMetrics } from '../metrics/ledger-postings.metrics';
import { TransfersRepository } from './transfers.repository';

@Injectable()
export class TransfersService {
  constructor(
    private readonly transfers: TransfersRepository,
    private readonly metrics: LedgerPostingsMetrics,
  ) {}

  async create(request: CommandRequest<typeof LedgerTransferCreate>): Promise<CommandResponse<typeof LedgerTransferCreate>> {
    const transfers = await this.transfers.createBatch(request.journalKey, request.transfers);
    this.metrics.record('transfer', transfers.filter((t) => t.status === 'created').length);
    return { journalKey: request.journalKey, transfers };
  }
}
