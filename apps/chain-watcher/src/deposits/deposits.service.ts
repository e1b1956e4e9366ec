import { Inject, Injectable } from '@nestjs/common';
import type { ChainAddressGet, ChainDepositsList, ChainTxVerify, CommandRequest, CommandResponse } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { baseUnitsToMicros, type TokenAsset } from '@switchyard/money';
import { getAddress, type Hash } from 'viem';
import { DepositAddressesRepository } from '../addresses/deposit-addresses.repository';
import { XpubDerivation } from '../addresses/xpub-derivation';
import { CHAIN_WATCHER_ENV, type ChainWatcherEnv } from '../config/chain-watcher.env';
import { ChainReader } from '../follower/chain.reader';
import { FollowerCursorRepository } from '../follower/follower-cursor.repository';
import { FundingService } from '../funding/funding.service';
import { OutboxRelay } from '../outbox/outbox.relay';
import { DepositAsset } from './deposit-asset';
import { toDepositView } from './deposit.view';
import { DepositsRepository, type OwnedTransfer } from './deposits.repository';

/** Deposit addresses, the deposit list and "verify now" — the chain-watcher's answers over NATS. */
@Injectable()
export class DepositsService {
  private readonly derivation?: XpubDerivation;

  constructor(
    private readonly addresses: DepositAddressesRepository,
    private readonly deposits: DepositsRepository,
    private readonly cursors: FollowerCursorRepository,
    private readonly reader: ChainReader,
    private readonly asset: DepositAsset,
    private readonly relay: OutboxRelay,
    private readonly funding: FundingService,
    @Inject(CHAIN_WATCHER_ENV) private readonly env: ChainWatcherEnv,
  ) {
    if (env.CHAIN_DEPOSIT_XPUB) this.derivation = new XpubDerivation(env.CHAIN_DEPOSIT_XPUB);
  }

  async address(request: CommandRequest<typeof ChainAddressGet>): Promise<CommandResponse<typeof ChainAddressGet>> {
    const asset = await this.asset.resolve();
    const derivation = this.derivation;
    let row = await this.addresses.find(request.workspaceId);
    if (!row) {
      if (!derivation) throw new AppError('service_unavailable', 'Deposit addresses are not configured on this deployment (CHAIN_DEPOSIT_XPUB).');
      row = await this.addresses.create(request.workspaceId, (index) => derivation.address(index));
    }
    return {
      workspaceId: request.workspaceId,
      chainId: asset.chainId,
      address: getAddress(row.address),
      token: { address: asset.tokenAddress, symbol: asset.symbol, decimals: asset.decimals },
      minimumMicros: this.env.FUNDING_MINIMUM_MICROS.toString(),
      feeBasisPoints: this.env.FUNDING_FEE_BASIS_POINTS,
    };
  }

  async list(request: CommandRequest<typeof ChainDepositsList>): Promise<CommandResponse<typeof ChainDepositsList>> {
    const asset = await this.asset.resolve();
    const [rows, cursor, uncredited] = await Promise.all([
      this.deposits.listForWorkspace(request.workspaceId, request.limit),
      this.cursors.read(asset.chainId),
      this.deposits.uncreditedBaseUnits(request.workspaceId),
    ]);
    const belowMinimum = uncredited < this.funding.minimumBaseUnits(asset);
    return {
      deposits: rows.map((row) => toDepositView(row, { asset, head: cursor?.head, belowMinimum })),
      belowMinimumMicros: (belowMinimum ? baseUnitsToMicros(uncredited, asset, 'floor') : 0n).toString(),
      minimumMicros: this.env.FUNDING_MINIMUM_MICROS.toString(),
      feeBasisPoints: this.env.FUNDING_FEE_BASIS_POINTS,
    };
  }

  /**
   * Looks the transaction up now: receipt success, Transfer logs emitted by the token, to one of our addresses,
   * still canonical. Each matching log is recorded for the workspace that owns its receiving address — whoever
   * asked — and the caller sees only its own deposits. Final logs go through the same idempotent path as the follower.
   */
  async verify(request: CommandRequest<typeof ChainTxVerify>): Promise<CommandResponse<typeof ChainTxVerify>> {
    const asset = await this.asset.resolve();
    const txHash = request.txHash.toLowerCase() as Hash;
    const lookup = await this.reader.receipt(txHash);
    if (lookup.status !== 'found') return { txHash, status: lookup.status, confirmations: null, deposits: [] };
    const owners = await this.addresses.owners(lookup.transfers.map((t) => t.to));
    const owned: OwnedTransfer[] = lookup.transfers.flatMap((t) => {
      const workspaceId = owners.get(t.to.toLowerCase());
      return workspaceId ? [{ ...t, workspaceId }] : [];
    });
    if (owned.length === 0) return { txHash, status: 'no_matching_transfer', confirmations: null, deposits: [] };
    // A receipt from a block that is no longer canonical (reorg) proves nothing.
    if ((await this.reader.blockHash(lookup.blockNumber)) !== lookup.blockHash) return { txHash, status: 'not_found', confirmations: null, deposits: [] };
    const head = await this.reader.head();
    const finalized = await this.reader.finalized(head);
    const info = { chainId: asset.chainId, token: asset.tokenAddress, symbol: asset.symbol, decimals: asset.decimals };
    const final = lookup.blockNumber <= finalized;
    if (final) await this.deposits.recordFinal(info, owned);
    else await this.deposits.recordPending(info, owned, undefined);
    if (final) {
      await this.relay.flush();
      // Accelerate: settle the owners now instead of waiting for the event (idempotent either way).
      for (const workspaceId of new Set(owned.map((t) => t.workspaceId))) {
        await this.funding.settle(workspaceId, asset).catch(() => undefined);
      }
    }
    const mine = await this.deposits.listForTx(asset.chainId, txHash, request.workspaceId);
    if (mine.length === 0) return { txHash, status: 'no_matching_transfer', confirmations: null, deposits: [] };
    const uncredited = await this.deposits.uncreditedBaseUnits(request.workspaceId);
    const belowMinimum = uncredited < this.funding.minimumBaseUnits(asset);
    return {
      txHash,
      status: final ? 'confirmed' : 'pending',
      confirmations: (head - lookup.blockNumber + 1n).toString(),
      deposits: mine.map((row) => toDepositView(row, { asset, head, belowMinimum })),
    };
  }
}
