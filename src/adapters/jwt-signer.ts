import { SignJWT, jwtVerify, errors } from 'jose';
import type { AccessClaims, TokenSigner } from '../ports/crypto.js';
import type { Clock } from '../ports/clock.js';

const ISSUER = 'paybridge';
const ROLES = new Set(['admin', 'integration', 'customer']);

/** HS256 JWTs with a server secret shared by every process (kept in the settings table). */
export class JwtSigner implements TokenSigner {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly clock: Clock) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(claims: AccessClaims, ttlSeconds: number): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT({
      role: claims.role, ...(claims.session ? { sid: claims.session } : {}), ...(claims.actor ? { act: { sub: claims.actor } } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(claims.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.key);
  }

  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER, algorithms: ['HS256'], currentDate: new Date(this.clock.now()),
      });
      const role = payload['role'];
      if (typeof role !== 'string' || !ROLES.has(role) || typeof payload.sub !== 'string') return null;
      const sid = payload['sid'];
      const act = (payload['act'] as { sub?: unknown } | undefined)?.sub;
      return {
        role: role as AccessClaims['role'], subject: payload.sub,
        ...(typeof sid === 'string' ? { session: sid } : {}), ...(typeof act === 'string' ? { actor: act } : {}),
      };
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
      throw error;
    }
  }
}
