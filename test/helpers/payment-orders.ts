/** What the payment orders payment-order suites share: the app, a worker, the native API and the hosted page. */
import { UndiciHttpClient } from '../../src/adapters/undici-http-client.js';
import type { Mailer } from '../../src/ports/mailer.js';
import { Worker } from '../../src/worker/worker.js';
import { INTEGRATION_KEY, testApp } from './app.js';
import type { Dialect } from './stores.js';

/**
 * The whole HTTP app on a fresh `dialect` database with a fake clock (`t`), and a `worker` that delivers
 * callbacks over real HTTP and hands e-mails to `mailer`. `api` calls `/api/v1<url>` as the demo
 * integration key unless `auth` is given (an undefined payload sends no body); `read` is the order as
 * `GET /payment-orders/:orderId` answers it; `pay` pays a payment link on the hosted page like a browser
 * would (CSRF cookie and token).
 */
export async function openPaymentOrderSuite(dialect: Dialect, mailer: Mailer) {
  const t = await testApp(dialect);
  const http = new UndiciHttpClient({ allowPrivate: true });
  const worker = new Worker(t.deps, { http, mailer }, { id: 'w', random: () => 0.5 });
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object | null, auth = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return {
    t, worker, api,
    read: async (orderId: string) => (await api('GET', `/payment-orders/${orderId}`)).json(),
    async pay(paymentLink: string, number = '4242 4242 4242 4242') {
      const path = new URL(paymentLink).pathname;
      const page = await t.app.inject({ method: 'GET', url: path });
      const cookie = page.cookies.find((c) => c.name === 'pb_csrf')!;
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      return t.app.inject({
        method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pb_csrf=${cookie.value}` },
        payload: new URLSearchParams({ _csrf: token, number, expiry: '12/34', cvc: '123', name: 'Ada Lovelace' }).toString(),
      });
    },
    async close() {
      await http.close();
      await t.close();
    },
  };
}

export type PaymentOrderSuite = Awaited<ReturnType<typeof openPaymentOrderSuite>>;
