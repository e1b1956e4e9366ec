type McpServerModule = typeof import('@modelcontextprotocol/sdk/server/mcp.js');
type StreamableHttpModule = typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js');

let loaded: { McpServer: McpServerModule['McpServer']; StreamableHTTPServerTransport: StreamableHttpModule['StreamableHTTPServerTransport'] } | undefined;

/**
 * The MCP SDK, loaded by the first `/mcp` request: with its JSON-schema tooling (ajv, zod-to-json-schema) it is
 * ~9 MB of heap that a gateway nobody manages over MCP never needs. That request pays the load once, ~0.2 s on the
 * event loop. bench/README.md "Memory and soak".
 */
export function mcpSdk(): NonNullable<typeof loaded> {
  if (!loaded) {
    const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js') as McpServerModule;
    const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js') as StreamableHttpModule;
    loaded = { McpServer, StreamableHTTPServerTransport };
  }
  return loaded;
}
