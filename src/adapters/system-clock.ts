import type { Clock } from '../ports/clock.js';

/** The real clock. Monotonic within the process even if the wall clock steps back. */
export class SystemClock implements Clock {
  private last = 0;
  now(): number {
    this.last = Math.max(this.last, Date.now());
    return this.last;
  }
}

/** A clock that only moves when told to: for tests of expiry, backoff and clearing. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number { return this.current; }
  advance(ms: number): void { this.current += ms; }
  set(ms: number): void { this.current = ms; }
}
