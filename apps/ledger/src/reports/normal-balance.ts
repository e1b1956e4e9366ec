import type { AccountRow, AccountType } from './finance.repository';

/** Assets and expenses grow with debits; liabilities, equity and revenue with credits. */
export function isDebitNormal(type: AccountType): boolean {
  return type === 'asset' || type === 'expense';
}

/** Posted balance in the account's normal direction. */
export function postedBalance(type: AccountType, debits: bigint, credits: bigint): bigint {
  return isDebitNormal(type) ? debits - credits : credits - debits;
}

/** Posted balance minus what pending transfers hold against it (the side that would reduce it). */
export function availableBalance(account: AccountRow): bigint {
  const posted = postedBalance(account.type, account.debitsPosted, account.creditsPosted);
  return posted - (isDebitNormal(account.type) ? account.creditsPending : account.debitsPending);
}
