/**
 * The command line as a user meets it: help on stdout with exit code 0 for every command, the version,
 * usage errors as one line naming the bad argument (exit code 2), and API keys created, listed and revoked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run { code: number; stdout: string; stderr: string }

/** Runs `paybridge <args>` through bin/paybridge.js, as `npx paybridge` does; `input` is written to its standard input. */
async function paybridge(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  try {
    const running = promisify(execFile)(process.execPath, ['bin/paybridge.js', ...args], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', PAYBRIDGE_DEMO: '0', ...env },
    });
    running.child.stdin?.end(input ?? '');
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('paybridge CLI', () => {
  it('--help prints every command and every environment variable on stdout, exit 0', async () => {
    const run = await paybridge(['--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['serve', 'worker', 'migrate', 'demo-data', 'check', 'keys', 'admin', 'gateway']) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const name of Object.keys(SETTINGS)) expect(run.stdout).toContain(name);
  });

  it.each([
    [['serve', '--help'], '--no-worker'],
    [['worker', '--help'], '--poll-ms'],
    [['migrate', '--help'], 'migrations'],
    [['demo-data', '--help'], 'demo data'],
    [['check', '--help'], 'invariants'],
    [['keys', '--help'], 'revoke'],
    [['keys', 'create', '--help'], 'admin (everything)'],
    [['keys', 'list', '--help'], 'list the API keys'],
    [['keys', 'revoke', '--help'], '<id>'],
    [['gateway', 'check', '--help'], '--webhook-port'],
    [['admin', 'create', '--help'], 'standard input'],
  ])('%j prints its help on stdout, exit 0', async (args, text) => {
    const run = await paybridge(args);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`Usage: paybridge ${args.slice(0, -1).join(' ')}`);
    expect(run.stdout).toContain(text);
  });

  it('--version prints the package version', async () => {
    expect(await paybridge(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each([
    [['frobnicate'], "paybridge: unknown command 'frobnicate' (see paybridge --help)"],
    [['keys', 'create', 'ci', 'superuser'], "paybridge: command-argument value 'superuser' is invalid for argument 'role'. Allowed choices are admin, integration. (see paybridge keys create --help)"],
    [['keys', 'create', 'ci'], "paybridge: missing required argument 'role' (see paybridge keys create --help)"],
    [['worker', '--poll-ms', 'soon'], "paybridge: option '--poll-ms <n>' argument 'soon' is invalid. expected a positive integer. (see paybridge worker --help)"],
    [['serve', '--colour'], "paybridge: unknown option '--colour' (see paybridge serve --help)"],
    [['gateway', 'check', 'http://127.0.0.1:9'], "paybridge: required option '--secret <s>' not specified (see paybridge gateway check --help)"],
    [['gateway', 'check', '--secret', 's'], "paybridge: missing required argument 'base-url' (see paybridge gateway check --help)"],
    [['gateway', 'check', '--stripe', '--secret-key', 'sk_test_x'], 'paybridge: --stripe needs --webhook-url and --currency (see paybridge gateway check --help)'],
  ])('%j is one line naming the problem, exit 2', async (args, line) => {
    const run = await paybridge(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  describe('keys', () => {
    let dir: string;
    let env: Record<string, string>;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
      env = { DATABASE_URL: `sqlite:${join(dir, 'keys.db')}`, PAYBRIDGE_ADMIN_KEY: 'pb_admin_cli_test_key_0123456' };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('create prints the key once; list shows id, name, role, prefix and dates but never a key; revoke marks it revoked', async () => {
      const created = await paybridge(['keys', 'create', 'ci robot', 'integration'], env);
      expect(created.code, created.stderr).toBe(0);
      const [, id, secret] = /^(key_\w+) \(integration\): (pb_live_\S+)$/m.exec(created.stdout) ?? [];
      expect(id).toBeDefined();

      const listed = await paybridge(['keys', 'list'], env);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+PREFIX\s+CREATED\s+REVOKED$/m);
      const row = listed.stdout.split('\n').find((l) => l.startsWith(id!));
      expect(row).toMatch(new RegExp(`^${id}\\s+ci robot\\s+integration\\s+${secret!.slice(0, 12)}…\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+-$`));
      expect(listed.stdout).not.toContain(secret);
      expect(listed.stdout).not.toContain('pb_admin_cli_test_key_0123456');

      const revoked = await paybridge(['keys', 'revoke', id!], env);
      expect(revoked).toMatchObject({ code: 0, stdout: `${id} (ci robot) revoked\n` });
      const after = (await paybridge(['keys', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(id!));
      expect(after).toMatch(/\s\d{4}-\d\d-\d\dT\S+Z$/);
    }, 60_000);

    it('admin create makes an operator with the password from standard input, never from an argument; refuses a short password and a taken e-mail', async () => {
      const created = await paybridge(['admin', 'create', 'ops@example.com'], env, 'a long enough password\n');
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^operator op_\w+ \(ops@example.com\) created: sign in at http:\/\/127\.0\.0\.1:3000\/admin\n$/);
      expect(await paybridge(['admin', 'create', 'OPS@example.com'], env, 'another long password\n'))
        .toEqual({ code: 1, stdout: '', stderr: 'paybridge: an operator with the e-mail OPS@example.com exists already\n' });
      expect(await paybridge(['admin', 'create', 'short@example.com'], env, 'short\n'))
        .toEqual({ code: 1, stdout: '', stderr: 'paybridge: the password must be 12 to 1024 characters long\n' });
    }, 60_000);

    it('revoke of an unknown id says so, exit 1', async () => {
      const run = await paybridge(['keys', 'revoke', 'key_nope'], env);
      expect(run).toEqual({ code: 1, stdout: '', stderr: 'paybridge: API key key_nope not found\n' });
    }, 30_000);
  });
});
