/**
 * The log format follows where stdout goes: JSON lines for a process manager, a container or a file;
 * pino-pretty's coloured lines on a terminal (a real pseudo-terminal from util-linux `script` here).
 * Either way the start-up line names the version, the database and whether the worker runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { startCli, waitFor, type Started } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;

describe('log format', () => {
  let proc: Started | undefined;
  let dir: string | undefined;
  afterEach(async () => { await proc?.kill(); if (dir) rmSync(dir, { recursive: true, force: true }); });

  const env = async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-logs-'));
    return { PORT: String(await freePort()), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'p.db')}`, PAYBRIDGE_ADMIN_KEY: 'pb_admin_log_format_key_0123', LOG_LEVEL: 'info' };
  };

  it('is one JSON object per line when stdout is a pipe, with the start-up line', async () => {
    proc = startCli(['serve', '--no-worker'], await env());
    await waitFor(() => proc!.output().includes('paybridge.started'), 60_000, `the start-up line\n${proc.output()}`);
    const json = proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.find((l) => l['fact'] === 'paybridge.started')).toMatchObject({
      level: 30, msg: `Paybridge server ${VERSION} started`, version: VERSION, role: 'server', database: 'sqlite', worker: false, pid: expect.any(Number),
    });
  }, 90_000);

  it('is pretty, not JSON, on a terminal', async () => {
    const vars = await env();
    const command = `node --import tsx src/cli/cli.ts serve`;
    // `script` runs the command on a pseudo-terminal: its stdout is a TTY, as in an operator's shell.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT, env: { ...process.env, PAYBRIDGE_DEMO: '0', ...vars }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    proc = { child, exited: exited.then(() => null), output: () => out, stop: async () => {}, async kill() { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } await exited; } };
    await waitFor(() => out.includes(`Paybridge server ${VERSION} started`), 60_000, `the start-up line\n${out}`);
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
    const line = plain.split(/\r?\n/).find((l) => l.includes('started'))!;
    expect(line).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: Paybridge server ${VERSION.replace(/\./g, '\\.')} started`));
    expect(plain).toMatch(/^\s+fact: "paybridge\.started"$/m);
    expect(plain).toMatch(/^\s+worker: true$/m);
    expect(out).toContain('\u001b['); // coloured
    expect(plain.split(/\r?\n/).some((l) => l.startsWith('{"level"'))).toBe(false);
  }, 90_000);
});
