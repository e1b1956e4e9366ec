import { type HoldState, judgeRequests } from './money-checks';
import type { RequestRecord } from './traffic';

const hold = (holdId: string, chargedMicros: bigint, resolution: HoldState['resolution'] = 'post'): [string, HoldState] => [holdId, { holdId, resolution, chargedMicros }];
const charge = (costMicros: bigint, outcome = 'succeeded') => ({ costMicros, settlement: costMicros > 0n ? 'captured' : 'released', outcome });
const brokenJson = (seq: number, brokeBeforeHeaders: boolean): RequestRecord => ({ seq, kind: 'json', startedMs: 0, endedMs: 1, result: 'failed', error: 'TypeError: fetch failed', cut: true, brokeBeforeHeaders });

describe('judgeRequests: holds no client learned the id of', () => {
  it('accepts one charged at its full cost for each JSON request whose connection broke before its headers', () => {
    const verdict = judgeRequests([brokenJson(1, true)], new Map([hold('gen-a', 9n)]), new Map([['gen-a', charge(9n)]]));
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ cutAfterAnswer: 1, cutAfterAnswerMicros: 9n });
  });

  it('refuses one charged with no such client, or only a refused connection to account for it', () => {
    for (const records of [[], [brokenJson(1, false)]]) {
      expect(judgeRequests(records, new Map([hold('gen-a', 9n)]), new Map([['gen-a', charge(9n)]])).problems).toEqual(['hold gen-a (no client saw it): charged 9 (charge row succeeded 9)']);
    }
  });

  it('refuses more of them than broken clients, a partial charge, and a charge billing did not record as succeeded', () => {
    const twoHolds = new Map([hold('gen-a', 9n), hold('gen-b', 9n)]);
    expect(judgeRequests([brokenJson(1, true)], twoHolds, new Map([['gen-a', charge(9n)], ['gen-b', charge(9n)]])).problems).toHaveLength(1);
    expect(judgeRequests([brokenJson(1, true)], new Map([hold('gen-a', 9n)]), new Map([['gen-a', charge(5n)]])).problems).toHaveLength(1);
    expect(judgeRequests([brokenJson(1, true)], new Map([hold('gen-a', 9n)]), new Map([['gen-a', charge(9n, 'client_aborted')]])).problems).toHaveLength(1);
    expect(judgeRequests([brokenJson(1, true)], new Map([hold('gen-a', 9n)]), new Map()).problems).toHaveLength(1);
  });

  it('still requires every unnamed hold to be resolved, charged or not', () => {
    expect(judgeRequests([], new Map([hold('gen-a', 0n, 'pending')]), new Map()).problems).toEqual(['hold gen-a (no client saw it): still pending']);
  });
});
