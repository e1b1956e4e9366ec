// Billing's settlement backlog: completions the gateway published that billing has not settled yet (its JetStream
// consumers' pending and unacked messages). A backlog left by earlier runs loads the next one with work that is not
// its own, and one that grows during a scenario means its CPU figures leave settlement out (bench/README.md).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const STREAM = 'GATEWAY_EVENTS';
const CONSUMERS = ['billing-request-completed', 'billing-requests-completed'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Messages waiting for billing, summed over its consumers; undefined when NATS or the stream is not there. */
export async function settlementBacklog(servers = process.env.NATS_URL ?? '127.0.0.1:4222') {
  let nc;
  try {
    nc = await connect({ servers, timeout: 2_000 });
    const jsm = await jetstreamManager(nc);
    let messages = 0;
    for (const durable of CONSUMERS) {
      const info = await jsm.consumers.info(STREAM, durable).catch(() => undefined);
      if (info) messages += info.num_pending + info.num_ack_pending;
    }
    return messages;
  } catch {
    return undefined;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}

/** Waits until billing has settled everything published (or `timeoutMs`); resolves with the backlog left. */
export async function waitForSettlement(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const backlog = await settlementBacklog();
    if (!backlog || Date.now() >= deadline) return backlog ?? 0;
    await sleep(250);
  }
}
