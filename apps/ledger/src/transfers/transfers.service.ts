import { Injectable } from '@nestjs/common';
import type { CommandRequest, CommandResponse, LedgerTransferCreate } from '@switchyard/contracts';
import { TransfersRepository } from './transfers.repository';

@Injectable()
export class TransfersService {
  constructor(private readonly transfers: TransfersRepository) {}

  async create(request: CommandRequest<typeof LedgerTransferCreate>): Promise<CommandResponse<typeof LedgerTransferCreate>> {
    const transfers = await this.transfers.createBatch(request.journalKey, request.transfers);
    return { journalKey: request.journalKey, transfers };
  }
}
