import type { TokenAsset } from '@switchyard/money';
import type { GatewayEnv } from '../config/gateway.env';
import { viem } from '../wallets/viem';

type PaymentAssetEnv = Pick<GatewayEnv, 'AGENT_PAYMENTS_CHAIN_ID' | 'AGENT_PAYMENTS_TOKEN_ADDRESS' | 'AGENT_PAYMENTS_TOKEN_DECIMALS' | 'AGENT_PAYMENTS_TOKEN_SYMBOL'>;

/** The token agents pay in and refunds go out in (USDT on Polygon by default), its address checksummed. */
export function paymentAsset(env: PaymentAssetEnv): TokenAsset {
  return { chainId: env.AGENT_PAYMENTS_CHAIN_ID, tokenAddress: viem().getAddress(env.AGENT_PAYMENTS_TOKEN_ADDRESS), decimals: env.AGENT_PAYMENTS_TOKEN_DECIMALS, symbol: env.AGENT_PAYMENTS_TOKEN_SYMBOL };
}
