import type { DepositView } from '@switchyard/contracts';
import { depositKey } from '@switchyard/contracts';
import { baseUnitsToMicros, type TokenAsset } from '@switchyard/money';
import type { z } from 'zod';
import type { DepositRow } from './deposits.repository';

/** A deposit as the API shows it: chain status with confirmations, and what funding made of it. */
export function toDepositView(row: DepositRow, context: { asset: TokenAsset; head: bigint | undefined; belowMinimum: boolean }): z.output<typeof DepositView> {
  const confirmations = context.head !== undefined && context.head >= row.blockNumber && row.status !== 'dropped' ? context.head - row.blockNumber + 1n : 0n;
  let creditStatus: z.output<typeof DepositView>['creditStatus'];
  if (row.status === 'pending') creditStatus = 'not_final';
  else if (row.status === 'dropped') creditStatus = 'none';
  else if (!row.credit) creditStatus = context.belowMinimum ? 'below_minimum' : 'crediting';
  else creditStatus = row.credit.bookedAt ? 'credited' : 'crediting';
  return {
    key: depositKey(row.chainId, row.txHash, row.logIndex),
    chainId: row.chainId,
    txHash: row.txHash,
    logIndex: row.logIndex,
    blockNumber: row.blockNumber.toString(),
    from: row.fromAddress,
    to: row.toAddress,
    amountBaseUnits: row.amountBaseUnits.toString(),
    amountMicros: baseUnitsToMicros(row.amountBaseUnits, context.asset, 'floor').toString(),
    status: row.status,
    confirmations: confirmations.toString(),
    creditStatus,
    credit: row.credit
      ? { creditId: row.credit.id, grossMicros: row.credit.grossMicros.toString(), feeMicros: row.credit.feeMicros.toString(), netMicros: row.credit.netMicros.toString(), bookedAt: row.credit.bookedAt }
      : null,
    seenAt: row.seenAt,
    confirmedAt: row.confirmedAt,
  };
}
