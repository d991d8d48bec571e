/**
 * TRUST_PROXY decides who "the client" is behind a reverse proxy. With the proxy trusted, the hosted page's
 * per-client payment rate limit counts each X-Forwarded-For client on its own; without it, every client
 * behind the proxy is the proxy's address and they all share one bucket. (HTTP only: one database is enough.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TrustProxy } from '../../src/config.js';
import { PAY_RATE_LIMIT } from '../../src/http/pages/hosted-page.js';
import { testApp, type TestApp } from '../helpers/app.js';

describe('TRUST_PROXY and the per-client payment rate limit', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  /** One payment attempt on the hosted page, arriving through a proxy on 127.0.0.1 for `client`. */
  const attempt = (client: string) => t!.app.inject({
    method: 'POST', url: '/pay/cs_rate_limit_probe', remoteAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': client, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'number=4242424242424242',
  });

  async function exhaust(client: string): Promise<void> {
    const statuses: number[] = [];
    for (let i = 0; i <= PAY_RATE_LIMIT; i++) statuses.push((await attempt(client)).statusCode);
    expect(statuses.slice(0, PAY_RATE_LIMIT)).not.toContain(429);
    expect(statuses[PAY_RATE_LIMIT]).toBe(429);
  }

  it.each([[['127.0.0.1']], [['10.0.0.0/8', '127.0.0.0/8']], [1], [true]] as [TrustProxy][])('trusted proxy (%j): each forwarded client has its own bucket', async (trustProxy) => {
    t = await testApp('sqlite', { demo: false, trustProxy });
    await exhaust('203.0.113.10');
    expect((await attempt('203.0.113.20')).statusCode).not.toBe(429);
    expect((await attempt('198.51.100.7, 203.0.113.30')).statusCode).not.toBe(429);
    expect((await attempt('203.0.113.10')).statusCode).toBe(429);
  });

  it('no trusted proxy: every client behind the proxy shares the proxy\'s bucket', async () => {
    t = await testApp('sqlite', { demo: false, trustProxy: false });
    await exhaust('203.0.113.10');
    expect((await attempt('203.0.113.20')).statusCode).toBe(429);
  });

  it('a proxy that is not the trusted one cannot choose the client address', async () => {
    t = await testApp('sqlite', { demo: false, trustProxy: ['10.0.0.1'] });
    await exhaust('203.0.113.10');
    expect((await attempt('203.0.113.20')).statusCode).toBe(429);
  });
});
