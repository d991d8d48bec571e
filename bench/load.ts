/**
 * The load generator: a closed loop of N virtual users, each with its own keep-alive HTTP connection
 * (undici Client), running one flow again and again for a fixed time. Latency is per whole flow (all its
 * requests), measured from the flow's start to its end; flows that end during the warm-up are not
 * counted. Throughput is the flows that ended from the warm-up's end until the last one ended, over that time. Server RSS is sampled from /proc/<pid>/status while the cell runs.
 */
import { Client } from 'undici';
import { backlogOf, drained, isEmpty, type Backlog } from './backlog.js';
import type { BenchDb } from './data.js';
import { cpuMs, rssMiB } from './procs.js';

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export interface CallOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The status the flow expects; anything else fails the flow. */
  readonly expect: number;
}

/** One simulated user (a browser, or an integration's HTTP client). */
export interface VirtualUser {
  readonly id: number;
  call(method: 'GET' | 'POST' | 'PATCH', path: string, options: CallOptions): Promise<Response>;
  /**
   * Continues from a fresh loopback source address (127.x.y.z) on a new connection: a new buyer's
   * browser. The hosted page rate-limits POSTs per client address (30 a minute), as it should.
   */
  newAddress(): Promise<void>;
}

export interface Flow {
  readonly name: string;
  /** One iteration; throws on any unexpected answer. */
  run(vu: VirtualUser): Promise<void>;
}

/** Thrown by a flow when its prepared data (buyers, orders) ran out: the cell ends early, not in error. */
export class Exhausted extends Error {}

export class UnexpectedStatus extends Error {
  constructor(method: string, path: string, expected: number, res: Response) {
    super(`${method} ${path.split('?')[0]} → ${res.status} (expected ${expected}): ${res.text.slice(0, 200)}`);
  }
}

export interface CellResult {
  readonly flow: string;
  readonly concurrency: number;
  readonly count: number;
  /** Flows completed including the warm-up (for per-flow figures from the server's own counters). */
  readonly completed: number;
  readonly errors: number;
  readonly firstErrors: readonly string[];
  readonly seconds: number;
  /** Completed flows per second over the measured window. */
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  /** Peak server RSS during the cell, MiB (summed over the server's processes). */
  readonly rssMiB: number | null;
  /**
   * Server CPU time (user + system, every server process) per flow, ms: what one flow costs the server.
   * With a drain (`sustained`), from the cell's start until the worker has done everything the cell's
   * flows left to it, over every flow of the cell (warm-up included); without, over the measured window.
   */
  readonly serverCpuMs: number | null;
  /** Server CPU use over the same time, in cores (1 = one core busy all the time). */
  readonly serverCores: number | null;
  readonly exhausted: boolean;
  /** Present when the cell waited for the worker to catch up (the default for the Paybridge flows). */
  readonly sustained?: Sustained;
}

export interface Sustained {
  /** Every flow of the cell (warm-up included) over the time from its start until the backlog was empty. */
  readonly throughput: number;
  /** What the worker still had to do when the load stopped. */
  readonly backlogAtEnd: Backlog;
  /** From the load's end until the backlog was empty, s. */
  readonly drainSeconds: number;
  /** False when the backlog was not empty after the drain timeout: the figures then understate the cost. */
  readonly drained: boolean;
}

let addressCounter = 0;
/** A loopback address never handed out before in this run (127.1.0.1 onwards, last octet 1–254). */
function nextLoopbackAddress(): string {
  const n = addressCounter++;
  const block = Math.floor(n / 254);
  return `127.${1 + (block >> 8)}.${block & 255}.${(n % 254) + 1}`;
}

class User implements VirtualUser {
  private client: Client;

  constructor(readonly id: number, private readonly origin: string, localAddress: string | null) {
    this.client = this.open(localAddress);
  }

  private open(localAddress: string | null): Client {
    return new Client(this.origin, { pipelining: 1, keepAliveTimeout: 30_000, ...(localAddress ? { localAddress } : {}) });
  }

  async call(method: 'GET' | 'POST' | 'PATCH', path: string, options: CallOptions): Promise<Response> {
    const res = await this.client.request({
      method, path, headers: options.headers ?? {}, ...(options.body !== undefined ? { body: options.body } : {}),
    });
    const out: Response = { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    if (out.status !== options.expect) throw new UnexpectedStatus(method, path, options.expect, out);
    return out;
  }

  async newAddress(): Promise<void> {
    const old = this.client;
    this.client = this.open(nextLoopbackAddress());
    await old.close();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface CellOptions {
  readonly origin: string;
  readonly flow: Flow;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The server's processes: their RSS is sampled and their CPU counted. */
  readonly serverPids: readonly number[];
  /** API origins besides `origin` (several API processes): virtual users are spread over all of them. */
  readonly origins?: readonly string[];
  /**
   * The server's database: when given, the cell starts once the worker's backlog is empty and ends once it
   * is empty again, so its figures are sustained (see `Sustained`).
   */
  readonly drainDb?: BenchDb;
  readonly drainTimeoutMs?: number;
  /** Start every user on a loopback address of its own (flows through the hosted page). */
  readonly ownAddresses?: boolean;
}

/** Runs one cell: `concurrency` users looping over `flow` for warm-up + duration. */
const sumOf = (values: readonly (number | null)[]) => (values.some((v) => v === null) ? null : values.reduce<number>((a, v) => a + v!, 0));
const serverCpu = (pids: readonly number[]) => sumOf(pids.map(cpuMs));
const serverRss = (pids: readonly number[]) => sumOf(pids.map(rssMiB));

/** Runs one cell: `concurrency` users looping over `flow` for warm-up + duration (then the drain). */
export async function runCell(o: CellOptions): Promise<CellResult> {
  const drainTimeoutMs = o.drainTimeoutMs ?? 300_000;
  if (o.drainDb && !(await drained(o.drainDb, drainTimeoutMs))) throw new Error('the previous cell\'s backlog did not drain');
  const origins = [o.origin, ...(o.origins ?? []).filter((u) => u !== o.origin)];
  const users = Array.from({ length: o.concurrency }, (_, i) => new User(i, origins[i % origins.length]!, o.ownAddresses ? nextLoopbackAddress() : null));
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let completed = 0;
  let exhausted = false;
  let rssPeak: number | null = null;
  const sample = () => { const r = serverRss(o.serverPids); if (r !== null) rssPeak = Math.max(rssPeak ?? 0, r); };
  const sampler = setInterval(sample, 250);
  const cellCpuFrom = serverCpu(o.serverPids);
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const end = measureFrom + o.durationMs;
  let lastDone = measureFrom;
  let cpuFrom: number | null = null;
  const cpuStart = setTimeout(() => { cpuFrom = serverCpu(o.serverPids); }, o.warmupMs);

  const loop = async (vu: User) => {
    while (!exhausted && performance.now() < end) {
      const started = performance.now();
      try {
        await o.flow.run(vu);
        const done = performance.now();
        completed++;
        if (done >= measureFrom) {
          latencies.push(done - started);
          lastDone = Math.max(lastDone, done);
        }
      } catch (error) {
        if (error instanceof Exhausted) { exhausted = true; return; }
        errors++;
        if (firstErrors.length < 5) firstErrors.push(error instanceof Error ? error.message : String(error));
        // A server that fails everything must not turn the loop into a busy spin.
        if (errors > 200 && errors > latencies.length) { exhausted = true; return; }
        await vu.newAddress().catch(() => undefined);
      }
    }
  };
  await Promise.all(users.map(loop));
  const loadEnded = performance.now();
  const cpuTo = serverCpu(o.serverPids);
  clearTimeout(cpuStart);
  let sustained: Sustained | undefined;
  let cellCpuTo: number | null = null;
  if (o.drainDb) {
    const backlogAtEnd = await backlogOf(o.drainDb);
    const ok = isEmpty(backlogAtEnd) || await drained(o.drainDb, drainTimeoutMs, 20);
    const drainedAt = performance.now();
    cellCpuTo = serverCpu(o.serverPids);
    sustained = {
      throughput: completed / Math.max(1e-9, (drainedAt - t0) / 1000),
      backlogAtEnd, drainSeconds: (drainedAt - loadEnded) / 1000, drained: ok,
    };
  }
  clearInterval(sampler);
  sample();
  await Promise.all(users.map((u) => u.close().catch(() => undefined)));
  const sorted = Float64Array.from(latencies).sort();
  const seconds = Math.max(1e-9, (lastDone - measureFrom) / 1000);
  const windowCpu = cpuFrom !== null && cpuTo !== null ? cpuTo - cpuFrom : null;
  const cellCpu = sustained && cellCpuFrom !== null && cellCpuTo !== null ? cellCpuTo - cellCpuFrom : null;
  const cellSeconds = sustained ? (loadEnded - t0) / 1000 + sustained.drainSeconds : 0;
  return {
    serverCpuMs: sustained ? (cellCpu !== null && completed > 0 ? cellCpu / completed : null)
      : windowCpu !== null && sorted.length > 0 ? windowCpu / sorted.length : null,
    serverCores: sustained ? (cellCpu !== null ? cellCpu / 1000 / cellSeconds : null) : windowCpu !== null ? windowCpu / 1000 / seconds : null,
    flow: o.flow.name, concurrency: o.concurrency, count: sorted.length, completed, errors, firstErrors, seconds,
    throughput: sorted.length / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), rssMiB: rssPeak, exhausted,
    ...(sustained ? { sustained } : {}),
  };
}
