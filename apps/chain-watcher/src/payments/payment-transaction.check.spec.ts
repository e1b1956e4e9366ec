import { encodeFunctionData, erc20Abi, keccak256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { checkPaymentTransaction } from './payment-transaction.check';

const signer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const token = '0xc2132D05D31c914a87C6611C10748AEb04B58e8F' as const;
const recipient = '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720' as const;
const expect137 = { chainId: 137, token, recipient, minimumBaseUnits: 50_000n };

const sign = (overrides: { chainId?: number; to?: `0x${string}`; data?: Hex; value?: bigint } = {}) =>
  signer.signTransaction({
    type: 'eip1559',
    chainId: overrides.chainId ?? 137,
    nonce: 0,
    gas: 60_000n,
    maxFeePerGas: 100n,
    maxPriorityFeePerGas: 1n,
    to: overrides.to ?? token,
    value: overrides.value ?? 0n,
    data: overrides.data ?? encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, 50_000n] }),
  });

describe('checkPaymentTransaction (agent payments, type=transaction)', () => {
  it('accepts transfer(recipient, amount ≥ minimum) to the token on our chain, and recovers the signer', async () => {
    const raw = await sign();
    expect(await checkPaymentTransaction(raw, { ...expect137, source: signer.address })).toEqual({ ok: true, txHash: keccak256(raw), from: signer.address, amountBaseUnits: 50_000n });
  });

  it.each([
    ['chain_mismatch', { chainId: 1 }],
    ['token_mismatch', { to: recipient }],
    ['recipient_mismatch', { data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [token, 50_000n] }) }],
    ['amount_too_low', { data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, 49_999n] }) }],
    ['not_a_token_transfer', { data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [recipient, 50_000n] }) }],
    ['not_a_token_transfer', { value: 1n }],
  ] as const)('rejects %s', async (reason, overrides) => {
    expect(await checkPaymentTransaction(await sign(overrides), expect137)).toMatchObject({ ok: false, reason });
  });

  it('rejects a transaction not signed by the credential source, and garbage', async () => {
    expect(await checkPaymentTransaction(await sign(), { ...expect137, source: recipient })).toMatchObject({ ok: false, reason: 'source_mismatch' });
    expect(await checkPaymentTransaction('0x02deadbeef', expect137)).toMatchObject({ ok: false, reason: 'not_a_token_transfer' });
  });
});
