/** Starts Paybridge CLI commands as real child processes (127.0.0.1 only) and stops them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL: no cleanup, as in a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A process started here, with its exit code to come. */
export interface Started extends Proc {
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string>): Started {
  return watch(spawn(process.execPath, ['--import', 'tsx', 'src/cli/cli.ts', ...args], {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', PAYBRIDGE_DEMO: '0', PAYBRIDGE_ALLOW_PRIVATE_URLS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  }));
}

/**
 * Runs `npm <args>` in the project, as an operator does (`npm start`, `npm run paybridge -- worker`):
 * signals sent through `child` go to the npm process itself.
 */
export function startNpm(args: string[], env: Record<string, string>): Started {
  // A process group of its own, so that `kill` also ends whatever npm started.
  return watch(spawn('npm', args, {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', PAYBRIDGE_DEMO: '0', PAYBRIDGE_ALLOW_PRIVATE_URLS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  }), true);
}

function watch(child: ChildProcess, group = false): Started {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killGroup = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } };
  return {
    child,
    exited,
    output: () => out,
    async kill() {
      if (group) killGroup(); else if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() { if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The demo integration key a first start printed (random per database), or null when none was printed. */
export function printedDemoKey(output: string): string | null {
  return /Demo integration key[^\n]*?(pb_demo_[A-Za-z0-9_-]+)/.exec(output)?.[1] ?? null;
}
