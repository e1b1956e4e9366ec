import { Command } from 'commander';
import { callApi, CliError, resolveTarget } from './api-client';
import { registerAuthCommands } from './auth.commands';
import { registerDepositCommands } from './deposit.commands';
import { registerLedgerCommands } from './ledger.commands';
import { registerWorkspaceCommands } from './workspace.commands';

interface Credits { workspace_id: string; balance_micros: string; pending_micros: string; available_micros: string; balance_usd: string }
interface ModelList { data: Array<{ id: string; context_length?: number; pricing?: Record<string, string> }> }
interface Completion { id: string; model: string; choices: Array<{ message: { content: string | null } }>; usage: { total_tokens: number; cost_micros?: string } }

const print = (json: boolean, value: unknown, human: () => string) => process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`);

const program = new Command()
  .name('switchyard')
  .description('Switchyard LLM gateway from the terminal (uses SWITCHYARD_API_URL and SWITCHYARD_API_KEY)')
  .option('--json', 'machine-readable output')
  .showHelpAfterError();

program
  .command('balance')
  .description('credit balance of the key’s workspace')
  .action(async () => {
    const credits = await callApi<Credits>(resolveTarget(), '/api/v1/credits');
    print(program.opts().json, credits, () => `$${credits.balance_usd} (available ${credits.available_micros} µUSD, held ${credits.pending_micros} µUSD)`);
  });

program
  .command('models')
  .description('models this gateway serves, with prices')
  .action(async () => {
    const models = await callApi<ModelList>(resolveTarget(), '/v1/models');
    print(program.opts().json, models.data, () => models.data.map((m) => `${m.id}\tcontext ${m.context_length ?? '?'}`).join('\n'));
  });

program
  .command('env')
  .description('print OPENAI_API_KEY and OPENAI_BASE_URL for this gateway')
  .action(() => {
    const target = resolveTarget();
    if (!target.apiKey) throw new CliError('No API key to print: create one with `switchyard keys create --name my-app`, then run `SWITCHYARD_API_KEY=<key> switchyard env`.', 1);
    const values = { OPENAI_API_KEY: target.apiKey ?? '', OPENAI_BASE_URL: `${target.url}/v1` };
    print(program.opts().json, values, () => Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n'));
  });

program
  .command('test')
  .description('send one small completion and show model, tokens and cost')
  .option('-m, --model <model>', 'model id', 'demo/echo')
  .action(async (options: { model: string }) => {
    const completion = await callApi<Completion>(resolveTarget(), '/v1/chat/completions', {
      method: 'POST',
      body: { model: options.model, messages: [{ role: 'user', content: 'Say hello to Switchyard.' }], max_tokens: 32 },
    });
    print(program.opts().json, { ok: true, model: completion.model, id: completion.id, usage: completion.usage, content: completion.choices[0]?.message.content ?? '' }, () => `OK connected (${completion.model})\n${completion.usage.total_tokens} tokens, cost ${completion.usage.cost_micros ?? '?'} µUSD`);
  });

registerAuthCommands(program, print);
registerWorkspaceCommands(program, print);
registerLedgerCommands(program, print);
registerDepositCommands(program, print);

program.parseAsync(process.argv).catch((error: unknown) => {
  const exitCode = error instanceof CliError ? error.exitCode : 3;
  const message = (error as Error).message;
  if (program.opts().json) {
    const status = error instanceof CliError ? (error.status ?? null) : null;
    const code = error instanceof CliError ? (error.code ?? null) : null;
    process.stdout.write(`${JSON.stringify({ error: { message, status, code, exit_code: exitCode } })}\n`);
  }
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(exitCode);
});
