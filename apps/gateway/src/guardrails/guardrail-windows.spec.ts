import { dayWindow, minuteWindow, monthWindow, weekWindow } from './guardrail-windows';

const at = (iso: string) => Date.parse(iso);

describe('guardrail windows', () => {
  it('names each UTC window and ends it at the next boundary, whatever order the times come in', () => {
    const times = ['2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z', '2026-12-31T23:59:59.999Z', '2026-02-28T12:00:00.000Z', '2027-01-01T00:00:30.000Z'];
    const seen = times.map((iso) => ({ minute: minuteWindow(at(iso)), day: dayWindow(at(iso)), month: monthWindow(at(iso)) }));

    expect(seen.map((w) => w.day.id)).toEqual(['2026-12-31', '2027-01-01', '2026-12-31', '2026-02-28', '2027-01-01']);
    expect(seen.map((w) => w.month.id)).toEqual(['2026-12', '2027-01', '2026-12', '2026-02', '2027-01']);
    expect(seen[0]!.day.endsAtMs).toBe(at('2027-01-01T00:00:00.000Z'));
    expect(seen[0]!.month.endsAtMs).toBe(at('2027-01-01T00:00:00.000Z'));
    expect(seen[1]!.month.endsAtMs).toBe(at('2027-02-01T00:00:00.000Z'));
    expect(seen[3]!.month.endsAtMs).toBe(at('2026-03-01T00:00:00.000Z'));
    expect(seen[0]!.minute.endsAtMs).toBe(at('2027-01-01T00:00:00.000Z'));
    expect(seen[1]!.minute).toEqual(seen[4]!.minute);
    expect(seen[1]!.minute.endsAtMs).toBe(at('2027-01-01T00:01:00.000Z'));
    expect(seen[0]!.minute.id).not.toBe(seen[1]!.minute.id);
  });

  it('starts ISO weeks on Monday 00:00 UTC', () => {
    const sunday = weekWindow(at('2026-11-29T23:59:59.999Z'));
    const monday = weekWindow(at('2026-11-30T00:00:00.000Z'));
    expect(sunday.id).not.toBe(monday.id);
    expect(sunday.endsAtMs).toBe(at('2026-11-30T00:00:00.000Z'));
    expect(monday.endsAtMs).toBe(at('2026-12-07T00:00:00.000Z'));
  });
});
