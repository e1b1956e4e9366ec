// Billing's settlement backlog: completions the gateway published that billing has not settled yet (its JetStream
// consumers' pending and unacked messages). A backlog left by earlier runs loads the next one with work that is not
// its own, and one that grows during a scenario means its CPU figures leave settlement out (bench/README.md).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const STREAM = 'GATEWAY_EVENTS';
const CONSUMERS = ['billing-request-completed', 'billing-requests-completed'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Messages waiting for billing, summed over its consumers (consumers that do not exist count none). */
async function backlogOf(jsm) {
  let messages = 0;
  for (const durable of CONSUMERS) {
    const info = await jsm.consumers.info(STREAM, durable).catch(() => undefined);
    if (info) messages += info.num_pending + info.num_ack_pending;
  }
  return messages;
}

/**
 * Waits until billing has settled everything published (or `timeoutMs`); resolves with the backlog left, 0 when
 * NATS cannot be reached (nothing to wait for then). One connection for the whole wait.
 */
export async function waitForSettlement(timeoutMs, servers = process.env.NATS_URL ?? '127.0.0.1:4222') {
  const deadline = Date.now() + timeoutMs;
  let nc;
  try {
    nc = await connect({ servers, timeout: 2_000 });
    const jsm = await jetstreamManager(nc);
    for (;;) {
      const backlog = await backlogOf(jsm);
      if (backlog === 0 || Date.now() >= deadline) return backlog;
      await sleep(250);
    }
  } catch {
    return 0;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}
