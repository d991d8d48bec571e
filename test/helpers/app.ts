/**
 * Builds the whole HTTP app on a fresh database, with a fake clock, for `app.inject` tests.
 * Returns the admin key, the demo integration key, the demo shop and a helper to sign in customers.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import { createPino } from '../../src/adapters/pino-logger.js';
import { FakeClock } from '../../src/adapters/system-clock.js';
import { ensureApiKey } from '../../src/app/api-keys.js';
import type { Deps } from '../../src/app/deps.js';
import { loadConfig, type TrustProxy } from '../../src/config.js';
import { buildApp, REDACT } from '../../src/http/app.js';
import { openRuntime } from '../../src/main.js';
import { testDatabase, type Dialect } from './stores.js';

export const ADMIN_KEY: string = 'pb_admin_test_key_0123456789abcdef';
/** An integration key every test app has (the demo key itself is random per database). */
export const INTEGRATION_KEY: string = 'pb_integration_test_key_0123456789abcdef';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly deps: Deps;
  readonly clock: FakeClock;
  readonly shopId: string;
  /** The demo shop's sandbox gateway ('' without demo data). */
  readonly sandboxGatewayId: string;
  /** The database URL, to open a second connection (a file for SQLite when `sqliteFile` was given). */
  readonly databaseUrl: string;
  /** Sends a request with `Authorization: Bearer <auth>` when auth is given. */
  request(options: InjectOptions & { auth?: string }): Promise<LightMyRequestResponse>;
  /** Creates a customer with a password and returns an access token for it. */
  customerToken(email: string, password?: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function testApp(
  dialect: Dialect,
  options: { demo?: boolean; tokenRateLimit?: number; sqliteFile?: string; allowPrivateUrls?: boolean; trustProxy?: TrustProxy; logs?: DestinationStream } = {},
): Promise<TestApp> {
  const db = await testDatabase(dialect, options.sqliteFile);
  const clock = new FakeClock(Date.UTC(2026, 10, 21, 12));
  // The tests' merchants and receivers listen on 127.0.0.1: private targets are allowed unless a test says not.
  const config = loadConfig({
    DATABASE_URL: db.url, PAYBRIDGE_ADMIN_KEY: ADMIN_KEY, PAYBRIDGE_DEMO: options.demo === false ? '0' : '1',
    PAYBRIDGE_ALLOW_PRIVATE_URLS: options.allowPrivateUrls === false ? '0' : '1',
  });
  // Silent unless the test reads the logs: then JSON lines at info, as a production process writes them.
  const logger = options.logs ? createPino({ level: 'info', redact: REDACT, pretty: false, destination: options.logs }) : pino({ level: 'silent' });
  const runtime = await openRuntime(config, { clock, pino: logger });
  await ensureApiKey(runtime.deps, INTEGRATION_KEY, 'Test integration key', 'integration');
  const app = await buildApp({
    deps: runtime.deps, publicUrl: 'http://127.0.0.1:3000', tokenRateLimit: options.tokenRateLimit ?? 10_000, metricsMaxAgeMs: 0,
    ...(options.logs ? { loggerInstance: logger } : {}),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  await app.ready();
  const shopId = runtime.demo?.shopId ?? '';
  const gateways = shopId ? (await runtime.deps.store.gateways.list({ shopId }, { limit: 100 })).items : [];
  const sandboxGatewayId = gateways.find((g) => g.kind === 'sandbox')?.id ?? '';
  const request = ({ auth, headers, ...rest }: InjectOptions & { auth?: string }) =>
    app.inject({ ...rest, headers: { ...headers, ...(auth ? { authorization: `Bearer ${auth}` } : {}) } });
  return {
    app, deps: runtime.deps, clock, shopId, sandboxGatewayId, databaseUrl: db.url,
    request,
    async customerToken(email, password = 'correct horse battery') {
      const created = await request({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email, password } });
      if (created.statusCode !== 201) throw new Error(`customer not created: ${created.body}`);
      const token = await request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: email, password } });
      if (token.statusCode !== 200) throw new Error(`no token: ${token.body}`);
      return { id: created.json().id as string, token: token.json().access_token as string };
    },
    async close() {
      await app.close();
      await runtime.deps.store.close();
      await db.drop();
    },
  };
}
