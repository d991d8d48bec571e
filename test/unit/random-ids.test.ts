/** Ids sort in the order they were made (the outbox and the history are read in id order). */
import { describe, expect, it } from 'vitest';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { FakeClock } from '../../src/adapters/system-clock.js';

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
});
