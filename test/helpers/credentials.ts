/**
 * Credentials for tests: the three ways to present an API key (Bearer, HTTP Basic, an access token from
 * the client_credentials grant), throw-away keys of a role, and a token the server never signed.
 */
import { SignJWT } from 'jose';
import { ADMIN_KEY, type TestApp } from './app.js';

/** `Authorization: Basic base64(user:password)`; an API key goes in as the user name, password empty. */
export function basic(user: string, password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** An access token for an API key, from `POST /oauth/token` with the key as client_secret. */
export async function clientToken(t: TestApp, key: string): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_secret: key } });
  if (res.statusCode !== 200) throw new Error(`no client token: ${res.body}`);
  return res.json().access_token as string;
}

/** Creates an API key through the API; returns its id and the key itself. */
export async function newApiKey(t: TestApp, role: 'admin' | 'integration', name = `${role} key`): Promise<{ id: string; key: string }> {
  const res = await t.request({ method: 'POST', url: '/api/v1/api-keys', auth: ADMIN_KEY, payload: { name, role } });
  if (res.statusCode !== 201) throw new Error(`API key not created: ${res.body}`);
  return { id: res.json().id as string, key: res.json().key as string };
}

/** The id of an existing key, looked up by its hash as the server does. */
export async function apiKeyId(t: TestApp, key: string): Promise<string> {
  const found = await t.deps.store.apiKeys.getByHash(t.deps.hasher.hashToken(key));
  if (!found) throw new Error('no such key');
  return found.id;
}

/** A well-formed JWT with admin claims, signed with a key the server does not know. */
export function forgedAdminToken(t: TestApp, subject: string): Promise<string> {
  const now = Math.floor(t.clock.now() / 1000);
  return new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('paybridge')
    .setSubject(subject).setIssuedAt(now).setExpirationTime(now + 900)
    .sign(new TextEncoder().encode('not-the-server-secret-0123456789abcdef'));
}
