/** Account codes in the chart of accounts; the ledger creates the system ones by migration. */
export const SYSTEM_ACCOUNTS = {
  ownerEquity: 'equity:owner',
  promotionsExpense: 'expense:promotions',
  unbilledUsageExpense: 'expense:unbilled_usage',
  fundingFeeRevenue: 'revenue:funding_fees',
  usageRevenue: 'revenue:usage',
} as const;

export function workspaceCreditAccount(workspaceId: string): string {
  return `liability:workspace_credit:${workspaceId}`;
}

export function workspaceReceivableAccount(workspaceId: string): string {
  return `asset:workspace_receivable:${workspaceId}`;
}

export function providerPayableAccount(providerId: string): string {
  return `liability:provider_payable:${providerId}`;
}

export function cryptoAssetAccount(chainId: number, tokenSymbol: string): string {
  return `asset:crypto:${chainId}:${tokenSymbol.toLowerCase()}`;
}

/** Why money moved; stored on every transfer. */
export const TRANSFER_REASONS = ['usage_hold', 'usage_capture', 'usage_overage', 'deposit', 'funding_fee', 'starter_credit', 'operator_grant', 'correction', 'agent_payment'] as const;
export type TransferReason = (typeof TRANSFER_REASONS)[number];
