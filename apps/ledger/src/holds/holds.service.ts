import { Injectable } from '@nestjs/common';
import { type CommandRequest, type CommandResponse, LedgerHoldCapture, LedgerHoldCreate, LedgerHoldRelease, microsToWire } from '@switchyard/contracts';
import { LedgerPostingsMetrics } from '../metrics/ledger-postings.metrics';
import { HoldsRepository } from './holds.repository';

@Injectable()
export class HoldsService {
  constructor(
    private readonly holds: HoldsRepository,
    private readonly metrics: LedgerPostingsMetrics,
  ) {}

  async create(request: CommandRequest<typeof LedgerHoldCreate>): Promise<CommandResponse<typeof LedgerHoldCreate>> {
    const placed = await this.metrics.timeHoldCommand('create', () =>
      this.holds.place({
        holdId: request.holdId,
        workspaceId: request.workspaceId,
        amount: request.amountMicros,
        minAmount: request.minAmountMicros,
        timeoutMs: request.timeoutMs,
        metadata: request.metadata,
      }),
    );
    this.metrics.record('hold_place');
    return { holdId: request.holdId, status: 'pending', amountMicros: microsToWire(placed.amount), availableMicros: microsToWire(placed.available) };
  }

  /**
   * capturedMicros + overageMicros + unbilledMicros = the requested amount. For an expired hold the
   * late usage the workspace could pay is reported as captured, the rest as unbilled.
   */
  async capture(request: CommandRequest<typeof LedgerHoldCapture>): Promise<CommandResponse<typeof LedgerHoldCapture>> {
    const result = await this.metrics.timeHoldCommand('capture', () => this.holds.capture(request.holdId, request.amountMicros, request.metadata));
    this.metrics.record('hold_capture');
    return {
      holdId: request.holdId,
      status: result.status,
      capturedMicros: microsToWire(result.captured),
      releasedMicros: microsToWire(result.released),
      overageMicros: microsToWire(result.overage),
      unbilledMicros: microsToWire(result.unbilled),
    };
  }

  async release(request: CommandRequest<typeof LedgerHoldRelease>): Promise<CommandResponse<typeof LedgerHoldRelease>> {
    const result = await this.metrics.timeHoldCommand('release', () => this.holds.release(request.holdId, request.reason));
    this.metrics.record('hold_release');
    return { holdId: request.holdId, status: result.status, releasedMicros: microsToWire(result.released) };
  }
}
