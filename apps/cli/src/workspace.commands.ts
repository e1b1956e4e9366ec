import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { callApi, CliError, type Print, resolveTarget } from './api-client';

interface Key { id: string; name: string; kind: string; prefix: string; disabled: boolean; credit_limit_micros: string | null; credit_limit_reset: string | null; created_at: string; expires_at: string | null; revoked_at: string | null }
interface UsageReport { [field: string]: unknown }
interface LogPage { data: Array<Record<string, unknown>>; next_cursor: string | null }
interface Guardrails { scope: string; workspace_id: string; policy: Record<string, unknown>; updated_at: string | null }

const session = { prefer: 'session' as const };

/** "1.5" USD → "1500000" micro-USD, exactly (no floats). */
export function usdToMicrosString(usd: string): string {
  const match = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(usd.trim().replace(/^\$/, ''));
  if (!match) throw new CliError(`Invalid amount "${usd}": use dollars like 5 or 2.50.`, 1);
  return (BigInt(match[1]) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'))).toString();
}

const keyLine = (k: Key) =>
  `${k.id}  ${k.prefix}…  ${k.name}  ${k.kind}${k.revoked_at ? '  REVOKED' : k.disabled ? '  disabled' : ''}${k.credit_limit_micros ? `  limit ${k.credit_limit_micros} µUSD/${k.credit_limit_reset ?? 'never'}` : ''}${k.expires_at ? `  expires ${k.expires_at}` : ''}`;

/** `switchyard keys …`, `usage`, `logs`, `guardrails get|set`: the workspace as the signed-in member (or a management key). */
export function registerWorkspaceCommands(program: Command, print: Print): void {
  const json = () => Boolean(program.opts().json);
  const keys = program.command('keys').description('API keys of your workspace (the raw key is shown once, at creation)');

  keys
    .command('create')
    .description('create an API key')
    .requiredOption('-n, --name <name>', 'a label for the key')
    .option('--limit <usd>', 'spending limit in USD')
    .option('--limit-reset <window>', 'daily | weekly | monthly | never')
    .option('--expires <timestamp>', 'ISO 8601 expiry, e.g. 2030-01-01T00:00:00Z')
    .option('--management', 'a management key (manages keys, cannot call models)')
    .action(async (options: { name: string; limit?: string; limitReset?: string; expires?: string; management?: boolean }) => {
      const body = {
        name: options.name,
        kind: options.management ? 'management' : 'inference',
        ...(options.limit ? { credit_limit_micros: usdToMicrosString(options.limit) } : {}),
        ...(options.limitReset ? { credit_limit_reset: options.limitReset } : {}),
        ...(options.expires ? { expires_at: options.expires } : {}),
      };
      const created = await callApi<{ data: Key; key: string }>(resolveTarget(), '/api/v1/keys', { method: 'POST', body, ...session });
      print(json(), created, () => `${keyLine(created.data)}\n\n${created.key}\n\nSave this key now: it is not shown again. Use it with: SWITCHYARD_API_KEY=${created.key} switchyard env >> .env`);
    });

  keys
    .command('list')
    .description('keys of the workspace (never the raw keys)')
    .action(async () => {
      const list = await callApi<{ data: Key[] }>(resolveTarget(), '/api/v1/keys', session);
      print(json(), list.data, () => (list.data.length ? list.data.map(keyLine).join('\n') : 'No keys yet: `switchyard keys create --name my-app`.'));
    });

  keys
    .command('revoke <id>')
    .description('revoke a key (it stops working everywhere within a second)')
    .action(async (id: string) => {
      const revoked = await callApi<{ data: Key }>(resolveTarget(), `/api/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE', ...session });
      print(json(), revoked.data, () => `Revoked ${revoked.data.prefix}… (${revoked.data.name}).`);
    });

  program
    .command('usage')
    .description('usage totals and breakdowns')
    .option('--days <n>', 'window in days (1–90)', '30')
    .action(async (options: { days: string }) => {
      if (!/^\d{1,2}$/.test(options.days)) throw new CliError('--days must be a number of days from 1 to 90.', 1);
      const report = await callApi<UsageReport>(resolveTarget(), `/api/v1/usage?days=${options.days}`, session);
      print(json(), report, () => JSON.stringify(report, null, 2));
    });

  program
    .command('logs')
    .description('recent requests, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--model <model>', 'only this model')
    .action(async (options: { limit: string; model?: string }) => {
      const query = new URLSearchParams({ limit: options.limit, ...(options.model ? { model: options.model } : {}) });
      const page = await callApi<LogPage>(resolveTarget(), `/api/v1/logs?${query}`, session);
      print(json(), page, () => (page.data.length ? page.data.map((e) => [e.created_at, e.id, e.model, e.outcome ?? e.status, e.cost_micros].filter((v) => v !== undefined).join('  ')).join('\n') : 'No requests yet.'));
    });

  const guardrails = program.command('guardrails').description('workspace limits: models, providers, budgets, rates');

  guardrails
    .command('get')
    .description('the workspace policy')
    .action(async () => {
      const policy = await callApi<Guardrails>(resolveTarget(), '/api/v1/guardrails/workspace', session);
      print(json(), policy, () => (Object.keys(policy.policy).length ? Object.entries(policy.policy).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') : 'No workspace limits.'));
    });

  guardrails
    .command('set')
    .description('replace the workspace policy with a JSON object (`{}` removes every limit)')
    .argument('<policy>', 'JSON text, or @file.json')
    .action(async (text: string) => {
      let policy: unknown;
      try {
        policy = JSON.parse(text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text);
      } catch {
        throw new CliError('The policy must be a JSON object, e.g. \'{"daily_budget_micros":"5000000"}\'.', 1);
      }
      const saved = await callApi<Guardrails>(resolveTarget(), '/api/v1/guardrails/workspace', { method: 'PUT', body: policy, ...session });
      print(json(), saved, () => `Saved: ${JSON.stringify(saved.policy)}`);
    });
}
