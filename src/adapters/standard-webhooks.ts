import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WebhookSigner } from '../ports/crypto.js';

const PREFIX = 'whsec_';
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

function mac(secret: string, id: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha256', key(secret)).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The Standard Webhooks scheme, byte for byte, so receivers can verify with the `standardwebhooks` library. */
export class StandardWebhookSigner implements WebhookSigner {
  newSecret(): string {
    return PREFIX + randomBytes(32).toString('base64');
  }

  sign(secret: string, id: string, timestampSeconds: number, body: string): string {
    return `v1,${mac(secret, id, String(timestampSeconds), body).toString('base64')}`;
  }

  verify(secret: string, headers: { id: string; timestamp: string; signature: string }, body: string | Buffer,
    nowSeconds: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): boolean {
    const ts = Number(headers.timestamp);
    if (!/^\d{1,12}$/.test(headers.timestamp) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
    const expected = mac(secret, headers.id, headers.timestamp, body);
    let matched = false;
    for (const candidate of headers.signature.split(' ')) {
      const [version, value] = candidate.split(',');
      if (version !== 'v1' || !value) continue;
      const given = Buffer.from(value, 'base64');
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    return matched;
  }
}
