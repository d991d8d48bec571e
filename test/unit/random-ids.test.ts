/**
 * Ids sort in the order they were made (the outbox and the history are read in id order); tokens, the ids
 * that grant access by being known, follow no order and are never near one another.
 */
import { describe, expect, it } from 'vitest';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { FakeClock } from '../../src/adapters/system-clock.js';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

describe('RandomIds', () => {
  it('makes ids that are strictly increasing, within one millisecond and across them', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12));
    const ids = new RandomIds(clock);
    const made: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (i % 997 === 0) clock.advance(1);
      made.push(ids.next('evt'));
    }
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('writes the prefix, then 26 lower-case Crockford base32 digits whose first 10 are the time', () => {
    const at = Date.UTC(2026, 10, 21, 12);
    const id = new RandomIds(new FakeClock(at)).next('txn');
    expect(id).toMatch(/^txn_[0-9a-hjkmnp-tv-z]{26}$/);
    const digits = id.slice(4, 14);
    const time = [...digits].reduce((n, d) => n * 32 + '0123456789abcdefghjkmnpqrstvwxyz'.indexOf(d), 0);
    expect(time).toBe(at);
  });

  it('draws new random bits for each millisecond', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 21, 12));
    const ids = new RandomIds(clock);
    const randomParts = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      clock.advance(1);
      randomParts.add(ids.next('x').slice(12));
    }
    expect(randomParts.size).toBe(2000);
  });

  it('makes tokens of 130 random bits that follow no order, even 1,000 in one millisecond, and are never a small step apart', () => {
    const ids = new RandomIds(new FakeClock(Date.UTC(2026, 10, 21, 12)));
    const made = Array.from({ length: 1000 }, () => ids.token('cs'));
    for (const t of made) expect(t).toMatch(/^cs_[0-9a-hjkmnp-tv-z]{26}$/);
    expect([...made].sort()).not.toEqual(made);
    const values = made.map((t) => [...t.slice(3)].reduce((n, d) => n * 32n + BigInt(CROCKFORD.indexOf(d)), 0n)).sort((a, b) => (a < b ? -1 : 1));
    const gaps = values.slice(1).map((v, i) => v - values[i]!);
    // 1,000 uniform 130-bit values: the smallest gap is about 2^110; a counter would give 1.
    expect(gaps.every((g) => g > 2n ** 64n)).toBe(true);
    // Every position takes many values: no part of a token is fixed or derived from the time.
    for (let i = 3; i < 29; i++) expect(new Set(made.map((t) => t[i])).size).toBeGreaterThan(25);
  });
});
