/**
 * Operators of the dashboard at /admin: created from the command line or by another operator, signed in
 * with their e-mail and password (scrypt) or with an admin API key. A session is a random token in a
 * cookie, stored as its SHA-256 hash; it ends after 12 hours without a request, or at sign-out.
 */
import { DomainError } from '../domain/errors.js';
import type { Operator, OperatorSession } from '../ports/operators.js';
import { authenticateKey } from './authenticate.js';
import type { Deps, Principal } from './deps.js';

/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** The idle clock is written at most this often (a page load does not have to write). */
const TOUCH_EVERY_MS = 60_000;
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createOperator(deps: Deps, input: { email: string; password: string; createdBy: string }): Promise<Operator> {
  const email = input.email.trim();
  if (!EMAIL.test(email) || email.length > 254) {
    throw new DomainError('validation_failed', `"${email}" is not an e-mail address`, [{ field: '/email', message: 'must be an e-mail address' }]);
  }
  if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD) {
    throw new DomainError('validation_failed', `the password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long`, [{ field: '/password', message: `must be at least ${MIN_PASSWORD} characters` }]);
  }
  const now = deps.clock.now();
  const operator: Operator = {
    id: deps.ids.next('op'), email, passwordHash: await deps.hasher.hashPassword(input.password), createdBy: input.createdBy, createdAt: now, updatedAt: now,
  };
  if (!(await deps.store.operators.insert(operator))) {
    throw new DomainError('conflict', `an operator with the e-mail ${email} exists already`, [{ field: '/email', message: 'is taken' }]);
  }
  deps.log.info('operator.created', `operator ${operator.id} created`, { operator_id: operator.id, created_by: input.createdBy });
  return operator;
}

/** A hash to verify against when the e-mail is unknown, so that both cases take the same time. */
let decoy: Promise<string> | undefined;

/** The operator whose e-mail and password these are; null otherwise (whichever was wrong). */
export async function checkOperatorPassword(deps: Deps, email: string, password: string): Promise<Operator | null> {
  if (password.length > MAX_PASSWORD) return null;
  const operator = await deps.store.operators.getByEmail(email.trim());
  decoy ??= deps.hasher.hashPassword('not a password of anybody');
  const ok = await deps.hasher.verifyPassword(password, operator?.passwordHash ?? await decoy);
  return operator && ok ? operator : null;
}

/** Who a session acts as: an admin, named by the operator or the API key it signed in with. */
export interface OperatorIdentity {
  readonly session: OperatorSession;
  /** The operator's e-mail, or the key's name. */
  readonly name: string;
  /** For histories and logs: `operator:<id>` or `api_key:<id>`. */
  readonly actor: string;
  /** The caller the API's use cases see. */
  readonly principal: Principal;
}

/** Opens a session for an operator or an admin API key; returns the cookie's token (shown to nobody else). */
export async function openSession(deps: Deps, who: { operatorId: string } | { apiKeyId: string }): Promise<string> {
  const token = deps.ids.secret(32);
  const now = deps.clock.now();
  await deps.store.operators.insertSession({
    id: deps.ids.next('opsess'), tokenHash: deps.hasher.hashToken(token),
    operatorId: 'operatorId' in who ? who.operatorId : null, apiKeyId: 'apiKeyId' in who ? who.apiKeyId : null,
    createdAt: now, lastSeenAt: now,
  });
  deps.log.info('operator.signed_in', 'dashboard sign-in', 'operatorId' in who ? { operator_id: who.operatorId } : { api_key_id: who.apiKeyId });
  return token;
}

/** Signs in with an admin API key: null for anything but a valid, unrevoked admin key. */
export async function signInWithKey(deps: Deps, key: string): Promise<string | null> {
  const principal = await authenticateKey(deps, key.trim());
  if (!principal || principal.role !== 'admin') return null;
  return openSession(deps, { apiKeyId: principal.apiKeyId });
}

/** The identity behind a session cookie's token, restarting its idle clock; null when unknown, revoked or idle too long. */
export async function sessionIdentity(deps: Deps, token: string): Promise<OperatorIdentity | null> {
  const session = await deps.store.operators.sessionByTokenHash(deps.hasher.hashToken(token));
  const now = deps.clock.now();
  if (!session || session.revokedAt !== null || now - session.lastSeenAt >= SESSION_IDLE_MS) return null;
  let identity: OperatorIdentity | null = null;
  if (session.operatorId !== null) {
    const operator = await deps.store.operators.get(session.operatorId);
    if (operator) {
      identity = { session, name: operator.email, actor: `operator:${operator.id}`, principal: { role: 'admin', apiKeyId: operator.id, operatorId: operator.id } };
    }
  } else if (session.apiKeyId !== null) {
    const key = await deps.store.apiKeys.get(session.apiKeyId);
    // A revoked key ends the sessions it opened.
    if (key && key.revokedAt === null && key.role === 'admin') {
      identity = { session, name: key.name, actor: `api_key:${key.id}`, principal: { role: 'admin', apiKeyId: key.id } };
    }
  }
  if (identity && now - session.lastSeenAt >= TOUCH_EVERY_MS) await deps.store.operators.touchSession(session.id, now);
  return identity;
}

export async function signOut(deps: Deps, session: OperatorSession): Promise<void> {
  await deps.store.operators.revokeSession(session.id, deps.clock.now());
  deps.log.info('operator.signed_out', 'dashboard sign-out', { session_id: session.id });
}
