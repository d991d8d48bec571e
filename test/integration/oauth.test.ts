/**
 * `POST /oauth/token` (RFC 6749): the grants, client authentication, refresh-token rotation with replay
 * detection, the RFC's error shape, token expiry — and an independent OAuth client (oauth4webapi) talking
 * to a listening server, so the endpoint is checked by something that did not grow up with it.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { apiKeyId, basic } from '../helpers/credentials.js';
import { DIALECTS } from '../helpers/stores.js';

const PASSWORD = 'correct horse battery';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => ({ headers: FORM, payload: new URLSearchParams(fields).toString() });

describe.each(DIALECTS)('the OAuth token endpoint (%s)', (dialect) => {
  let t: TestApp;
  let customerId: string;
  const token = (body: object, headers: Record<string, string> = {}) => t.request({ method: 'POST', url: '/oauth/token', headers, payload: body });
  const me = (accessToken: string) => t.request({ method: 'GET', url: '/api/v1/customers/me', auth: accessToken });

  beforeAll(async () => {
    t = await testApp(dialect);
    customerId = (await t.customerToken('oauth@example.com', PASSWORD)).id;
  });
  afterAll(async () => { await t?.close(); });

  it('issues an access token for an API key sent as client_secret in a JSON body', async () => {
    const res = await token({ grant_type: 'client_credentials', client_secret: INTEGRATION_KEY });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900, scope: 'integration' });
    const shops = await t.request({ method: 'GET', url: '/api/v1/shops', auth: res.json().access_token });
    expect(shops.statusCode).toBe(200);
  });

  it('takes client credentials as HTTP Basic with a form body, the key id as client_id', async () => {
    const id = await apiKeyId(t, ADMIN_KEY);
    const res = await t.request({ method: 'POST', url: '/oauth/token', headers: { ...FORM, authorization: basic(id, ADMIN_KEY) }, payload: 'grant_type=client_credentials' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().scope).toBe('admin');
    const keys = await t.request({ method: 'GET', url: '/api/v1/api-keys', auth: res.json().access_token });
    expect(keys.statusCode).toBe(200);
  });

  it('refuses a client_id that is not the id of the key presented', async () => {
    const res = await token({ grant_type: 'client_credentials' }, { authorization: basic(await apiKeyId(t, INTEGRATION_KEY), ADMIN_KEY) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('signs a customer in with e-mail and password (form body), case-insensitively on the e-mail', async () => {
    const res = await t.request({ method: 'POST', url: '/oauth/token', ...form({ grant_type: 'password', username: 'OAuth@Example.com', password: PASSWORD }) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 900, scope: 'customer' });
    expect((await me(res.json().access_token)).json()).toMatchObject({ id: customerId, email: 'oauth@example.com' });
  });

  it('rotates refresh tokens: each is single-use, and replaying a used one revokes the whole sign-in', async () => {
    const signIn = (await token({ grant_type: 'password', username: 'oauth@example.com', password: PASSWORD })).json();
    const first = await token({ grant_type: 'refresh_token', refresh_token: signIn.refresh_token });
    expect(first.statusCode).toBe(200);
    expect(first.json().refresh_token).not.toBe(signIn.refresh_token);
    expect((await me(first.json().access_token)).json().id).toBe(customerId);
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.json().refresh_token });
    expect(second.statusCode).toBe(200);

    const replay = await token({ grant_type: 'refresh_token', refresh_token: signIn.refresh_token });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    const newest = await token({ grant_type: 'refresh_token', refresh_token: second.json().refresh_token });
    expect(newest.statusCode).toBe(400);
    expect(newest.json().error).toBe('invalid_grant');

    const other = (await token({ grant_type: 'password', username: 'oauth@example.com', password: PASSWORD })).json();
    expect((await token({ grant_type: 'refresh_token', refresh_token: other.refresh_token })).statusCode).toBe(200);
  });

  it.each([
    ['a wrong password', { grant_type: 'password', username: 'oauth@example.com', password: 'wrong password' }, 400, 'invalid_grant'],
    ['an unknown e-mail', { grant_type: 'password', username: 'nobody@example.com', password: PASSWORD }, 400, 'invalid_grant'],
    ['an unknown refresh token', { grant_type: 'refresh_token', refresh_token: 'pbr_not_a_token' }, 400, 'invalid_grant'],
    ['an unknown API key', { grant_type: 'client_credentials', client_secret: 'pb_live_not_a_key_at_all' }, 401, 'invalid_client'],
    ['a customer password as client secret', { grant_type: 'client_credentials', client_secret: PASSWORD }, 401, 'invalid_client'],
    ['an unknown grant type', { grant_type: 'authorization_code', code: 'x' }, 400, 'unsupported_grant_type'],
    ['no grant type', { client_secret: INTEGRATION_KEY }, 400, 'invalid_request'],
    ['a password grant without password', { grant_type: 'password', username: 'oauth@example.com' }, 400, 'invalid_request'],
    ['client credentials without a secret', { grant_type: 'client_credentials' }, 400, 'invalid_request'],
  ])('answers %s in the RFC 6749 error shape', async (_case, body, status, error) => {
    for (const res of [await token(body), await t.request({ method: 'POST', url: '/oauth/token', ...form(body as Record<string, string>) })]) {
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json()).toEqual({ error, error_description: expect.any(String) });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('lets an access token expire after 15 minutes, while the refresh token still works', async () => {
    const signIn = (await token({ grant_type: 'password', username: 'oauth@example.com', password: PASSWORD })).json();
    const platform = (await token({ grant_type: 'client_credentials', client_secret: INTEGRATION_KEY })).json();
    t.clock.advance(14 * 60_000);
    expect((await me(signIn.access_token)).statusCode).toBe(200);
    t.clock.advance(60_000 + 1_000);
    const expired = await me(signIn.access_token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('unauthenticated');
    expect((await t.request({ method: 'GET', url: '/api/v1/shops', auth: platform.access_token })).statusCode).toBe(401);
    const renewed = await token({ grant_type: 'refresh_token', refresh_token: signIn.refresh_token });
    expect(renewed.statusCode).toBe(200);
    expect((await me(renewed.json().access_token)).statusCode).toBe(200);
  });

  describe('with oauth4webapi as the client, over real HTTP', () => {
    const insecure = { [oauth.allowInsecureRequests]: true } as const;
    let as: oauth.AuthorizationServer;
    let base: string;

    beforeAll(async () => {
      base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      as = { issuer: base, token_endpoint: `${base}/oauth/token` };
    });

    const api = (accessToken: string, path: string) =>
      oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${base}${path}`), undefined, undefined, insecure);

    it.each([
      ['client_secret_basic', oauth.ClientSecretBasic],
      ['client_secret_post', oauth.ClientSecretPost],
    ])('gets a client_credentials token with %s and calls the API with it', async (_method, auth) => {
      const client: oauth.Client = { client_id: await apiKeyId(t, INTEGRATION_KEY) };
      const res = await oauth.clientCredentialsGrantRequest(as, client, auth(INTEGRATION_KEY), {}, insecure);
      const result = await oauth.processClientCredentialsResponse(as, client, res);
      expect(result).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: 'integration' });
      expect((await api(result.access_token, '/api/v1/shops')).status).toBe(200);
    });

    it('sees a wrong client secret as an invalid_client challenge', async () => {
      const client: oauth.Client = { client_id: await apiKeyId(t, INTEGRATION_KEY) };
      const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic('pb_live_wrong_secret_123'), {}, insecure);
      const failure = await oauth.processClientCredentialsResponse(as, client, res).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
      expect((failure as oauth.WWWAuthenticateChallengeError).status).toBe(401);
      expect((failure as oauth.WWWAuthenticateChallengeError).cause[0]?.scheme).toBe('basic');
    });

    it('signs in with the password grant, refreshes, and detects a replayed refresh token', async () => {
      const client: oauth.Client = { client_id: 'paybridge-test-app' };
      const signInRes = await oauth.genericTokenEndpointRequest(as, client, oauth.None(), 'password',
        { username: 'oauth@example.com', password: PASSWORD }, insecure);
      const signIn = await oauth.processGenericTokenEndpointResponse(as, client, signInRes);
      expect(signIn.refresh_token).toEqual(expect.any(String));
      expect(await (await api(signIn.access_token, '/api/v1/customers/me')).json()).toMatchObject({ id: customerId });

      const refreshed = await oauth.processRefreshTokenResponse(as, client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), signIn.refresh_token!, insecure));
      expect(refreshed.refresh_token).not.toBe(signIn.refresh_token);
      expect((await api(refreshed.access_token, '/api/v1/customers/me')).status).toBe(200);

      const replay = await oauth.processRefreshTokenResponse(as, client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), signIn.refresh_token!, insecure)).catch((e: unknown) => e);
      expect(replay).toBeInstanceOf(oauth.ResponseBodyError);
      expect(replay).toMatchObject({ status: 400, error: 'invalid_grant' });
      const revoked = await oauth.processRefreshTokenResponse(as, client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure)).catch((e: unknown) => e);
      expect(revoked).toMatchObject({ status: 400, error: 'invalid_grant' });
    });
  });
});
