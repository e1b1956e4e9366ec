import { usageWindowStart } from './usage-window';

describe('usageWindowStart', () => {
  it('starts today at 00:00 UTC for one day, and whole days earlier for more', () => {
    const now = new Date('2025-03-10T17:45:12.345Z');
    expect(usageWindowStart(1, now).toISOString()).toBe('2025-03-10T00:00:00.000Z');
    expect(usageWindowStart(7, now).toISOString()).toBe('2025-03-04T00:00:00.000Z');
    expect(usageWindowStart(90, now).toISOString()).toBe('2024-12-11T00:00:00.000Z');
  });

  it('treats midnight itself as part of the new day', () => {
    expect(usageWindowStart(1, new Date('2025-03-10T00:00:00.000Z')).toISOString()).toBe('2025-03-10T00:00:00.000Z');
  });
});
