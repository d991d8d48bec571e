import { randomBytes } from 'node:crypto';
import type { Ids } from '../ports/ids.js';
import type { Clock } from '../ports/clock.js';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const FORTY_BITS = 2 ** 40;
/** Random bytes are drawn from the system in blocks, not per id. */
const POOL_SIZE = 4096;
/** Characters of a `token`: 26 × 5 = 130 random bits. */
const TOKEN_CHARS = 26;

/** `value` (a non-negative integer below 2^53) as `length` Crockford base32 digits, lower-case. */
function base32(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * ULID-style ids (48-bit millisecond time + 80 random bits, Crockford base32, lower-case) that stay
 * strictly increasing within a process by incrementing the random part inside one millisecond. The
 * 80 bits are kept as two 40-bit numbers (`high`, `low`), so no BigInt is needed.
 */
export class RandomIds implements Ids {
  private lastTime = -1;
  private high = 0;
  private low = 0;
  private pool = Buffer.alloc(0);
  private used = 0;

  constructor(private readonly clock: Clock) {}

  /** Where the next `n` bytes of the pool start (it is replaced by fresh system bytes when it runs low). */
  private take(n: number): number {
    if (this.used + n > this.pool.length) {
      this.pool = randomBytes(POOL_SIZE);
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  private random40(): number {
    const at = this.take(5); // may replace the pool: read it afterwards
    return this.pool.readUIntBE(at, 5);
  }

  next(prefix: string): string {
    const time = this.clock.now();
    if (time <= this.lastTime) {
      this.low += 1;
      if (this.low === FORTY_BITS) {
        this.low = 0;
        this.high += 1;
      }
    } else {
      this.lastTime = time;
      this.high = Math.floor(this.random40() / 2); // the top bit stays 0: headroom for increments
      this.low = this.random40();
    }
    return `${prefix}_${base32(this.lastTime, 10)}${base32(this.high, 8)}${base32(this.low, 8)}`;
  }

  token(prefix: string): string {
    const at = this.take(TOKEN_CHARS);
    let out = '';
    // 256 is a multiple of 32: the low five bits of a uniform byte are uniform, five bits per character.
    for (let i = 0; i < TOKEN_CHARS; i++) out += CROCKFORD[this.pool[at + i]! & 31];
    return `${prefix}_${out}`;
  }

  secret(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }
}
