import type { BillingEnv } from '../config/billing.env';
import type { BillingMetrics } from './billing.metrics';
import { SettlementBatcher } from './settlement.batcher';
import { settlementQueueMax } from './settlement-capacity';
import type { CompletedRequest, PendingSettlement, SettlementOutcome, SettlementService } from './settlement.service';

const request = (n: number) => ({ requestId: `req_${n}` }) as CompletedRequest;

/** A settlement whose batches complete when the test says so. */
function setup(batchMax: number, lingerMs = 0) {
  const batches: Array<{ ids: string[]; finish: (outcomes: SettlementOutcome[] | Error) => void }> = [];
  const settlement: Pick<SettlementService, 'settleMany'> = {
    settleMany: jest.fn(
      (pending: readonly PendingSettlement[]) =>
        new Promise<SettlementOutcome[]>((resolve, reject) =>
          batches.push({ ids: pending.map((p) => p.request.requestId), finish: (outcomes) => (outcomes instanceof Error ? reject(outcomes) : resolve(outcomes)) }),
        ),
    ),
  };
  const metrics: Pick<BillingMetrics, 'recordBatch'> = { recordBatch: jest.fn() };
  const batcher = new SettlementBatcher(settlement as SettlementService, metrics as BillingMetrics, { SETTLEMENT_BATCH_MAX: batchMax, SETTLEMENT_LINGER_MS: lingerMs } as BillingEnv);
  return { batcher, batches, metrics };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const ok = (n: number): SettlementOutcome[] => Array.from({ length: n }, () => ({ ok: true }));

describe('SettlementBatcher', () => {
  it('batches what arrives together, and what arrives while a batch is in flight into the next one', async () => {
    const { batcher, batches, metrics } = setup(100);
    const first = [1, 2].map((n) => batcher.submit(request(n)));
    await turn();
    expect(batches.map((b) => b.ids)).toEqual([['req_1', 'req_2']]);

    const second = [3, 4, 5].map((n) => batcher.submit(request(n)));
    await turn();
    // one batch in flight at a time
    expect(batches).toHaveLength(1);
    batches[0]!.finish(ok(2));
    await Promise.all(first);
    await turn();
    expect(batches.map((b) => b.ids)).toEqual([
      ['req_1', 'req_2'],
      ['req_3', 'req_4', 'req_5'],
    ]);
    batches[1]!.finish(ok(3));
    await Promise.all(second);
    expect((metrics.recordBatch as jest.Mock).mock.calls).toEqual([[2], [3]]);
  });

  it('puts at most SETTLEMENT_BATCH_MAX events in a batch', async () => {
    const { batcher, batches } = setup(2);
    const all = [1, 2, 3].map((n) => batcher.submit(request(n)));
    await turn();
    expect(batches.map((b) => b.ids)).toEqual([['req_1', 'req_2']]);
    batches[0]!.finish(ok(2));
    await turn();
    expect(batches[1]!.ids).toEqual(['req_3']);
    batches[1]!.finish(ok(1));
    await Promise.all(all);
  });

  it('gives each event its own outcome, and rejects the whole batch when settling it throws', async () => {
    const { batcher, batches } = setup(100);
    const failure = new Error('model_not_priced');
    const outcomes = [1, 2].map((n) => batcher.submit(request(n)));
    await turn();
    batches[0]!.finish([{ ok: true }, { ok: false, error: failure }]);
    await expect(outcomes[0]).resolves.toBeUndefined();
    await expect(outcomes[1]).rejects.toBe(failure);

    const broken = new Error('bug');
    const next = [3, 4].map((n) => batcher.submit(request(n)));
    await turn();
    batches[1]!.finish(broken);
    await expect(Promise.allSettled(next)).resolves.toEqual([
      { status: 'rejected', reason: broken },
      { status: 'rejected', reason: broken },
    ]);
  });

  it('sheds an event with a retryable service_unavailable when the queue is full', async () => {
    const { batcher, batches } = setup(1);
    const capacity = settlementQueueMax(1);
    const queued = Array.from({ length: capacity }, (_, n) => batcher.submit(request(n)));
    await expect(batcher.submit(request(capacity))).rejects.toMatchObject({ code: 'service_unavailable', retryable: true });
    for (let i = 0; i < capacity; i++) {
      await turn();
      batches[i]!.finish(ok(1));
    }
    await Promise.all(queued);
  });

  it('after a quiet spell, the first event waits the linger for others to join its batch; a full batch does not wait', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const { batcher, batches } = setup(3, 20);
      const early = [1, 2].map((n) => batcher.submit(request(n)));
      await turn();
      jest.advanceTimersByTime(19);
      await turn();
      expect(batches).toHaveLength(0);
      jest.advanceTimersByTime(1);
      await turn();
      expect(batches.map((b) => b.ids)).toEqual([['req_1', 'req_2']]);
      batches[0]!.finish(ok(2));
      await Promise.all(early);
      await turn();

      const full = [3, 4, 5].map((n) => batcher.submit(request(n)));
      await turn();
      expect(batches.map((b) => b.ids)[1]).toEqual(['req_3', 'req_4', 'req_5']);
      batches[1]!.finish(ok(3));
      await Promise.all(full);
      jest.advanceTimersByTime(100);
      await turn();
      expect(batches).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
  it('with a linger, events that arrive while a batch is in flight wait it too (from their arrival), unless they already have', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const { batcher, batches } = setup(100, 20);
      const first = batcher.submit(request(1));
      jest.advanceTimersByTime(20);
      await turn();
      expect(batches.map((b) => b.ids)).toEqual([['req_1']]);

      // req_2 arrives while req_1's batch is in flight, which ends 5 ms later
      const second = [batcher.submit(request(2))];
      jest.advanceTimersByTime(5);
      batches[0]!.finish(ok(1));
      await first;
      await turn();
      expect(batches).toHaveLength(1);
      jest.advanceTimersByTime(14);
      second.push(batcher.submit(request(3)));
      await turn();
      expect(batches).toHaveLength(1);
      // req_2 has now waited 20 ms: req_2 and req_3 go together
      jest.advanceTimersByTime(1);
      await turn();
      expect(batches.map((b) => b.ids)[1]).toEqual(['req_2', 'req_3']);

      // req_4 waits longer than the linger for the batch in flight, so it goes as soon as that one ends
      const third = batcher.submit(request(4));
      jest.advanceTimersByTime(30);
      await turn();
      expect(batches).toHaveLength(2);
      batches[1]!.finish(ok(2));
      await Promise.all(second);
      await turn();
      expect(batches.map((b) => b.ids)[2]).toEqual(['req_4']);
      batches[2]!.finish(ok(1));
      await third;
    } finally {
      jest.useRealTimers();
    }
  });
});
