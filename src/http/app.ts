/**
 * Builds the Fastify application: plugins in layers (logging and metrics, auth, idempotency, error
 * mapping), then the routes. Used by `paybridge serve` and by the tests through `app.inject`.
 */
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from '../app/deps.js';
import type { TrustProxy } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { sendNativeError } from './errors.js';
import { authPlugin } from './plugins/auth.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { metricsPlugin } from './plugins/metrics.js';
import { checkoutRoutes } from './dialects/checkout.js';
import { purchaseRoutes, thankYouPage } from './dialects/purchases.js';
import { paymentOrderRoutes } from './dialects/payment-orders.js';
import { hostedPageRoutes } from './pages/hosted-page.js';
import { adminRoutes } from './admin/admin.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { externalGatewayRoutes } from './routes/external-gateways.js';
import { customerRoutes } from './routes/customers.js';
import { docsRoutes } from './routes/docs.js';
import { checkoutSessionRoutes } from './routes/checkout-sessions.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { eventRoutes } from './routes/events.js';
import { gatewayRoutes } from './routes/gateways.js';
import { healthRoutes } from './routes/health.js';
import { oauthRoutes } from './routes/oauth.js';
import { orderRoutes } from './routes/orders.js';
import { orderPaymentRoutes } from './routes/order-payments.js';
import { stripeWebhookRoutes } from './routes/stripe-webhooks.js';
import { transactionRoutes } from './routes/transactions.js';
import { productRoutes } from './routes/products.js';
import { promoCodeRoutes } from './routes/promo-codes.js';
import { taxRateRoutes } from './routes/tax-rates.js';
import { shopRoutes } from './routes/shops.js';
import { webhookRoutes } from './routes/webhooks.js';
import { accountRoutes } from './routes/accounts.js';
import { invoiceRoutes } from './routes/invoices.js';
import { invoicePaymentRoutes } from './dialects/invoice-payments.js';
import { limitJsonDepth } from './json-body.js';
import { ErrorBody } from './schemas.js';
import { ROUTE_EXAMPLES, withExamples } from './openapi/examples.js';
import { EVENT_COMPONENTS, openApiWebhooks } from './openapi/webhooks.js';

interface AppOptions {
  readonly deps: Deps;
  /** Public base URL used in links (PUBLIC_URL). */
  readonly publicUrl: string;
  /** pino options, or false for no logs (tests). */
  readonly logger?: boolean | Record<string, unknown>;
  /** How old the business figures at /metrics may be (default METRICS_MAX_AGE_MS; tests: 0). */
  readonly metricsMaxAgeMs?: number;
  /** The process's pino instance (it redacts REDACT itself); takes precedence over `logger`. */
  readonly loggerInstance?: FastifyBaseLogger;
  /** Requests per minute per client on the token endpoint. */
  readonly tokenRateLimit?: number;
  /** The whole request (headers and body) must arrive within this many ms, or the connection is closed (408). */
  readonly requestTimeoutMs?: number;
  /** Which proxies' X-Forwarded-For sets `request.ip` (TRUST_PROXY); default: none, the peer address is the client. */
  readonly trustProxy?: TrustProxy;
  /** Dashboard sign-in attempts per minute per client (default 10). */
  readonly signInRateLimit?: number;
}

/** A client trickling its request a byte at a time holds a connection for no longer than this. */
const REQUEST_TIMEOUT_MS = 30_000;

const BODY_LIMIT = 256 * 1024;

/** Headers that must never reach a log line. */
export const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-commercelayer-signature"]', 'req.headers["webhook-signature"]'];

function validators() {
  // Bodies are strict (a string is not a number); query strings and params are coerced from text.
  const common = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const body = addFormats.default(new Ajv.default({ ...common, coerceTypes: false }));
  const text = addFormats.default(new Ajv.default({ ...common, coerceTypes: 'array' }));
  for (const ajv of [body, text]) ajv.addSchema(ErrorBody as object, 'Error');
  return { body, text };
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count becomes "trust the nearest n hops" (proxy-addr's meaning):
 * Fastify 5.12 turns a bare number into "trust nothing", since it cannot tell a proxy from a client that
 * connects directly; the count is for a server reachable only through its proxies (README).
 */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { deps } = options;
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : {
      logger: options.logger === undefined || options.logger === false ? false
        : { ...(options.logger === true ? {} : options.logger), redact: { paths: REDACT, censor: '[redacted]' } },
    }),
    bodyLimit: BODY_LIMIT,
    // Slow clients: headers within 10 s, the whole request within 30 s; Node checks once a second.
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(10_000, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(1_000, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS),
    },
    genReqId: () => deps.ids.next('req'),
    requestIdHeader: false,
    ajv: { customOptions: { allErrors: true } },
    // An external id (up to 255 characters) travels in a path, percent-encoded: up to 3 bytes a character.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 800 },
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
  });
  // JSON only at the root, never nested absurdly deep; routes that take forms register their own parsers.
  app.removeContentTypeParser('text/plain');
  limitJsonDepth(app);
  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.text).compile(schema));
  app.addSchema(ErrorBody);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config?.secret) reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return payload;
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Paybridge', version: '0.1.0',
        description: 'Self-hosted checkout and payment server. Native API under /api/v1: JSON, snake_case, amounts in integer minor units, cursor pagination, Idempotency-Key on every POST.',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key or an access token from /oauth/token' },
          basic: { type: 'http', scheme: 'basic', description: 'The API key as user name, empty password' },
        },
        schemas: EVENT_COMPONENTS as Record<string, object>,
      },
      webhooks: openApiWebhooks() as { [name: string]: object },
    } as NonNullable<FastifyDynamicSwaggerOptions['openapi']>,
    transform: ({ schema: routeSchema, url, route }) => {
      const schema = routeSchema && withExamples(routeSchema, ROUTE_EXAMPLES[`${String(route.method)} ${url}`]);
      const roles = (route.config as { roles?: readonly string[] } | undefined)?.roles;
      if (!roles || !schema) return { schema, url };
      const description = `${schema.description ? `${schema.description}\n\n` : ''}Callers: ${roles.join(', ')}.`;
      return { schema: { ...schema, description, security: [{ bearer: [] }, { basic: [] }] } as typeof schema, url };
    },
  });
  await app.register(metricsPlugin, { deps, maxAgeMs: options.metricsMaxAgeMs });
  await app.register(authPlugin, { deps });
  await app.register(idempotencyPlugin, { deps });

  app.setNotFoundHandler((request, reply) => sendNativeError(request, reply,
    new DomainError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));
  app.setErrorHandler((error, request, reply) => sendNativeError(request, reply, error));

  await app.register(healthRoutes, { deps });
  await app.register(docsRoutes);
  await app.register(oauthRoutes, { deps, rateLimitMax: options.tokenRateLimit ?? 30 });
  await app.register(async (api) => {
    for (const routes of [
      shopRoutes, productRoutes, customerRoutes, promoCodeRoutes, taxRateRoutes, apiKeyRoutes, orderRoutes, orderPaymentRoutes, transactionRoutes,
      gatewayRoutes, enrollmentRoutes, webhookRoutes, eventRoutes, invoiceRoutes, accountRoutes, checkoutSessionRoutes,
    ]) {
      await api.register(routes, { deps });
    }
  }, { prefix: '/api/v1' });
  // Compatible dialects: each speaks the wire format of the system it is compatible with and renders errors in its own envelope.
  await app.register(checkoutRoutes, { deps, prefix: '/api/v1' }); // Course checkout: POST /api/v1/checkout
  await app.register(paymentOrderRoutes, { deps, prefix: '/api/v1' }); // Payment orders: /api/v1/payment-orders (native error envelope)
  await app.register(purchaseRoutes, { deps, prefix: '/v1' }); // Skilljar-compatible purchases: /v1/purchases/{id}
  await app.register(thankYouPage); // Skilljar-compatible purchases: where buyers land when the shop has no success URL
  await app.register(externalGatewayRoutes, { deps }); // Commerce Layer external gateways: gateway resources and inbound webhooks
  await app.register(stripeWebhookRoutes, { deps }); // Stripe gateways' events: POST /webhooks/stripe/{gatewayId}
  await app.register(hostedPageRoutes, { deps }); // the hosted payment page, /pay/{session}
  await app.register(adminRoutes, { deps, signInRateLimit: options.signInRateLimit }); // the operators' dashboard, /admin
  await app.register(invoicePaymentRoutes, { deps, prefix: '/api/v1' }); // Invoice payments: /api/v1/invoice-payments…
  return app;
}
