import type { PaymentRejectionReason } from '@switchyard/contracts';
import {
  type Address,
  decodeFunctionData,
  erc20Abi,
  type Hash,
  type Hex,
  isAddressEqual,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerialized,
} from 'viem';

export interface PaymentExpectation {
  chainId: number;
  token: Address;
  recipient: Address;
  minimumBaseUnits: bigint;
  source?: Address;
}

export type TransactionCheck =
  | { ok: true; txHash: Hash; from: Address; amountBaseUnits: bigint }
  | { ok: false; reason: PaymentRejectionReason; detail: string };

const reject = (reason: PaymentRejectionReason, detail: string): TransactionCheck => ({ ok: false, reason, detail });

/**
 * Checks a signed raw transaction before we broadcast it (no I/O): our chain, a call to the token, exactly
 * `transfer(recipient, amount)` with amount ≥ the minimum, signed by `source` when one is named.
 */
export async function checkPaymentTransaction(serialized: Hex, expect: PaymentExpectation): Promise<TransactionCheck> {
  let tx;
  try {
    tx = parseTransaction(serialized as TransactionSerialized);
  } catch {
    return reject('not_a_token_transfer', 'The signed transaction cannot be decoded.');
  }
  if (tx.chainId !== expect.chainId) return reject('chain_mismatch', `The transaction is for chain ${tx.chainId ?? 'none (pre-EIP-155)'}, not ${expect.chainId}.`);
  if (!tx.to || !isAddressEqual(tx.to, expect.token)) return reject('token_mismatch', 'The transaction does not call the payment token.');
  if (tx.value !== undefined && tx.value !== 0n) return reject('not_a_token_transfer', 'The transaction must not carry native value.');
  let call;
  try {
    call = decodeFunctionData({ abi: erc20Abi, data: tx.data ?? '0x' });
  } catch {
    return reject('not_a_token_transfer', 'The transaction is not an ERC-20 call.');
  }
  if (call.functionName !== 'transfer') return reject('not_a_token_transfer', `The transaction calls ${call.functionName}, not transfer.`);
  const [to, amount] = call.args as readonly [Address, bigint];
  if (!isAddressEqual(to, expect.recipient)) return reject('recipient_mismatch', 'The transfer does not pay the challenge recipient.');
  if (amount < expect.minimumBaseUnits) return reject('amount_too_low', `The transfer pays ${amount} base units; the challenge asks for ${expect.minimumBaseUnits}.`);
  let from: Address;
  try {
    from = await recoverTransactionAddress({ serializedTransaction: serialized as TransactionSerialized });
  } catch {
    return reject('not_a_token_transfer', 'The transaction signature cannot be recovered.');
  }
  if (expect.source && !isAddressEqual(from, expect.source)) return reject('source_mismatch', 'The transaction is not signed by the credential source.');
  return { ok: true, txHash: keccak256(serialized), from, amountBaseUnits: amount };
}
