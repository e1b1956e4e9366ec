import { AppError } from '@switchyard/errors';
import { isConnectionSqlError, isRetryableSqlError, toLedgerError } from './ledger-sql.errors';

describe('ledger SQL errors', () => {
  it('maps the ledger functions SQLSTATEs to AppError codes with their JSON details', () => {
    const mapped = toLedgerError({ code: 'LDG03', message: 'Insufficient balance for this request.', detail: '{"availableMicros":"5","requiredMicros":"9"}' });
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({ code: 'insufficient_balance', details: { availableMicros: '5', requiredMicros: '9' } });
    expect(toLedgerError({ code: 'LDG01', message: 'x' })).toMatchObject({ code: 'not_found' });
    expect(toLedgerError({ code: 'LDG02', message: 'x' })).toMatchObject({ code: 'conflict' });
    expect(toLedgerError({ code: 'LDG04', message: 'x', detail: 'not json' })).toMatchObject({ code: 'invalid_request', details: undefined });
    expect(toLedgerError({ code: '55P03', message: 'lock timeout' })).toMatchObject({ code: 'service_unavailable' });
  });

  it('leaves other errors alone, so they reply internal', () => {
    const error = Object.assign(new Error('syntax'), { code: '42601' });
    expect(toLedgerError(error)).toBe(error);
  });

  it('retries deadlocks, serialization failures and lost unique races only', () => {
    expect(['40P01', '40001', '23505'].map((code) => isRetryableSqlError({ code }))).toEqual([true, true, true]);
    expect(isRetryableSqlError({ code: 'LDG03' })).toBe(false);
    expect(isRetryableSqlError(new Error('boom'))).toBe(false);
  });
});

describe('connection errors', () => {
  it('recognises a terminated or refused connection, by SQLSTATE or by the driver message', () => {
    expect(isConnectionSqlError({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe(true);
    expect(isConnectionSqlError({ code: '08006' })).toBe(true);
    expect(isConnectionSqlError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionSqlError({ code: 'LDG03', message: 'Insufficient balance' })).toBe(false);
    expect(isConnectionSqlError(new Error('syntax error'))).toBe(false);
  });
});
