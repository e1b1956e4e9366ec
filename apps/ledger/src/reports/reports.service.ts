import { Injectable } from '@nestjs/common';
import { microsToWire } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { ReportsRepository } from './reports.repository';

export interface AuditReport {
  balanced: boolean;
  debitsMinusCreditsMicros: string;
  pendingDebitsMinusCreditsMicros: string;
  mismatchedAccounts: string[];
  overdrawnAccounts: string[];
  holdsPastTimeout: number;
}

@Injectable()
export class ReportsService {
  constructor(private readonly reports: ReportsRepository) {}

  async audit(): Promise<AuditReport> {
    const snapshot = await this.reports.audit();
    const balanced =
      snapshot.postedDebitsMinusCredits === 0n &&
      snapshot.pendingDebitsMinusCredits === 0n &&
      snapshot.mismatchedAccounts.length === 0 &&
      snapshot.overdrawnAccounts.length === 0;
    return {
      balanced,
      debitsMinusCreditsMicros: microsToWire(snapshot.postedDebitsMinusCredits),
      pendingDebitsMinusCreditsMicros: microsToWire(snapshot.pendingDebitsMinusCredits),
      mismatchedAccounts: snapshot.mismatchedAccounts,
      overdrawnAccounts: snapshot.overdrawnAccounts,
      holdsPastTimeout: snapshot.holdsPastTimeout,
    };
  }

  async trialBalance() {
    const lines = await this.reports.trialBalance();
    const debits = lines.reduce((sum, l) => sum + l.debitsPosted, 0n);
    const credits = lines.reduce((sum, l) => sum + l.creditsPosted, 0n);
    return {
      types: lines.map((l) => ({ type: l.type, debitsPostedMicros: microsToWire(l.debitsPosted), creditsPostedMicros: microsToWire(l.creditsPosted) })),
      totals: { debitsPostedMicros: microsToWire(debits), creditsPostedMicros: microsToWire(credits) },
      balanced: debits === credits,
    };
  }

  async statement(code: string, limit: number) {
    if (!(await this.reports.accountExists(code))) throw new AppError('not_found', `Account ${code} does not exist.`, { details: { accountCode: code } });
    const lines = await this.reports.statement(code, limit);
    return {
      accountCode: code,
      transfers: lines.map(({ amount, ...line }) => ({ ...line, amountMicros: microsToWire(amount) })),
    };
  }
}
