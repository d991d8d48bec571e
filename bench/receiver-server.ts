/**
 * The platform's webhook receiver for the bench: one endpoint subscribed to every event, as a real platform
 * has. Answers 204 at once and counts what it got; `GET /` reports `{received, duplicates}` (a duplicate is a
 * `webhook-id` seen before — a redelivery, allowed after a lost answer, never expected in the bench). It does not
 * verify signatures (the test suite does). Env: PORT.
 */
import { createServer } from 'node:http';

const seen = new Set<string>();
let duplicates = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: seen.size, duplicates }));
    return;
  }
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['webhook-id']);
    if (seen.has(id)) duplicates++; else seen.add(id);
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
process.once('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
