import { newRequestId } from './request-id';

describe('newRequestId', () => {
  it('gives gen- and 144 random bits (24 base64url characters), never the same twice across many draws', () => {
    // more ids than one draw of entropy holds, so the refill is crossed several times
    const ids = Array.from({ length: 2_000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^gen-[A-Za-z0-9_-]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
