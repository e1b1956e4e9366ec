import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { callApi, CliError, type Print, resolveTarget } from './api-client';

interface DepositAddress { address: string; chain_id: number; token: { address: string; symbol: string; decimals: number }; minimum_usd: string; fee_basis_points: number }
interface Deposit { id: string; tx_hash: string; amount_usd: string; status: string; confirmations: string; credit_status: string; credit: { fee_micros: string; net_micros: string; net_usd: string } | null }
interface DepositList { data: Deposit[]; below_minimum_micros: string }
interface Verify { tx_hash: string; status: string; confirmations: string | null; deposits: Deposit[] }
interface DevChain { rpcUrl: string; chainId: number; token: string; payerMnemonicIndex: number }

/** anvil's well-known funded test accounts: only ever used against the local dev chain from `make up`. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

const line = (d: Deposit) =>
  `${d.tx_hash}  $${d.amount_usd}  ${d.status}${d.status === 'pending' ? ` (${d.confirmations} confirmations)` : ''}  ${d.credit_status}${d.credit ? `  net $${d.credit.net_usd}, fee ${d.credit.fee_micros} µUSD` : ''}`;

function devChain(cwd = process.cwd()): DevChain {
  let dev: { chain?: DevChain } = {};
  try {
    dev = JSON.parse(readFileSync(join(cwd, '.switchyard', 'dev.json'), 'utf8'));
  } catch {
    // no local stack
  }
  if (!dev.chain) throw new CliError('`deposit send` is for the local dev chain only: run `make up` first (it writes .switchyard/dev.json).', 1);
  return dev.chain;
}

/** `switchyard deposit address|list|verify|send`: USDT funding of the key's workspace. */
export function registerDepositCommands(program: Command, print: Print): void {
  const json = () => Boolean(program.opts().json);
  const deposit = program.command('deposit').description('fund credits with USDT: your deposit address, deposits, verify a transaction');

  deposit
    .command('address')
    .description('the workspace’s deposit address')
    .action(async () => {
      const a = await callApi<DepositAddress>(resolveTarget(), '/api/v1/deposits/address');
      print(json(), a, () => `${a.address}\n${a.token.symbol} (${a.token.address}) on chain ${a.chain_id}; minimum $${a.minimum_usd}, fee ${a.fee_basis_points / 100} %`);
    });

  deposit
    .command('list')
    .description('pending and credited deposits, with fee and net')
    .action(async () => {
      const page = await callApi<DepositList>(resolveTarget(), '/api/v1/deposits');
      print(json(), page, () => (page.data.length ? page.data.map(line).join('\n') : 'no deposits yet'));
    });

  deposit
    .command('verify <txHash>')
    .description('look a transaction up now instead of waiting for the watcher')
    .action(async (txHash: string) => {
      const result = await callApi<Verify>(resolveTarget(), '/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: txHash } });
      print(json(), result, () => [`${result.tx_hash}: ${result.status}`, ...result.deposits.map(line)].join('\n'));
    });

  deposit
    .command('send')
    .description('dev only: send demo USDT from a funded local account to the workspace’s deposit address')
    .requiredOption('--amount <usd>', 'USDT to send, e.g. 10 or 2.5')
    .action(async (options: { amount: string }) => {
      const chain = devChain();
      if (chain.chainId === 137) throw new CliError('refusing to send on chain 137: `deposit send` is for local chains only', 1);
      const { createPublicClient, createWalletClient, defineChain, erc20Abi, http, parseUnits } = await import('viem');
      const { mnemonicToAccount } = await import('viem/accounts');
      if (!/^\d{1,9}(\.\d{1,6})?$/.test(options.amount)) throw new CliError('--amount must be a positive USDT amount with at most 6 decimals', 1);
      const amount = parseUnits(options.amount, 6); // decimal string → base units, no float
      if (amount <= 0n) throw new CliError('--amount must be positive', 1);
      const target = resolveTarget();
      const { address } = await callApi<DepositAddress>(target, '/api/v1/deposits/address');
      const local = defineChain({ id: chain.chainId, name: 'local', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [chain.rpcUrl] } } });
      const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: chain.payerMnemonicIndex });
      let hash: `0x${string}`;
      try {
        const wallet = createWalletClient({ account, chain: local, transport: http(chain.rpcUrl) });
        hash = await wallet.writeContract({ address: chain.token as `0x${string}`, abi: erc20Abi, functionName: 'transfer', args: [address as `0x${string}`, amount] });
        await createPublicClient({ chain: local, transport: http(chain.rpcUrl), pollingInterval: 250 }).waitForTransactionReceipt({ hash, timeout: 30_000 });
      } catch (error) {
        throw new CliError(`local chain at ${chain.rpcUrl}: ${(error as Error).message.split('\n')[0]}`, 2);
      }
      const sent = { tx_hash: hash, to: address, amount_base_units: amount.toString(), token: chain.token, chain_id: chain.chainId };
      print(json(), sent, () => `sent ${options.amount} USDT to ${address}\ntx ${hash}\ncredited once final (a few seconds); check with: switchyard deposit list`);
    });
}
