import { GatewayRequestCompleted } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { type EndpointPrice, PriceTable } from '@switchyard/pricing';
import { completedEvent } from '../../test/integration/support/completed-event';
import { SettlementPolicy } from '../costing/settlement.policy';
import type { BillingMetrics } from './billing.metrics';
import type { ChargeRecord, ChargeRepository } from './charge.repository';
import type { LedgerHoldsClient } from './ledger-holds.client';
import { type CompletedRequest, type PendingSettlement, SettlementService } from './settlement.service';

// The shipped demo price, written out so the spec does no I/O: 1000 prompt + 500 output tokens cost 450 micros.
const demoEcho: EndpointPrice = {
  modelId: 'demo/echo',
  providerId: 'demo',
  upstreamModel: 'demo-echo',
  inputMicrosPerMtok: 150_000n,
  outputMicrosPerMtok: 600_000n,
  cacheReadMicrosPerMtok: 75_000n,
  cacheWriteMicrosPerMtok: 150_000n,
  reasoningMicrosPerMtok: 600_000n,
  requestMicros: 0n,
  imageMicros: 0n,
  contextTokensMax: 128_000,
  outputTokensMax: 4_096,
  supports: new Set(),
};
const policy = new SettlementPolicy(new PriceTable([demoEcho]), { markupBasisPoints: 0, webSearchFeeMicros: 5_000n });

const completed = (n: number, overrides: Partial<CompletedRequest> = {}): PendingSettlement => ({
  request: GatewayRequestCompleted.payload.parse(
    completedEvent({ requestId: `req_${n}`, holdId: `hold_${n}`, workspaceId: '2b1f8f5e-7f55-4a43-9f1b-0c3f2f3a6d11', ...overrides }),
  ),
});

function setup(options: { failHold?: string; insert?: (records: readonly ChargeRecord[]) => Promise<ChargeRecord[]> } = {}) {
  const ledger: Pick<LedgerHoldsClient, 'capture' | 'release'> = {
    capture: jest.fn(async (holdId: string) => {
      if (holdId === options.failHold) throw new AppError('service_unavailable', 'ledger timeout');
      return 'posted' as const;
    }),
    release: jest.fn(async () => 'voided' as const),
  };
  const charges: Pick<ChargeRepository, 'recordManyIfAbsent'> = {
    recordManyIfAbsent: jest.fn(options.insert ?? (async (records: readonly ChargeRecord[]) => [...records])),
  };
  const metrics: Pick<BillingMetrics, 'recordCharge'> = { recordCharge: jest.fn() };
  const service = new SettlementService(policy, charges as ChargeRepository, ledger as LedgerHoldsClient, metrics as BillingMetrics);
  const written = () => (charges.recordManyIfAbsent as jest.Mock).mock.calls.flatMap(([records]: [ChargeRecord[]]) => records.map((r) => r.charge.requestId));
  return { service, ledger, charges, metrics, written };
}

describe('SettlementService.settleMany', () => {
  it('resolves every hold and writes all charges with their log rows in one call', async () => {
    const { service, ledger, charges, metrics } = setup();
    const released = completed(2, { outcome: 'failed', errorCode: 'upstream_error', usage: { promptTokens: 800, completionTokens: 0, cachedPromptTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
    expect(await service.settleMany([completed(1), released])).toEqual([{ ok: true }, { ok: true }]);
    expect(ledger.capture).toHaveBeenCalledWith('hold_1', 450n, expect.objectContaining({ requestId: 'req_1', webSearchFeeMicros: '0' }), 'req_1');
    expect(ledger.release).toHaveBeenCalledWith('hold_2', expect.any(String), 'req_2');
    expect(charges.recordManyIfAbsent).toHaveBeenCalledTimes(1);
    const [records] = (charges.recordManyIfAbsent as jest.Mock).mock.calls[0] as [ChargeRecord[]];
    expect(records.map((r) => [r.charge.requestId, r.charge.settlement, r.charge.costMicros, r.charge.ledgerStatus, r.log.requestId])).toEqual([
      ['req_1', 'captured', 450n, 'posted', 'req_1'],
      ['req_2', 'released', 0n, 'voided', 'req_2'],
    ]);
    expect(metrics.recordCharge).toHaveBeenCalledWith('captured', 450n);
    expect(metrics.recordCharge).toHaveBeenCalledWith('released', 0n);
  });

  it('fails only the event whose ledger call failed; the others are written', async () => {
    const { service, written } = setup({ failHold: 'hold_2' });
    const outcomes = await service.settleMany([completed(1), completed(2), completed(3)]);
    expect(outcomes).toEqual([{ ok: true }, { ok: false, error: expect.objectContaining({ code: 'service_unavailable' }) }, { ok: true }]);
    expect(written()).toEqual(['req_1', 'req_3']);
  });

  it('fails only an unpriced event, with the non-retryable model_not_priced, and does not call the ledger for it', async () => {
    const { service, ledger, written } = setup();
    const outcomes = await service.settleMany([completed(1, { modelId: 'demo/unpriced' }), completed(2)]);
    expect(outcomes).toEqual([{ ok: false, error: expect.objectContaining({ code: 'model_not_priced' }) }, { ok: true }]);
    expect(ledger.capture).toHaveBeenCalledTimes(1);
    expect(written()).toEqual(['req_2']);
  });

  it('fails every event that reached a failed transaction, and counts nothing', async () => {
    const failure = new Error('connection terminated');
    const { service, metrics } = setup({
      failHold: 'hold_3',
      insert: async () => {
        throw failure;
      },
    });
    const outcomes = await service.settleMany([completed(1), completed(2), completed(3)]);
    expect(outcomes).toEqual([
      { ok: false, error: failure },
      { ok: false, error: failure },
      { ok: false, error: expect.objectContaining({ code: 'service_unavailable' }) },
    ]);
    expect(metrics.recordCharge).not.toHaveBeenCalled();
  });

  it('counts only charges actually inserted, once per request (a redelivery, or the same request twice in a batch)', async () => {
    // the repository returns what it charged, each request once: req_1 was charged before, req_2 now
    const { service, metrics } = setup({ insert: async (records) => records.filter((r) => r.charge.requestId === 'req_2').slice(0, 1) });
    expect(await service.settleMany([completed(1), completed(2), completed(2)])).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(metrics.recordCharge).toHaveBeenCalledTimes(1);
  });
});
