import { defineEvent, defineStream } from '@switchyard/contracts';
import { uniqueSubjectPrefix } from '@switchyard/testing';
import { z } from 'zod';
import { type DeliveryInfo, JetStreamClient } from './jetstream.client';

const TestStream = defineStream({ name: 'GATHER_TEST', subjects: ['test.gather.*'], duplicateWindowMs: 60_000, maxAgeMs: 600_000 });
const TestEvent = defineEvent({ subject: 'test.gather.happened', stream: TestStream, payload: z.object({ n: z.number().int() }), messageId: (p) => `gather-${p.n}` });

interface Handled {
  n: number;
  at: number;
  delivery: DeliveryInfo;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Real NATS JetStream: a consumer that gathers messages handles them together, later, and loses none at shutdown. */
describe('JetStreamClient.consume with gatherMs', () => {
  let publisher: JetStreamClient;

  const client = (prefix: string) => new JetStreamClient({ serviceName: 'gather-test', url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', subjectPrefix: prefix, requestTimeoutMs: 2_000 });

  async function consumeInto(consumer: JetStreamClient, handled: Handled[], gatherMs: number): Promise<void> {
    await consumer.consume(
      TestEvent,
      async ({ n }, delivery) => {
        handled.push({ n, at: Date.now(), delivery });
      },
      { durableName: 'gather-test', maxDeliveries: 3, ackWaitMs: 30_000, retryDelayMsBase: 100, retryDelayMsMax: 1_000, maxInFlight: 16, concurrency: 16, gatherMs },
    );
  }

  async function publishSpaced(prefixed: JetStreamClient, from: number, count: number, gapMs: number): Promise<void> {
    for (let n = from; n < from + count; n++) {
      await prefixed.publish(TestEvent, { n }, { timeoutMs: 2_000 });
      await sleep(gapMs);
    }
  }

  afterEach(async () => {
    await publisher?.onApplicationShutdown();
  });

  /** A fresh consumer (gathering `gatherMs`) of `count` messages published `gapMs` apart, stopped `waitMs` later. */
  async function handledOf(gatherMs: number, count: number, gapMs: number, waitMs: number): Promise<Handled[]> {
    const prefix = uniqueSubjectPrefix();
    publisher = client(prefix);
    const consumer = client(prefix);
    const handled: Handled[] = [];
    await consumeInto(consumer, handled, gatherMs);
    await publishSpaced(publisher, 1, count, gapMs);
    await sleep(waitMs);
    await consumer.onApplicationShutdown();
    return handled;
  }

  it('handles messages that came 40 ms apart together, once the first has waited gatherMs, each with when it arrived', async () => {
    const handled = await handledOf(400, 3, 40, 600);
    expect(handled.map((h) => h.n)).toEqual([1, 2, 3]);
    const [first, , last] = handled;
    // arrivals were spread out; handling was not
    expect(last!.delivery.receivedAt - first!.delivery.receivedAt).toBeGreaterThanOrEqual(60);
    expect(last!.at - first!.at).toBeLessThan(30);
    expect(first!.at - first!.delivery.receivedAt).toBeGreaterThanOrEqual(390);
  });

  it('without gatherMs each message is handled as it comes', async () => {
    const handled = await handledOf(0, 3, 40, 200);
    expect(handled.map((h) => h.n)).toEqual([1, 2, 3]);
    for (const h of handled) expect(h.at - h.delivery.receivedAt).toBeLessThan(100);
    expect(handled[2]!.at - handled[0]!.at).toBeGreaterThanOrEqual(60);
  });

  it('a shutdown while messages are gathered handles and acks them: a new consumer gets nothing again', async () => {
    const prefix = uniqueSubjectPrefix();
    publisher = client(prefix);
    const consumer = client(prefix);
    const handled: Handled[] = [];
    await consumeInto(consumer, handled, 10_000);
    await publishSpaced(publisher, 1, 2, 20);
    await sleep(100);
    expect(handled).toEqual([]);
    await consumer.onApplicationShutdown();
    expect(handled.map((h) => h.n)).toEqual([1, 2]);

    const again = client(prefix);
    const redelivered: Handled[] = [];
    await consumeInto(again, redelivered, 0);
    await publishSpaced(publisher, 3, 1, 0);
    await sleep(300);
    await again.onApplicationShutdown();
    expect(redelivered.map((h) => h.n)).toEqual([3]);
  });
});
