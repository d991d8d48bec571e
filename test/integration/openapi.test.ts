/**
 * The OpenAPI document beyond the routes: the `webhooks` section documents every event type, and the events
 * the app really emits match it; the examples of the main routes are valid requests and responses. (The
 * document does not depend on the database: SQLite is enough.)
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/app/events.js';
import { ROUTE_EXAMPLES } from '../../src/http/openapi/examples.js';
import { webhookBody } from '../../src/worker/deliver-webhooks.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';

type Json = Record<string, any>;

/** `schema` with every `#/components/schemas/…` reference replaced by the schema it names. */
function inline(schema: unknown, components: Json): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, components));
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as Json)['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) return inline(components[ref.slice('#/components/schemas/'.length)], components);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, components)]));
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  const ajv = addFormats.default(new Ajv.default({ strict: false, allErrors: true }));
  const check = (schema: unknown, value: unknown) => {
    const validate = ajv.compile(inline(schema, doc['components']['schemas']) as object);
    return validate(value) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
  };

  beforeAll(async () => {
    t = await testApp('sqlite');
    doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => { await t?.close(); });

  it('documents every event type in the OpenAPI 3.1 webhooks section, each with its envelope and data', () => {
    expect(Object.keys(doc['webhooks']).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const op = doc['webhooks'][type].post;
      expect(op.description, type).toMatch(/\w/);
      const schema = op.requestBody.content['application/json'].schema;
      expect(schema.properties.type).toEqual({ const: type, type: 'string' });
      expect(schema.required).toEqual(['id', 'type', 'timestamp', 'sequence', 'order_id', 'shop_id', 'data']);
      expect(op.parameters.map((p: Json) => p['name'])).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    }
  });

  it('describes the events the app really emits, whatever their type', async () => {
    const api = (method: 'POST' | 'GET', url: string, payload?: object, auth = INTEGRATION_KEY) =>
      t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
    const customer = (await api('POST', '/customers', { email: 'events@example.com' }, ADMIN_KEY)).json().id as string;
    const newOrder = async () => (await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer, lines: [{ product_id: 1 }] })).json().id as number;
    const paid = await newOrder();
    expect((await api('POST', `/orders/${paid}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card', token: 'tok_sandbox_success_4242' }, capture: true })).statusCode).toBe(200);
    expect((await api('POST', `/orders/${paid}/refunds`, {})).statusCode).toBe(200);
    const declined = await newOrder();
    await api('POST', `/orders/${declined}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card', token: 'tok_sandbox_decline_0002' } });
    const cancelled = await api('POST', `/orders/${declined}/cancel`, { reason: 'changed my mind' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const authorized = await newOrder();
    await api('POST', `/orders/${authorized}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card', token: 'tok_sandbox_success_4242' }, capture: false });
    await api('POST', `/orders/${authorized}/void`);
    const endpoint = await api('POST', '/webhook-endpoints', { url: 'https://hooks.example.com/openapi-test', event_types: ['*'] });
    await api('POST', `/webhook-endpoints/${endpoint.json().id}/test`);

    const events = (await t.deps.store.events.list({}, { limit: 100 })).items;
    const seen = new Set(events.map((e) => e.type));
    for (const type of ['order.created', 'order.placed', 'order.cancelled', 'payment.authorized', 'payment.captured', 'payment.failed', 'payment.voided', 'payment.refunded', 'purchase.fulfilled', 'fulfillment.revoked', 'webhook.test']) {
      expect(seen, type).toContain(type);
    }
    for (const event of events) {
      const schema = doc['webhooks'][event.type].post.requestBody.content['application/json'].schema;
      expect(check(schema, JSON.parse(webhookBody(event))), `${event.type} ${webhookBody(event)}`).toEqual([]);
    }
  });

  it('has request and response examples on the main routes, each valid against its route\'s schemas', () => {
    const keys = Object.keys(ROUTE_EXAMPLES);
    for (const route of ['POST /api/v1/orders', 'POST /api/v1/orders/:id/payments', 'POST /api/v1/orders/:id/capture', 'POST /api/v1/orders/:id/refunds',
      'POST /api/v1/webhook-endpoints', 'POST /api/v1/checkout', 'POST /api/v1/customers']) expect(keys).toContain(route);
    for (const [route, examples] of Object.entries(ROUTE_EXAMPLES)) {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc['paths'][path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      expect(op, route).toBeDefined();
      const body = op.requestBody.content['application/json'];
      expect(Object.keys(body.examples), route).toEqual(Object.keys(examples.request!));
      for (const [name, example] of Object.entries(examples.request!)) expect(check(body.schema, example.value), `${route} ${name}`).toEqual([]);
      const response = op.responses[String(examples.response!.status)].content['application/json'];
      expect(response.examples.example.value, route).toEqual(examples.response!.example.value);
      expect(check(response.schema, examples.response!.example.value), `${route} response`).toEqual([]);
    }
  });
});
