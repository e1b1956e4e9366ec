import type { GatewayTestStack } from './gateway-test-stack';

/**
 * Sends a request while the stack's ledger is paused (SIGSTOP), so it waits at its hold, and leaves 300 ms later.
 * The ledger resumes 300 ms after that, well inside the gateway's LEDGER_TIMEOUT_MS: the hold is then placed for a
 * client that is already gone. Returns what fetch settled with (an AbortError).
 */
export async function leaveWhileHoldIsPlaced(stack: GatewayTestStack, path: string, init: RequestInit): Promise<unknown> {
  const ledger = stack.stack.services.get('ledger')!.process;
  ledger.kill('SIGSTOP');
  try {
    const controller = new AbortController();
    const pending = fetch(`${stack.gatewayUrl}${path}`, { ...init, signal: controller.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const outcome = await pending;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return outcome;
  } finally {
    ledger.kill('SIGCONT');
  }
}

/** The workspace's charges as billing recorded them, found by one of its API keys. */
export const CHARGES_OF_KEY_SQL =
  'SELECT c.outcome, c.settlement, c.prompt_tokens, c.completion_tokens, c.cost_micros::text FROM billing.charges c JOIN gateway.api_keys k ON k.workspace_id = c.workspace_id WHERE k.key_hash = encode(sha256($1::bytea), $2)';
