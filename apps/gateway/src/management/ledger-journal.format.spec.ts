import { journalCsvHeader, journalCsvLine, journalJsonLine, type JournalEntry } from './ledger-journal.format';

const entry: JournalEntry = {
  transferId: '42',
  createdAt: '2026-01-02T03:04:05.000Z',
  journalKey: 'grant:"a",b',
  idempotencyKey: '=cmd',
  kind: 'single',
  debitAccountCode: 'equity:owner',
  creditAccountCode: 'liability:workspace_credit:w1',
  amountMicros: '1500000',
  currency: 'USD6',
  reason: 'operator_grant',
  pendingId: null,
  timeoutAt: null,
  metadata: { note: 'x' },
};

describe('journal export formats', () => {
  it('writes CSV with quoting, formula-neutralised cells and amounts as integer micros', () => {
    expect(journalCsvHeader()).toBe('transfer_id,created_at,journal_key,idempotency_key,kind,debit_account,credit_account,amount_micros,currency,reason,pending_id,timeout_at,metadata\r\n');
    expect(journalCsvLine(entry)).toBe(
      '42,2026-01-02T03:04:05.000Z,"grant:""a"",b",\'=cmd,single,equity:owner,liability:workspace_credit:w1,1500000,USD6,operator_grant,,,"{""note"":""x""}"\r\n',
    );
  });

  it('writes one JSON object per line with money as a string', () => {
    const line = journalJsonLine(entry);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(entry);
  });
});
