/**
 * A fast merchant for external (Commerce Layer protocol) gateways for the bench: answers every authorize / capture / void / refund at once with
 * `{"success": true, "data": {"transaction_token": "...", "amount_cents": <the request's amount>}}`, so the
 * external-gateway flow measures Paybridge's own overhead. It does not verify signatures (the test suite's
 * fake merchant does that). Env: PORT.
 */
import { createServer } from 'node:http';

let served = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', served }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    served++;
    let doc: any;
    try { doc = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { doc = null; }
    const a = doc?.data?.attributes ?? {};
    const amount = a.amount_cents ?? a.capture_amount_cents ?? a.void_balance_cents ?? a.refund_amount_cents ?? doc?.meta?.paybridge?.amount_cents;
    const body = Number.isInteger(amount)
      ? { success: true, data: { transaction_token: `bench_${req.url?.slice(1)}_${doc.data.id}`, amount_cents: amount } }
      : { success: false, error: { code: 'bad_request', message: 'no amount in the request' } };
    res.writeHead(Number.isInteger(amount) ? 200 : 422, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
process.once('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
