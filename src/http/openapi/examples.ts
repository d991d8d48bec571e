/**
 * Request and response examples for the main routes of the OpenAPI document, keyed by `METHOD path` as
 * Fastify registers it. They are taken from a real run on the demo data (the ids shortened), and a test
 * validates each one against its route's schemas, so an example can never drift from the API.
 */

export interface Example {
  readonly summary: string;
  readonly value: unknown;
}

interface RouteExamples {
  /** Named request bodies. */
  readonly request?: Readonly<Record<string, Example>>;
  /** The success status and its example. */
  readonly response?: { readonly status: number; readonly example: Example };
}

const AT = '2026-11-21T12:00:00.000Z';
const SHOP = 'shop_01m7yzmhg0a8bsrzj1azeneg1m';
const CUSTOMER = 'cus_01m7yzmhg0a8bsrzj1azeneg1t';
const GATEWAY = 'gw_01m7yzmhg0a8bsrzj1azeneg1p';
const ACTOR = 'api_key:key_01m7yzmhg0a8bsrzj1azeneg1r';

const lines = [
  { id: 1, product_id: 1, sku: 'JS-FUND', title: 'JavaScript Fundamentals', quantity: 1, unit_amount: 4999, subtotal: 4999, discount: 0, tax: 0, total: 4999 },
  { id: 2, product_id: 2, sku: 'ADV-REACT', title: 'Advanced React', quantity: 1, unit_amount: 9999, subtotal: 9999, discount: 0, tax: 0, total: 9999 },
];

function txn(id: string, kind: string, amount: number, parent: string | null) {
  return {
    id, kind, status: 'succeeded', amount, currency: 'USD', gateway_id: GATEWAY, parent_id: parent,
    processor_token: `sbx_${kind.slice(0, 4)}_${id}`, action_id: null, error_code: null, error_message: null,
    message: null, avs_code: null, avs_message: null, cvv_code: null, cvv_message: null, fraud_review: null, metadata: {}, created_at: AT, updated_at: AT,
  };
}

const AUTH = txn('txn_auth_1y', 'authorization', 14998, null);
const CAPTURE = txn('txn_capture_24', 'capture', 14998, AUTH.id);
const REFUND = txn('txn_refund_2b', 'refund', 4999, CAPTURE.id);

const moved = (from: string, to: string, axis: string, because: { id: string; kind: string }) =>
  ({ axis, from, to, actor: ACTOR, reason: `${because.kind} ${because.id} succeeded`, at: AT });

function order(state: { status: string; payment_status: string; fulfillment_status: string }, transactions: unknown[], history: unknown[]) {
  return {
    id: 1, object: 'order', shop_id: SHOP, customer_id: CUSTOMER, number: null, currency: 'USD', ...state,
    subtotal: 14998, discount: 0, tax: 0, total: 14998, promo_code: null, country: 'US', email: null, metadata: { cart_id: 'cart_5521' },
    placed_at: state.status === 'pending' ? null : AT, cancelled_at: null, created_at: AT, updated_at: AT, lines, transactions, history, notifications: [],
  };
}

const authorizedHistory = [moved('pending', 'placed', 'status', AUTH), moved('unpaid', 'authorized', 'payment_status', AUTH)];
const capturedHistory = [...authorizedHistory, moved('authorized', 'paid', 'payment_status', CAPTURE), moved('unfulfilled', 'fulfilled', 'fulfillment_status', CAPTURE)];
const paid = { status: 'placed', payment_status: 'paid', fulfillment_status: 'fulfilled' };

export const ROUTE_EXAMPLES: Readonly<Record<string, RouteExamples>> = {
  'POST /api/v1/customers': {
    request: {
      minimal: { summary: 'A buyer your platform signs in itself, with your id for it', value: { email: 'ada@example.com', external_id: 'user_8812', first_name: 'Ada', last_name: 'Lovelace' } },
      withPassword: { summary: 'A buyer who signs in with the password grant', value: { email: 'grace@example.com', password: 'correct horse battery' } },
    },
    response: {
      status: 201,
      example: { summary: 'Created', value: { id: CUSTOMER, object: 'customer', email: 'ada@example.com', external_id: 'user_8812', first_name: 'Ada', last_name: 'Lovelace', restricted: false, has_password: false, created_at: AT, updated_at: AT } },
    },
  },
  'POST /api/v1/orders': {
    request: {
      twoCourses: { summary: 'Two courses for a customer, with your own reference in metadata', value: { shop_id: SHOP, customer_id: CUSTOMER, lines: [{ product_id: 1 }, { product_id: 2 }], country: 'US', metadata: { cart_id: 'cart_5521' } } },
      seats: { summary: 'Five seats of one course (five seat codes once paid)', value: { shop_id: SHOP, customer_id: CUSTOMER, lines: [{ product_id: 3, quantity: 5 }], number: 'PO-2026-0042' } },
    },
    response: {
      status: 201,
      example: { summary: 'Priced from the catalog, waiting for a payment', value: order({ status: 'pending', payment_status: 'unpaid', fulfillment_status: 'unfulfilled' }, [], []) },
    },
  },
  'POST /api/v1/orders/:id/payments': {
    request: {
      twoStage: { summary: 'Authorize only; capture later', value: { gateway_id: GATEWAY, source: { type: 'card', token: 'tok_sandbox_success_4242' }, capture: false } },
      singleStage: { summary: 'Authorize and capture at once', value: { gateway_id: GATEWAY, source: { type: 'card', token: 'tok_sandbox_success_4242' }, capture: true } },
      stripe: {
        summary: 'Stripe: a PaymentMethod from Stripe.js, confirmed server-side (3-D Secure: pending, then back to return_url)',
        value: { gateway_id: 'gw_01m7z0stripe0000000000000', source: { type: 'stripe_payment_method', token: 'pm_1QxYz2AbCdEfGhIj' }, return_url: 'https://learn.example.com/checkout/done' },
      },
    },
    response: {
      status: 200,
      example: { summary: 'Authorized (check transaction.status: succeeded, pending or failed)', value: { transaction: AUTH, order: order({ status: 'placed', payment_status: 'authorized', fulfillment_status: 'unfulfilled' }, [AUTH], authorizedHistory) } },
    },
  },
  'POST /api/v1/gateways': {
    request: {
      stripe: {
        summary: 'A Stripe gateway (test mode first): the keys are stored and never shown again',
        value: { shop_id: SHOP, kind: 'stripe', name: 'Stripe', secret_key: 'sk_test_51AbCdEfGhIjKlMnOpQrStUv', webhook_secret: 'whsec_AbCdEfGhIjKlMnOpQrStUvWx', capture: 'automatic' },
      },
      sandbox: { summary: 'The built-in sandbox (test cards)', value: { shop_id: SHOP, kind: 'sandbox', name: 'Sandbox' } },
    },
    response: {
      status: 201,
      example: {
        summary: 'Register stripe.webhook_endpoint_url in the Stripe dashboard',
        value: {
          id: 'gw_01m7z0stripe0000000000000', object: 'gateway', shop_id: SHOP, kind: 'stripe', name: 'Stripe',
          stripe: {
            mode: 'test', secret_key_last4: 'StUv', webhook_secret_last4: 'UvWx', capture: 'automatic', api_base: null, timeout_ms: 30000,
            webhook_endpoint_url: 'https://pay.example.com/webhooks/stripe/gw_01m7z0stripe0000000000000',
          },
          created_at: AT, updated_at: AT,
        },
      },
    },
  },
  'POST /api/v1/orders/:id/capture': {
    request: {
      full: { summary: 'Capture everything authorized', value: {} },
      partial: { summary: 'Capture part of it (minor units)', value: { amount: 9999 } },
    },
    response: {
      status: 200,
      example: { summary: 'Captured in full: the order is paid and fulfilled', value: { transaction: CAPTURE, order: order(paid, [AUTH, CAPTURE], capturedHistory) } },
    },
  },
  'POST /api/v1/orders/:id/refunds': {
    request: {
      partial: { summary: 'Refund one course (minor units)', value: { amount: 4999 } },
      full: { summary: 'Refund all that is left (revokes what the order granted)', value: {} },
    },
    response: {
      status: 200,
      example: {
        summary: 'Partly refunded',
        value: { transaction: REFUND, order: order({ ...paid, payment_status: 'partially_refunded' }, [AUTH, CAPTURE, REFUND], [...capturedHistory, moved('paid', 'partially_refunded', 'payment_status', REFUND)]) },
      },
    },
  },
  'POST /api/v1/webhook-endpoints': {
    request: {
      some: { summary: 'Order events and captures, for every shop', value: { url: 'https://platform.example.com/hooks/paybridge', event_types: ['order.*', 'payment.captured'], description: 'Platform backend' } },
      all: { summary: 'Everything one shop emits', value: { url: 'https://platform.example.com/hooks/shop-1', shop_id: SHOP, event_types: ['*'] } },
    },
    response: {
      status: 201,
      example: {
        summary: 'Created, with its signing secret (also at /webhook-endpoints/{id}/secret)',
        value: {
          id: 'we_01m7yzmhg0eqrdxmda19tad4ms', object: 'webhook_endpoint', url: 'https://platform.example.com/hooks/paybridge', shop_id: null,
          event_types: ['order.*', 'payment.captured'], description: 'Platform backend', enabled: true, disabled_reason: null, consecutive_failures: 0,
          secret: 'whsec_drbazRdbwLvanxNkztnt9D07ZMZIbHP/r3oHRPeDOsg=', created_at: AT, updated_at: AT,
        },
      },
    },
  },
  'POST /api/v1/checkout-sessions': {
    request: {
      newUser: {
        summary: 'For a user of your platform, created on the fly from your user id',
        value: {
          customer: { external_id: 'user_8812', email: 'ada@example.com', name: 'Ada Lovelace' }, lines: [{ product_id: 1 }], promo_code: 'WELCOME10',
          success_url: 'https://platform.example.com/paid?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://platform.example.com/cart',
          expires_in: 3600, metadata: { cart: 'cart_5521' },
        },
      },
      known: { summary: 'For a customer you already have, by its id', value: { customer: { id: CUSTOMER }, lines: [{ product_id: 2 }, { product_id: 3, quantity: 5 }] } },
    },
    response: {
      status: 201,
      example: {
        summary: 'Send the buyer to url',
        value: {
          id: 'cs_hX3kq9VbR2mT7wYc4LpN8d', object: 'checkout_session', url: 'http://127.0.0.1:3000/pay/cs_hX3kq9VbR2mT7wYc4LpN8d', status: 'open',
          expires_at: '2026-11-21T13:00:00.000Z', order_id: 42, amount_total: 4499, currency: 'USD', customer_id: CUSTOMER,
          success_url: 'https://platform.example.com/paid?session=cs_hX3kq9VbR2mT7wYc4LpN8d', cancel_url: 'https://platform.example.com/cart',
          metadata: { cart: 'cart_5521' }, created_at: AT,
        },
      },
    },
  },
  'POST /api/v1/checkout': {
    request: {
      courses: { summary: 'Three courses for the signed-in customer', value: { courses: [1, 2, 3] } },
      promo: { summary: 'With a promo code', value: { courses: [1, 2], promo_code: 'WELCOME10' } },
    },
    response: {
      status: 200,
      example: {
        summary: 'Send the buyer to checkout_url',
        value: {
          status: 'SUCCESS', checkout_url: 'http://127.0.0.1:3000/pay/cs_01m7yzmhg0eqrdxmda19tad4n1', session_id: 'cs_01m7yzmhg0eqrdxmda19tad4n1', order_id: 1,
          total_amount: 199.97, courses: [{ id: 1, title: 'JavaScript Fundamentals', price: 49.99 }, { id: 2, title: 'Advanced React', price: 99.99 }, { id: 3, title: 'Node.js Mastery', price: 49.99 }],
        },
      },
    },
  },
};

type Schema = Record<string, unknown>;

/**
 * The route's schema with its examples attached for the OpenAPI document only (`x-examples` becomes the
 * media type's `examples`): the schemas that validate and serialise are not touched.
 */
export function withExamples<S extends { body?: unknown; response?: unknown }>(schema: S, examples: RouteExamples | undefined): S {
  if (!examples) return schema;
  const out: S = { ...schema };
  if (examples.request && schema.body) out.body = { ...(schema.body as Schema), 'x-examples': examples.request };
  const response = schema.response as Record<string, Schema> | undefined;
  const status = examples.response?.status;
  if (examples.response && response?.[status!]) {
    out.response = { ...response, [status!]: { ...response[status!], 'x-examples': { example: examples.response.example } } };
  }
  return out;
}
