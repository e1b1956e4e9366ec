import { Injectable, Logger } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '@switchyard/errors';
import { microsToUsd } from '@switchyard/money';
import { PriceTable } from '@switchyard/pricing';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { CreateKeySchema } from '../keys/keys.schemas';
import { KeysService } from '../keys/keys.service';
import { ProviderRegistry } from '../providers/provider-registry';
import { DepositsClient } from '../routes/deposits/deposits.client';
import { formatDepositAddress } from '../routes/deposits/deposits.format';
import { ModelsController } from '../routes/models/models.controller';
import { BillingQueriesClient } from '../routes/usage/billing-queries.client';
import { LedgerReportsClient } from '../routes/usage/ledger-reports.client';
import { formatUsageReport } from '../routes/usage/usage-routes.format';
import { UsageQuerySchema } from '../routes/usage/usage-routes.schemas';
import { mcpSdk } from './mcp-sdk';

const SERVER_INFO = { name: 'switchyard', version: '1.0.0' };

/**
 * The management actions as MCP tools, one server per request for one principal (stateless streamable HTTP). Each
 * tool calls the same service as its HTTP route, so the rules (who may create or revoke which key) are the same.
 */
@Injectable()
export class McpToolsFactory {
  private readonly logger = new Logger(McpToolsFactory.name);
  /** `/v1/models` is pure over the price table and enabled providers; the tool answers exactly what the route does. */
  private readonly models: ModelsController;

  constructor(
    private readonly keys: KeysService,
    private readonly ledger: LedgerReportsClient,
    private readonly billing: BillingQueriesClient,
    private readonly deposits: DepositsClient,
    priceTable: PriceTable,
    providers: ProviderRegistry,
  ) {
    this.models = new ModelsController(priceTable, providers);
  }

  create(principal: Principal): McpServer {
    const { McpServer } = mcpSdk();
    const server = new McpServer(SERVER_INFO, { instructions: 'Manage a Switchyard workspace: balance, API keys, usage, models and the USDT deposit address. Amounts are micro-USD decimal strings (1 USD = 1000000).' });
    const readOnly = { readOnlyHint: true, openWorldHint: false };

    server.registerTool('balance', { description: 'The workspace balance: posted, pending (held for requests in flight) and available micro-USD.', annotations: readOnly }, () =>
      this.run(async () => {
        const b = await this.ledger.balance(principal.workspaceId);
        return { workspace_id: principal.workspaceId, posted_micros: b.postedMicros, pending_micros: b.pendingMicros, available_micros: b.availableMicros, posted_usd: microsToUsd(BigInt(b.postedMicros)), available_usd: microsToUsd(BigInt(b.availableMicros)) };
      }),
    );

    server.registerTool('keys_list', { description: 'The workspace\u2019s API keys (never the raw key).', annotations: readOnly }, () => this.run(() => this.keys.list(principal)));

    server.registerTool(
      'keys_create',
      { description: 'Create an inference API key (optionally with a credit limit and expiry). The raw key is in this answer only: store it now.', inputSchema: CreateKeySchema, annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: false } },
      (body) => this.run(() => this.keys.create(principal, body)),
    );

    server.registerTool(
      'keys_revoke',
      { description: 'Revoke an API key by its id; it stops working on every gateway replica within a second.', inputSchema: { id: z.string().min(1).max(100).describe('The key id from keys_list') }, annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false } },
      ({ id }) => this.run(() => this.keys.revoke(principal, id)),
    );

    server.registerTool('usage', { description: 'Usage totals and breakdowns (by model, key, day) over the last `days` days.', inputSchema: UsageQuerySchema, annotations: readOnly }, ({ days }) =>
      this.run(async () => formatUsageReport(await this.billing.usage(principal.workspaceId, days))),
    );

    server.registerTool('models', { description: 'Models this gateway serves, with pricing, context length and capabilities (as GET /v1/models).', annotations: readOnly }, () => this.run(async () => this.models.list()));

    server.registerTool('deposit_address', { description: 'The workspace\u2019s USDT deposit address, its chain, the minimum deposit and the fee.', annotations: readOnly }, () =>
      this.run(async () => formatDepositAddress(await this.deposits.address(principal.workspaceId))),
    );

    return server;
  }

  /** JSON text result; our errors become tool errors with their message, anything else a generic one (logged). */
  private async run(action: () => Promise<unknown>): Promise<CallToolResult> {
    try {
      return { content: [{ type: 'text', text: JSON.stringify(await action(), null, 2) }] };
    } catch (error) {
      if (error instanceof AppError) return { isError: true, content: [{ type: 'text', text: `${error.code}: ${error.message}` }] };
      this.logger.error({ err: error }, 'MCP tool failed');
      return { isError: true, content: [{ type: 'text', text: 'internal: the tool failed; retry shortly.' }] };
    }
  }
}
