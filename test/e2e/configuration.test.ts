/**
 * A bad setting stops `npm start` before anything listens: exit code 1 and one line that names the
 * variable, shows the value (never a secret) and says what is expected. Demo data is refused on a
 * non-loopback HOST unless PAYBRIDGE_DEMO=1 is explicit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { startNpm, waitFor } from '../helpers/processes.js';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start with a bad setting', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'pb-config-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `npm start` with `env`; returns its exit code and Paybridge's own lines (npm's are left out). */
  async function start(env: Record<string, string>) {
    const port = await freePort();
    const proc = startNpm(['start'], { PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'never.db')}`, ...env });
    const code = await proc.exited;
    const lines = proc.output().split('\n').filter((l) => l.startsWith('paybridge:'));
    return { code, lines, output: proc.output(), port };
  }

  it.each([
    ['SMTP_URL', 'notaurl', 'SMTP_URL="notaurl" is not valid: expected an smtp:// or smtps:// URL'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL="verbose" is not valid: expected one of fatal, error, warn, info, debug, trace, silent'],
    ['PUBLIC_URL', 'notaurl', 'PUBLIC_URL="notaurl" is not valid: expected an http:// or https:// URL'],
    ['DATABASE_URL', 'garbage', 'DATABASE_URL="garbage" is not valid: expected sqlite:<path> or postgres://'],
    ['PORT', 'abc', 'PORT="abc" is not valid: expected a TCP port number from 0 to 65535'],
    ['TRUST_PROXY', '10.0.0.0/40', 'TRUST_PROXY="10.0.0.0/40" is not valid: expected true, false, a number of hops, or comma-separated IP addresses / CIDRs'],
    ['MAIL_FROM', 'billing', 'MAIL_FROM="billing" is not valid: expected an e-mail address'],
  ])('%s=%s: exit 1 with one line naming it, nothing listening', async (name, value, line) => {
    const result = await start({ [name]: value });
    expect(result.code, result.output).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toContain(`paybridge: ${line}`);
    expect(result.output).not.toMatch(/listening|TypeError|\n\s+at /);
    expect(await listening(result.port)).toBe(false);
  }, 60_000);

  it('never prints a secret: the admin key is hidden and a password in a URL is masked', async () => {
    const key = await start({ PAYBRIDGE_ADMIN_KEY: 'tooShortKey' });
    expect(key.code).toBe(1);
    expect(key.lines).toEqual(['paybridge: PAYBRIDGE_ADMIN_KEY=(hidden, 11 characters) is not valid: expected at least 16 characters without spaces']);
    expect(key.output).not.toContain('tooShortKey');

    const smtp = await start({ SMTP_URL: 'http://mailer:hunter2secret@mail.example.com' });
    expect(smtp.code).toBe(1);
    expect(smtp.lines).toEqual([expect.stringContaining('SMTP_URL="http://mailer:***@mail.example.com" is not valid')]);
    expect(smtp.output).not.toContain('hunter2secret');

    const database = await start({ DATABASE_URL: 'mysql://root:s3cretpass@db/paybridge' });
    expect(database.code).toBe(1);
    expect(database.lines).toEqual([expect.stringContaining('DATABASE_URL="mysql://root:***@db/paybridge" is not valid')]);
    expect(database.output).not.toContain('s3cretpass');
  }, 90_000);

  it('says in the start banner when PAYBRIDGE_ALLOW_PRIVATE_URLS is on', async () => {
    const port = await freePort();
    const proc = startNpm(['start'], { PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'private.db')}`, PAYBRIDGE_ALLOW_PRIVATE_URLS: '1', PAYBRIDGE_ADMIN_KEY: 'pb_admin_config_test_key_01234' });
    await waitFor(() => proc.output().includes('Paybridge is running'), 60_000, `the banner\n${proc.output()}`);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('PAYBRIDGE_ALLOW_PRIVATE_URLS=1: outbound calls may reach private and loopback addresses (development only)');
  }, 60_000);

  it('refuses demo data on a non-loopback HOST unless PAYBRIDGE_DEMO=1 is explicit', async () => {
    const refused = await start({ HOST: '0.0.0.0', PAYBRIDGE_DEMO: '' });
    expect(refused.code, refused.output).toBe(1);
    expect(refused.lines).toEqual([
      'paybridge: PAYBRIDGE_DEMO is unset and HOST="0.0.0.0" is not a loopback address: the demo data (a sample shop, a customer with a published password) is refused there; set PAYBRIDGE_DEMO=0 for a real deployment, or PAYBRIDGE_DEMO=1 to serve it anyway',
    ]);
    expect(await listening(refused.port)).toBe(false);
  }, 60_000);
});
