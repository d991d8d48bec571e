/**
 * A stolen access token must not be enough to take an account over: a customer changes its own e-mail or
 * password only with its current password, and a new password ends every other sign-in at once (their
 * refresh tokens and their access tokens), keeping only the one that made the change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('account takeover (%s)', (dialect) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  const signIn = async (email: string, password = PASSWORD) =>
    (await t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: email, password } })).json() as { access_token: string; refresh_token: string };
  const refresh = (token: string) => t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token', refresh_token: token } });
  const me = (access: string) => t.request({ method: 'GET', url: '/api/v1/customers/me', auth: access });
  const patchMe = (access: string, payload: object) => t.request({ method: 'PATCH', url: '/api/v1/customers/me', auth: access, payload });
  const newCustomer = async () => {
    const email = `takeover${++n}@example.com`;
    const created = await t.request({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email, password: PASSWORD } });
    return { id: created.json().id as string, email };
  };

  it('refuses a password or e-mail change without the current password (422) or with a wrong one (403)', async () => {
    const { email } = await newCustomer();
    const { access_token: access } = await signIn(email);
    for (const change of [{ password: 'a new password 1' }, { email: `other${n}@example.com` }]) {
      const missing = await patchMe(access, change);
      expect(missing.statusCode).toBe(422);
      expect(missing.json().error.details).toEqual([{ field: '/current_password', message: 'is required to change the e-mail or the password' }]);
      const wrong = await patchMe(access, { ...change, current_password: 'not my password' });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().error.details).toEqual([{ field: '/current_password', message: 'is wrong' }]);
    }
    // Names need no password, and the same e-mail is no change.
    expect((await patchMe(access, { first_name: 'Ada', email: email.toUpperCase() })).statusCode).toBe(200);
    expect((await signIn(email)).access_token).toEqual(expect.any(String));
  });

  it('a password change ends every other sign-in, refresh and access tokens alike, and keeps the one that made it', async () => {
    const { email } = await newCustomer();
    const victim = await signIn(email);
    const attacker = await signIn(email); // e.g. a stolen session
    const changed = await patchMe(victim.access_token, { password: 'the new password', current_password: PASSWORD });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await refresh(attacker.refresh_token)).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await me(attacker.access_token)).statusCode).toBe(401);
    expect((await me(victim.access_token)).statusCode).toBe(200);
    const rotated = await refresh(victim.refresh_token);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect((await me(rotated.json().access_token)).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: email, password: PASSWORD } })).statusCode).toBe(400);
    expect((await signIn(email, 'the new password')).access_token).toEqual(expect.any(String));
  });

  it('the same rules hold on PATCH /customers/{id} for the customer itself', async () => {
    const { id, email } = await newCustomer();
    const { access_token: access } = await signIn(email);
    const res = await t.request({ method: 'PATCH', url: `/api/v1/customers/${id}`, auth: access, payload: { password: 'yet another one' } });
    expect(res.statusCode).toBe(422);
  });

  it('the platform changes a password without the current one, and that ends all sign-ins', async () => {
    const { id, email } = await newCustomer();
    const session = await signIn(email);
    const res = await t.request({ method: 'PATCH', url: `/api/v1/customers/${id}`, auth: INTEGRATION_KEY, payload: { password: 'reset by support' } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await refresh(session.refresh_token)).statusCode).toBe(400);
    expect((await me(session.access_token)).statusCode).toBe(401);
  });

  it('an account without a password (the platform\'s) cannot have its e-mail or password changed by the customer', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/customers', auth: INTEGRATION_KEY, payload: { email: 'platform-owned@example.com' } });
    const token = await t.deps.tokens.sign({ role: 'customer', subject: created.json().id }, 900);
    const res = await patchMe(token, { password: 'i set one myself', current_password: '' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('managed by the platform');
  });

  it('guessing the current password through PATCH is rate-limited per customer', async () => {
    const { email } = await newCustomer();
    const { access_token: access } = await signIn(email);
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await patchMe(access, { password: 'guessing game', current_password: `guess ${i}` })).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 403)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
    // The platform's own updates are not limited.
    const { id } = await newCustomer();
    for (let i = 0; i < 12; i++) {
      expect((await t.request({ method: 'PATCH', url: `/api/v1/customers/${id}`, auth: INTEGRATION_KEY, payload: { first_name: `Sync ${i}` } })).statusCode).toBe(200);
    }
  });
});
