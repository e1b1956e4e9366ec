import type { Provider } from '@nestjs/common';
import { NatsBus } from '@switchyard/nats';
import type { GatewayEnv } from '../config/gateway.env';
import { BillingQueriesClient } from '../routes/usage/billing-queries.client';
import { McpToolsFactory } from './mcp-tools.factory';

/** The usage report is a read over a window, bounded like the HTTP route's. */
const MCP_BILLING_QUERY_TIMEOUT_MS = 10_000;

/**
 * What the MCP controller needs in the app module. UsageRoutesModule does not export its billing client, so the MCP
 * tools get their own instance (stateless over the shared NATS connection).
 */
export function mcpProviders(env: GatewayEnv): Provider[] {
  return [
    McpToolsFactory,
    {
      provide: BillingQueriesClient,
      useFactory: (bus: NatsBus) => new BillingQueriesClient(bus, { billingTimeoutMs: MCP_BILLING_QUERY_TIMEOUT_MS, ledgerTimeoutMs: env.LEDGER_TIMEOUT_MS }),
      inject: [NatsBus],
    },
  ];
}
