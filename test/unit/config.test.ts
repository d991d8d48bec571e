/** Configuration: defaults, the forms of TRUST_PROXY, masking in error lines, the loopback rule for demo data. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MAIL_FROM, SETTINGS, isLoopback, loadConfig, parseTrustProxy } from '../../src/config.js';

const problems = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('configuration', () => {
  it('has a default for everything that needs one', () => {
    expect(loadConfig({})).toEqual({
      port: 3000, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:3000', databaseUrl: 'sqlite:./data/paybridge.db', smtpUrl: null,
      adminKey: null, demo: true, logLevel: 'info', mailFrom: DEFAULT_MAIL_FROM, trustProxy: false, allowPrivateUrls: false,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '', SMTP_URL: '' })).toMatchObject({ port: 3000, logLevel: 'info', smtpUrl: null });
  });

  it('reads every new setting', () => {
    expect(loadConfig({ MAIL_FROM: 'Shop <billing@example.com>', TRUST_PROXY: '127.0.0.1', PAYBRIDGE_ALLOW_PRIVATE_URLS: '1', PUBLIC_URL: 'https://pay.example.com/' }))
      .toMatchObject({ mailFrom: 'Shop <billing@example.com>', trustProxy: ['127.0.0.1'], allowPrivateUrls: true, publicUrl: 'https://pay.example.com' });
  });

  it.each([
    ['true', true], ['false', false], ['2', 2], ['127.0.0.1', ['127.0.0.1']], ['10.0.0.0/8, ::1, fd00::/8', ['10.0.0.0/8', '::1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']], ['yes', undefined], ['10.0.0.0/33', undefined], ['proxy.example.com', undefined], ['1.2.3.4/8/8', undefined],
  ])('TRUST_PROXY=%s is %j', (text, value) => {
    expect(parseTrustProxy(text)).toEqual(value);
  });

  it('names every bad variable in one line each, masking secrets', () => {
    expect(problems({ PORT: '99999', PAYBRIDGE_ADMIN_KEY: 'has a space in it ok', DATABASE_URL: 'postgres://app:pw@', PAYBRIDGE_DEMO: 'true' })).toEqual([
      'PORT="99999" is not valid: expected a TCP port number from 0 to 65535',
      'DATABASE_URL="postgres://app:***@" is not valid: expected sqlite:<path> or postgres://user[:password]@host[:port]/database',
      'PAYBRIDGE_ADMIN_KEY=(hidden, 20 characters) is not valid: expected at least 16 characters without spaces',
      'PAYBRIDGE_DEMO="true" is not valid: expected 0 or 1',
    ]);
  });

  it.each([
    ['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['localhost', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['192.168.1.10', false], ['pay.example.com', false],
  ])('HOST %s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it('serves demo data on a public HOST only when PAYBRIDGE_DEMO=1 is explicit', () => {
    expect(problems({ HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^PAYBRIDGE_DEMO is unset and HOST="0.0.0.0" is not a loopback address/)]);
    expect(loadConfig({ HOST: '0.0.0.0', PAYBRIDGE_DEMO: '1' }).demo).toBe(true);
    expect(loadConfig({ HOST: '0.0.0.0', PAYBRIDGE_DEMO: '0' }).demo).toBe(false);
  });

  it('.env.example and the README list every variable', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(SETTINGS)) {
      expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
      expect(readme).toContain(`| \`${name}\` |`);
    }
  });
});
