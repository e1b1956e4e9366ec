import type { ChainAddressGet, CommandResponse, DepositView } from '@switchyard/contracts';
import { microsToUsd } from '@switchyard/money';
import type { z } from 'zod';

/** One deposit on the public API: snake_case, money as micro-USD strings plus a USD decimal for display. */
export function formatDeposit(d: z.output<typeof DepositView>) {
  return {
    id: d.key,
    chain_id: d.chainId,
    tx_hash: d.txHash,
    log_index: d.logIndex,
    block_number: d.blockNumber,
    from: d.from,
    to: d.to,
    amount_base_units: d.amountBaseUnits,
    amount_micros: d.amountMicros,
    amount_usd: microsToUsd(BigInt(d.amountMicros)),
    status: d.status,
    confirmations: d.confirmations,
    credit_status: d.creditStatus,
    credit: d.credit && {
      id: d.credit.creditId,
      gross_micros: d.credit.grossMicros,
      fee_micros: d.credit.feeMicros,
      net_micros: d.credit.netMicros,
      net_usd: microsToUsd(BigInt(d.credit.netMicros)),
      booked_at: d.credit.bookedAt,
    },
    seen_at: d.seenAt,
    confirmed_at: d.confirmedAt,
  };
}

/** The workspace's deposit address on the public API (the HTTP route and the MCP tool answer the same). */
export function formatDepositAddress(a: CommandResponse<typeof ChainAddressGet>) {
  return {
    workspace_id: a.workspaceId,
    address: a.address,
    chain_id: a.chainId,
    token: a.token,
    minimum_micros: a.minimumMicros,
    minimum_usd: microsToUsd(BigInt(a.minimumMicros)),
    fee_basis_points: a.feeBasisPoints,
  };
}
