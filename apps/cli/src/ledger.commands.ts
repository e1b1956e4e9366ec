import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { callAdminApi, callAdminApiText, type Print, resolveTarget } from './api-client';

interface AccountBalance { accountCode: string; type: string; balanceMicros: string; availableMicros: string; debitsPendingMicros: string; creditsPendingMicros: string }
interface StatementPage {
  accountCode: string;
  openingBalanceMicros: string;
  lines: Array<{ transferId: string; createdAt: string; kind: string; direction: string; counterpartyCode: string; amountMicros: string; reason: string; balanceMicros: string }>;
  nextCursor: string | null;
}
interface TrialBalance { asOf: string; accounts: Array<{ accountCode: string; debitsPostedMicros: string; creditsPostedMicros: string; balanceMicros: string }>; totals: { debitsPostedMicros: string; creditsPostedMicros: string }; balanced: boolean }
interface Audit { balanced: boolean; sumMicros: string; mismatches: Array<{ accountCode: string; field: string; cachedMicros: string; recomputedMicros: string }>; overdrawnAccounts: string[] }

const query = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return search.size ? `?${search}` : '';
};
const account = (code: string) => encodeURIComponent(code);

/** `switchyard ledger …`: the finance read side (operator token in SWITCHYARD_ADMIN_TOKEN). */
export function registerLedgerCommands(program: Command, print: Print): void {
  const json = () => Boolean(program.opts().json);
  const ledger = program.command('ledger').description('finance: balances, statements, trial balance, journal export, audit (needs SWITCHYARD_ADMIN_TOKEN)');

  ledger
    .command('balances [code]')
    .description('balance of one account, or of every account (optionally by code prefix)')
    .option('--prefix <prefix>', 'only accounts whose code starts with this')
    .option('--after <code>', 'page after this account code')
    .option('--limit <n>', 'accounts per page (max 500)', '100')
    .action(async (code: string | undefined, options: { prefix?: string; after?: string; limit: string }) => {
      const target = resolveTarget();
      const accounts = code
        ? [await callAdminApi<AccountBalance>(target, `/api/v1/admin/ledger/accounts/${account(code)}`)]
        : (await callAdminApi<{ accounts: AccountBalance[] }>(target, `/api/v1/admin/ledger/accounts${query({ prefix: options.prefix, after: options.after, limit: options.limit })}`)).accounts;
      print(json(), code ? accounts[0] : accounts, () => accounts.map((a) => `${a.accountCode}\t${a.type}\tbalance ${a.balanceMicros}\tavailable ${a.availableMicros} µUSD`).join('\n'));
    });

  ledger
    .command('statement <code>')
    .description('transfers of one account, oldest first, with the running balance')
    .option('--cursor <transferId>', 'continue after this transfer (nextCursor of the previous page)')
    .option('--limit <n>', 'lines per page (max 500)', '100')
    .action(async (code: string, options: { cursor?: string; limit: string }) => {
      const page = await callAdminApi<StatementPage>(resolveTarget(), `/api/v1/admin/ledger/accounts/${account(code)}/statement${query({ cursor: options.cursor, limit: options.limit })}`);
      print(json(), page, () =>
        [
          `${page.accountCode}  opening ${page.openingBalanceMicros} µUSD`,
          ...page.lines.map((l) => `${l.transferId}\t${l.createdAt}\t${l.kind}\t${l.direction}\t${l.amountMicros}\t${l.reason}\t${l.counterpartyCode}\tbalance ${l.balanceMicros}`),
          page.nextCursor ? `more: --cursor ${page.nextCursor}` : '(end)',
        ].join('\n'),
      );
    });

  ledger
    .command('trial-balance')
    .description('posted debits and credits of every account as of a moment (one snapshot)')
    .option('--as-of <timestamp>', 'ISO 8601 timestamp with offset (default: now)')
    .action(async (options: { asOf?: string }) => {
      const trial = await callAdminApi<TrialBalance>(resolveTarget(), `/api/v1/admin/ledger/trial-balance${query({ as_of: options.asOf })}`);
      print(json(), trial, () =>
        [
          `as of ${trial.asOf}`,
          ...trial.accounts.map((a) => `${a.accountCode}\tdr ${a.debitsPostedMicros}\tcr ${a.creditsPostedMicros}\tbalance ${a.balanceMicros}`),
          `total\tdr ${trial.totals.debitsPostedMicros}\tcr ${trial.totals.creditsPostedMicros}\t${trial.balanced ? 'balanced' : 'NOT BALANCED'}`,
        ].join('\n'),
      );
    });

  ledger
    .command('export')
    .description('journal export for a time range [from, to)')
    .requiredOption('--from <timestamp>', 'ISO 8601 timestamp with offset')
    .requiredOption('--to <timestamp>', 'ISO 8601 timestamp with offset')
    .option('--format <format>', 'csv or jsonl', 'jsonl')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(async (options: { from: string; to: string; format: string; out?: string }) => {
      const body = await callAdminApiText(resolveTarget(), `/api/v1/admin/ledger/journal${query({ from: options.from, to: options.to, format: options.format })}`);
      if (options.out) writeFileSync(options.out, body, { mode: 0o600 });
      else process.stdout.write(body);
    });

  ledger
    .command('audit')
    .description('recompute every account from the transfers; exit 1 if the ledger is not balanced')
    .action(async () => {
      const audit = await callAdminApi<Audit>(resolveTarget(), '/api/v1/admin/ledger/audit');
      print(json(), audit, () =>
        [
          `${audit.balanced ? 'balanced' : 'NOT BALANCED'}: sum ${audit.sumMicros} µUSD, ${audit.mismatches.length} mismatches, ${audit.overdrawnAccounts.length} overdrawn`,
          ...audit.mismatches.map((m) => `${m.accountCode}\t${m.field}\tcached ${m.cachedMicros}\trecomputed ${m.recomputedMicros}`),
        ].join('\n'),
      );
      if (!audit.balanced) process.exitCode = 1;
    });
}
