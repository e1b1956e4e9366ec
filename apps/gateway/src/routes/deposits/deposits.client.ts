import { Injectable } from '@nestjs/common';
import { ChainAddressGet, ChainDepositsList, ChainTxVerify, type CommandContract, type CommandRequestInput, type CommandResponse } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { NatsBus } from '@switchyard/nats';

/** A verify reads a receipt, blocks and may book a credit: longer than a balance read, still bounded. */
const CHAIN_TIMEOUT_MS = 15_000;

/** The chain-watcher's deposit commands over NATS; unreachable → 503. */
@Injectable()
export class DepositsClient {
  constructor(private readonly bus: NatsBus) {}

  address(workspaceId: string) {
    return this.ask(ChainAddressGet, { workspaceId });
  }

  list(workspaceId: string, limit: number) {
    return this.ask(ChainDepositsList, { workspaceId, limit });
  }

  verify(workspaceId: string, txHash: string) {
    return this.ask(ChainTxVerify, { workspaceId, txHash });
  }

  private async ask<C extends CommandContract>(contract: C, payload: CommandRequestInput<C>): Promise<CommandResponse<C>> {
    try {
      return await this.bus.request(contract, payload, { timeoutMs: CHAIN_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') throw error;
      throw new AppError('service_unavailable', 'Deposits are unavailable; retry shortly.', { cause: error });
    }
  }
}
