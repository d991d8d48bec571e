/**
 * Commerce Layer external gateways signatures, as Commerce Layer computes them: `X-CommerceLayer-Signature` is the base64 HMAC-SHA256
 * of the raw body with the gateway's shared secret. No timestamp is signed (the protocol has none), so a
 * replayed webhook verifies: inbound webhooks are de-duplicated on (gateway, action id, body hash) instead.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-commercelayer-signature';

/** base64(HMAC-SHA256(body, secret)) over exactly these bytes. */
export function signExternalBody(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** True when `header` is the signature of `body`; the comparison is timing-safe. */
export function verifyExternalSignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const expected = Buffer.from(signExternalBody(body, secret), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  // Compare equal-length buffers only; a length mismatch still costs one comparison of the expected value.
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(given, expected);
}
