/**
 * SIGTERM to the `npm start` process itself (what a process manager or a container runtime sends) drains
 * the server: the request in flight completes, nothing new is accepted, and the whole process tree exits 0
 * within 10 s, saying so in one line at the start and one at the end. The same for a worker started with
 * `npm run paybridge -- worker`: its delivery in flight completes and is recorded before it exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emit } from '../../src/app/events.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime, type Runtime } from '../../src/main.js';
import { freePort } from '../helpers/ports.js';
import { startNpm, waitFor, type Started } from '../helpers/processes.js';

const ADMIN = 'pb_admin_shutdown_test_key_0123';
const STARTED = /^Paybridge (server|worker): SIGTERM received, shutting down/m;
const DONE = /^Paybridge (server|worker): shut down cleanly in \d+ ms$/m;

/** True when something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** The pid of the server process npm started, from its JSON log lines. */
function serverPid(output: string): number | undefined {
  const m = /"pid":(\d+)/.exec(output);
  return m ? Number(m[1]) : undefined;
}

describe('shutdown on SIGTERM', () => {
  let proc: Started | undefined;
  let dir: string | undefined;
  let runtime: Runtime | undefined;
  let receiver: Server | undefined;
  afterEach(async () => {
    await proc?.kill();
    receiver?.closeAllConnections();
    receiver?.close();
    await runtime?.deps.store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm start: the request in flight completes, then the whole tree exits 0 within 10 s and nothing listens', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-shutdown-'));
    const port = await freePort();
    proc = startNpm(['start'], {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'paybridge.db')}`, PAYBRIDGE_ADMIN_KEY: ADMIN, LOG_LEVEL: 'info',
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.status === 200, 60_000, `the server\n${proc.output()}`);

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ name: 'Shop created during shutdown', currency: 'EUR' });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/v1/shops',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      void waitFor(() => STARTED.test(proc!.output()), 10_000, 'the shutdown line').then(() => req.end(body.slice(10)), reject);
    });
    await waitFor(() => proc!.output().includes('"url":"/api/v1/shops"'), 10_000, 'the request to reach the server');
    const pid = serverPid(proc.output());
    expect(pid).toBeDefined();

    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    const response = await answer;
    const code = await proc.exited;
    const took = Date.now() - signalled;

    expect(response.status, response.body).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ object: 'shop', name: 'Shop created during shutdown' });
    expect(code, proc.output()).toBe(0);
    expect(took).toBeLessThan(10_000);
    expect(proc.output()).toMatch(STARTED);
    expect(proc.output()).toMatch(DONE);
    expect(alive(pid!)).toBe(false);
    expect(await listening(port)).toBe(false);
  }, 90_000);

  it('npm run paybridge -- worker: the delivery in flight completes and is recorded, then it exits 0 within 10 s', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-shutdown-'));
    const url = `sqlite:${join(dir, 'paybridge.db')}`;
    runtime = await openRuntime(loadConfig({ DATABASE_URL: url, PAYBRIDGE_DEMO: '0', PAYBRIDGE_ADMIN_KEY: ADMIN }));
    // A receiver that holds the first webhook until the worker has been told to stop.
    const held: ServerResponse[] = [];
    receiver = createServer((req, res) => { req.resume(); req.on('end', () => held.push(res)); });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const deps = runtime.deps;
    const endpoint = await deps.store.webhooks.insertEndpoint({
      id: deps.ids.next('we'), shopId: null, url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      secret: deps.signer.newSecret(), eventTypes: ['*'], description: null, enabled: true, disabledReason: null, consecutiveFailures: 0,
    });
    const event = await deps.store.tx((tx) => emit(deps, tx, { type: 'webhook.test', shopId: null, data: { n: 1 } }));

    proc = startNpm(['run', 'paybridge', '--', 'worker', '--poll-ms', '20'], { DATABASE_URL: url, PAYBRIDGE_ALLOW_PRIVATE_URLS: '1' });
    await waitFor(() => held.length > 0, 60_000, `the webhook to arrive\n${proc.output()}`);

    const signalled = Date.now();
    proc.child.kill('SIGTERM');
    await waitFor(() => STARTED.test(proc!.output()), 10_000, 'the shutdown line');
    held[0]!.end('ok');
    const code = await proc.exited;

    expect(code, proc.output()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(proc.output()).toMatch(DONE);
    const [delivery] = (await deps.store.webhooks.listDeliveries({ endpointId: endpoint.id, eventId: event.id }, { limit: 10 })).items;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
  }, 90_000);
});
