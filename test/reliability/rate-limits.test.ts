/** Login-like routes are rate-limited per client: the token endpoint (and the hosted page, see hosted-page.test.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.js';

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp('sqlite', { tokenRateLimit: 5 }); });
  afterAll(async () => { await t?.close(); });

  it('slows down password guessing on the token endpoint: 429 in the RFC 6749 shape after the limit', async () => {
    const guess = () => t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'learner@example.com', password: 'wrong-guess' } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await guess()).statusCode);
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    const limited = await guess();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'slow_down' });
    expect(limited.headers['retry-after']).toBeDefined();
    // Another client address is not affected.
    const other = await t.request({ method: 'POST', url: '/oauth/token', remoteAddress: '127.0.0.9', payload: { grant_type: 'password', username: 'learner@example.com', password: 'paybridge-demo' } });
    expect(other.statusCode).toBe(200);
  });
});
