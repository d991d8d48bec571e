/**
 * The processes a bench run starts: the Paybridge server under test (`node --import tsx src/cli/cli.ts serve`),
 * the bare baseline server and the fast Commerce Layer–style merchant. All listen on 127.0.0.1 only; each is stopped
 * with SIGTERM (then SIGKILL) by the pid this module spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The admin key the bench's servers are started with (PAYBRIDGE_ADMIN_KEY). */
export const ADMIN_KEY = 'pb_bench_admin_key_local_only_0123456789';
/**
 * An integration key of the server under test, created through the admin API once it answers (demo keys
 * are random per database and printed only at the first start). A live binding: set by `startPaybridge`.
 */
export let INTEGRATION_KEY = '';

export interface Proc {
  readonly pid: number;
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) a process has used so far, ms; null when it is gone. Linux clock ticks of 10 ms. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state is field 0
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime
  } catch {
    return null;
  }
}

/** Resident memory of a process in MiB (VmRSS), or null once it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function waitHealthy(url: string, child: ChildProcess, out: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}:\n${out().slice(-3000)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} was not healthy after ${timeoutMs} ms:\n${out().slice(-3000)}`);
}

function start(args: string[], env: Record<string, string>, port: number, cwd = ROOT): { child: ChildProcess; output: () => string; url: string } {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out, url: `http://127.0.0.1:${port}` };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

export interface ServerOptions {
  readonly databaseUrl: string;
  /** Directory for a V8 CPU profile of the server (node --cpu-prof), or null. */
  readonly cpuProfDir?: string | null;
  /** File for the per-statement SQL timings of bench/sql-probe.ts (SQLite only), or null. */
  readonly sqlProfile?: string | null;
  /** The server's working directory: where its default mail outbox (data/mail) goes. */
  readonly cwd: string;
  /** `serve` (API + in-process worker, the default), `serve --no-worker` (API only) or `worker`. */
  readonly role?: 'serve' | 'api' | 'worker';
}

/**
 * Starts `paybridge serve` (API + in-process worker) on a free port and waits for /health. It runs in
 * `cwd` (the run's temp dir), so the confirmation e-mails it writes to data/mail go away with the run.
 */
export async function startPaybridge(options: ServerOptions): Promise<Proc> {
  const role = options.role ?? 'serve';
  const port = await freePort();
  const prof = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const probe = options.sqlProfile ? ['--import', pathToFileURL(join(ROOT, 'bench', 'sql-probe.ts')).href] : [];
  const tsx = import.meta.resolve('tsx');
  const command = role === 'worker' ? ['worker'] : role === 'api' ? ['serve', '--no-worker'] : ['serve'];
  const p = start([...prof, '--import', tsx, ...probe, join(ROOT, 'src', 'cli', 'cli.ts'), ...command], {
    ...(options.sqlProfile ? { BENCH_SQL_PROFILE: options.sqlProfile } : {}),
    PAYBRIDGE_DEMO: '1', LOG_LEVEL: 'warn', PAYBRIDGE_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: options.databaseUrl,
    PAYBRIDGE_ALLOW_PRIVATE_URLS: '1', // the bench's receivers and merchant listen on 127.0.0.1
    HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_ENV: 'production',
  }, port, options.cwd);
  const stop = stopper(p.child);
  try {
    if (role === 'worker') {
      await waitForOutput(p.child, p.output, 'worker running', 120_000);
      return { pid: p.child.pid!, url: '', output: p.output, stop };
    }
    await waitHealthy(p.url, p.child, p.output, 120_000);
    if (!INTEGRATION_KEY) {
      const key = await fetch(`${p.url}/api/v1/api-keys`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', role: 'integration' }),
      });
      if (key.status !== 201) throw new Error(`could not create the bench's integration key: ${key.status} ${await key.text()}`);
      INTEGRATION_KEY = ((await key.json()) as { key: string }).key;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: p.child.pid!, url: p.url, output: p.output, stop };
}

async function waitForOutput(child: ChildProcess, out: () => string, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!out().includes(text)) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}:\n${out().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" after ${timeoutMs} ms:\n${out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The server under test as the load sees it: one process (`serve`, API + in-process worker), or with
 * `--processes N` N API processes (`serve --no-worker`) and N worker processes on one database. `urls` are
 * the API processes' origins (virtual users are spread over them); `pids` every process whose CPU counts.
 */
export interface Cluster {
  readonly url: string;
  readonly urls: readonly string[];
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

export async function startCluster(options: ServerOptions, processes: number): Promise<Cluster> {
  const procs: Proc[] = [];
  const stop = async () => { await Promise.all(procs.map((p) => p.stop())); };
  try {
    if (processes <= 1) procs.push(await startPaybridge(options));
    else {
      // The first process migrates the database and writes the demo data; the others start on it.
      procs.push(await startPaybridge({ ...options, role: 'api' }));
      const rest = await Promise.all([
        ...Array.from({ length: processes - 1 }, () => startPaybridge({ ...options, role: 'api', cpuProfDir: null, sqlProfile: null })),
        ...Array.from({ length: processes }, () => startPaybridge({ ...options, role: 'worker', cpuProfDir: null, sqlProfile: null })),
      ]);
      procs.push(...rest);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const apis = procs.filter((p) => p.url !== '');
  return { url: apis[0]!.url, urls: apis.map((p) => p.url), pids: procs.map((p) => p.pid), stop };
}

/** Starts a small TypeScript server of the bench (baseline-server.ts, merchant-server.ts). */
export async function startHelper(file: string, env: Record<string, string> = {}): Promise<Proc> {
  const port = await freePort();
  const p = start(['--import', 'tsx', `bench/${file}`], env, port);
  const stop = stopper(p.child);
  try {
    await waitHealthy(p.url, p.child, p.output, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: p.child.pid!, url: p.url, output: p.output, stop };
}
