import { randomBytes } from 'node:crypto';
import type { Ids } from '../ports/ids.js';
import type { Clock } from '../ports/clock.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * ULID-style ids (48-bit millisecond time + 80 random bits, Crockford base32, lower-case) that stay
 * strictly increasing within a process by incrementing the random part inside one millisecond.
 */
export class RandomIds implements Ids {
  private lastTime = -1;
  private lastRandom = 0n;

  constructor(private readonly clock: Clock) {}

  next(prefix: string): string {
    const time = this.clock.now();
    if (time <= this.lastTime) {
      this.lastRandom += 1n;
    } else {
      this.lastTime = time;
      this.lastRandom = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n; // headroom for increments
    }
    return `${prefix}_${(base32(BigInt(this.lastTime), 10) + base32(this.lastRandom, 16)).toLowerCase()}`;
  }

  secret(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }
}
