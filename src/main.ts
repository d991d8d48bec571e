/**
 * Wiring: the only module that imports every layer. Opens the store, migrates, makes sure the server
 * secrets, the admin key and (unless turned off) the demo data exist, and builds the HTTP app.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';
import { createPino, PinoLogger } from './adapters/pino-logger.js';
import { FileMailer, SmtpMailer } from './adapters/mail/nodemailer-mailer.js';
import { PublicOutboundPolicy } from './adapters/public-addresses.js';
import { UndiciHttpClient } from './adapters/undici-http-client.js';
import { NodeHasher } from './adapters/node-crypto.js';
import { JwtSigner } from './adapters/jwt-signer.js';
import { RandomIds } from './adapters/random-ids.js';
import { createStore } from './adapters/store/kysely-store.js';
import { StandardWebhookSigner } from './adapters/standard-webhooks.js';
import { SystemClock } from './adapters/system-clock.js';
import { ManualGateway } from './adapters/gateways/manual-gateway.js';
import { StoreGatewayResolver } from './adapters/gateways/resolver.js';
import { SandboxGateway } from './adapters/gateways/sandbox-gateway.js';
import { ExternalHttpGateway } from './adapters/gateways/external-http-gateway.js';
import { StripeGateway } from './adapters/gateways/stripe-gateway.js';
import { readStripeConfig } from './app/gateways/stripe-config.js';
import { CircuitBreakingGateway } from './app/gateways/external-calls.js';
import { readExternalConfig } from './app/gateways/external-config.js';
import { createApiKey, ensureApiKey } from './app/api-keys.js';
import type { Deps } from './app/deps.js';
import { createDemoData, type DemoSummary } from './app/demo-data.js';
import type { Config } from './config.js';
import { buildApp, REDACT } from './http/app.js';
import type { Clock } from './ports/clock.js';
import type { Ids } from './ports/ids.js';
import type { Store } from './ports/store.js';
import { Worker } from './worker/worker.js';

export interface Runtime {
  readonly deps: Deps;
  /** Set when this start created the admin key: it is printed once and never again. */
  readonly newAdminKey: string | null;
  readonly demo: DemoSummary | null;
  /** The process's pino instance: Fastify's request lines and `deps.log` write through it. */
  readonly pino: Pino;
}

interface RuntimeOverrides {
  readonly clock?: Clock;
  readonly ids?: Ids;
  readonly store?: Store;
  /** Where the logs go (tests capture them); default: stdout, pretty on a TTY, JSON otherwise. */
  readonly pino?: Pino;
}

/** The process's logger at LOG_LEVEL, with the credential-carrying request headers redacted. */
function processLogger(config: Pick<Config, 'logLevel'>): Pino {
  return createPino({ level: config.logLevel, redact: REDACT });
}

/** Opens the database and prepares everything the processes need. */
export async function openRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const clock = overrides.clock ?? new SystemClock();
  const ids = overrides.ids ?? new RandomIds(clock);
  const store = overrides.store ?? createStore({ url: config.databaseUrl, clock, ids });
  const pino = overrides.pino ?? processLogger(config);
  await store.migrate();
  const jwtSecret = await store.settings.putIfAbsent('jwt_secret', ids.secret(32));
  const hasher = new NodeHasher();
  const log = new PinoLogger(pino);
  const sandbox = new SandboxGateway(clock);
  const manual = new ManualGateway();
  const gatewayHttp = new UndiciHttpClient({ allowPrivate: config.allowPrivateUrls });
  // One SDK client per Stripe gateway configuration (a changed configuration makes a new one).
  const stripeClients = new Map<string, { version: number; gateway: StripeGateway }>();
  const gateways = new StoreGatewayResolver(store, {
    sandbox: () => sandbox, manual: () => manual,
    stripe: (g) => {
      const cached = stripeClients.get(g.id);
      if (cached && cached.version === g.updatedAt) return cached.gateway;
      const gateway = new StripeGateway(readStripeConfig(g), { clock, allowPrivate: config.allowPrivateUrls, defaultReturnUrl: `${config.publicUrl}/pay/stripe/return` });
      stripeClients.set(g.id, { version: g.updatedAt, gateway });
      return gateway;
    },
    external: (g) => {
      const settings = readExternalConfig(g);
      return new CircuitBreakingGateway({ store, clock, log }, g, settings, new ExternalHttpGateway(settings, gatewayHttp));
    },
  });
  const deps: Deps = {
    store, clock, ids, hasher, tokens: new JwtSigner(jwtSecret, clock), signer: new StandardWebhookSigner(), gateways,
    publicUrl: config.publicUrl, outbound: new PublicOutboundPolicy(config.allowPrivateUrls), log,
  };

  let newAdminKey: string | null = null;
  if (config.adminKey) {
    await ensureApiKey(deps, config.adminKey, 'Admin key (PAYBRIDGE_ADMIN_KEY)', 'admin');
  } else if (!(await store.settings.get('first_admin_key'))) {
    // First start without PAYBRIDGE_ADMIN_KEY: make one and print it once. Of two processes racing
    // here, the one that records its key first wins; the other revokes its own and prints nothing.
    const created = await createApiKey(deps, { name: 'Admin key (first start)', role: 'admin' });
    const winner = await store.settings.putIfAbsent('first_admin_key', created.apiKey.id);
    if (winner === created.apiKey.id) newAdminKey = created.secret;
    else await store.apiKeys.revoke(created.apiKey.id, clock.now());
  }
  const demo = config.demo ? await createDemoData(deps) : null;
  return { deps, newAdminKey, demo, pino };
}

export async function startServer(config: Config, runtime: Runtime): Promise<FastifyInstance> {
  const app = await buildApp({
    deps: runtime.deps, publicUrl: config.publicUrl,
    loggerInstance: runtime.pino, trustProxy: config.trustProxy,
  });
  await app.listen({ port: config.port, host: config.host });
  return app;
}

/** Where e-mails go without SMTP_URL: .eml files beside the SQLite database's default location. */
const MAIL_DIR = join('data', 'mail');

export function createWorker(config: Config, runtime: Pick<Runtime, 'deps'>, options: { leaseMs?: number | undefined } = {}): { worker: Worker; close(): Promise<void> } {
  const http = new UndiciHttpClient({ allowPrivate: config.allowPrivateUrls });
  const mailer = config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : new FileMailer(MAIL_DIR, config.mailFrom);
  const worker = new Worker(runtime.deps, { http, mailer }, {
    id: `${hostname()}:${process.pid}:${runtime.deps.ids.secret(4)}`, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  });
  return { worker, close: () => http.close() };
}
