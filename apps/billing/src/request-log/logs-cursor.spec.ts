import { AppError } from '@switchyard/errors';
import { decodeLogsCursor, encodeLogsCursor } from './logs-cursor';

describe('logs cursor', () => {
  it('round-trips the position at full precision, as an opaque url-safe string', () => {
    const position = { completedAt: '2025-03-10T17:45:12.345678Z', requestId: 'gen-AbC_d-9' };
    const cursor = encodeLogsCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeLogsCursor(cursor)).toEqual(position);
  });

  it('refuses anything it did not make, as invalid_request on cursor', () => {
    const bad = [
      'not-a-cursor',
      Buffer.from('2025-03-10T17:45:12Z').toString('base64url'),
      Buffer.from('yesterday|gen-1').toString('base64url'),
      Buffer.from("2025-03-10T17:45:12Z|gen' OR 1=1").toString('base64url'),
      Buffer.from('2025-03-10T17:45:12Z|').toString('base64url'),
    ];
    for (const cursor of bad) {
      expect(() => decodeLogsCursor(cursor)).toThrow(AppError);
      expect(() => decodeLogsCursor(cursor)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'cursor' }));
    }
  });
});
