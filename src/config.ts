/**
 * Configuration from the environment. The variable names are a public contract (README, `.env.example`,
 * `paybridge --help`). Every variable is checked against one schema (TypeBox, validated by ajv) before
 * anything opens or listens: a bad value stops the start with one line per variable saying what was given
 * (secrets masked) and what is expected, instead of a TypeError after "listening".
 */
import { BlockList, isIP } from 'node:net';
import Ajv from 'ajv';
import { Type } from 'typebox';

/** Fastify's `trustProxy`: trust every proxy, none, a number of hops, or these addresses / CIDRs. */
export type TrustProxy = boolean | number | readonly string[];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databaseUrl: string;
  readonly smtpUrl: string | null;
  readonly adminKey: string | null;
  readonly demo: boolean;
  readonly logLevel: string;
  /** The From header of every e-mail (MAIL_FROM). */
  readonly mailFrom: string;
  /** Which proxies' X-Forwarded-For to believe for `request.ip` (TRUST_PROXY). */
  readonly trustProxy: TrustProxy;
  /** PAYBRIDGE_ALLOW_PRIVATE_URLS=1: outbound calls may reach private and loopback addresses (development, tests). */
  readonly allowPrivateUrls: boolean;
}

interface Setting {
  /** The value used when the variable is unset or empty, as text; null: no default. */
  readonly default: string | null;
  readonly meaning: string;
  /** What a valid value looks like, for the error line. */
  readonly expected: string;
  /** An ajv format name (registered below) or an enumeration of the accepted values. */
  readonly format?: keyof typeof FORMATS;
  readonly values?: readonly string[];
  /** The value is never printed. */
  readonly secret?: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
export const DEFAULT_MAIL_FROM = 'Paybridge <no-reply@paybridge.invalid>';

/** Every setting, in the order `--help` and `.env.example` list them. */
export const SETTINGS = {
  PORT: { default: '3000', meaning: 'HTTP port', expected: 'a TCP port number from 0 to 65535', format: 'port' },
  HOST: { default: '127.0.0.1', meaning: 'interface to listen on (0.0.0.0 or :: for all)', expected: 'an IP address or a host name', format: 'host' },
  PUBLIC_URL: { default: 'http://HOST:PORT', meaning: 'base URL used in links (payment pages, e-mails, redirects)', expected: 'an http:// or https:// URL, e.g. https://pay.example.com', format: 'http-url' },
  DATABASE_URL: { default: 'sqlite:./data/paybridge.db', meaning: 'sqlite:<path> or postgres://user:password@host:port/database', expected: 'sqlite:<path> or postgres://user[:password]@host[:port]/database', format: 'database-url' },
  SMTP_URL: { default: null, meaning: 'SMTP server for e-mails, e.g. smtp://user:pass@127.0.0.1:2525; unset: .eml files under ./data/mail/', expected: 'an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587', format: 'smtp-url' },
  MAIL_FROM: { default: DEFAULT_MAIL_FROM, meaning: 'sender of every e-mail', expected: 'an e-mail address, optionally with a name: Shop <billing@example.com>', format: 'mail-from' },
  PAYBRIDGE_ADMIN_KEY: { default: null, meaning: 'an admin API key with exactly this value (scripted set-ups); unset: the first start prints a new one once', expected: 'at least 16 characters without spaces', format: 'api-key', secret: true },
  PAYBRIDGE_DEMO: { default: '1', meaning: '1: create the demo shop, keys and customer; 0: no demo data (production). Unset, demo data is refused on a non-loopback HOST', expected: '0 or 1', values: ['0', '1'] },
  TRUST_PROXY: { default: 'false', meaning: 'which reverse proxies\' X-Forwarded-For to trust for the client address: true, false, a hop count, or addresses/CIDRs (comma-separated)', expected: 'true, false, a number of hops, or comma-separated IP addresses / CIDRs (or loopback, linklocal, uniquelocal)', format: 'trust-proxy' },
  PAYBRIDGE_ALLOW_PRIVATE_URLS: { default: '0', meaning: '1: outbound calls (webhooks, gateways, callbacks) may reach private and loopback addresses — development and tests only', expected: '0 or 1', values: ['0', '1'] },
  LOG_LEVEL: { default: 'info', meaning: 'log level', expected: `one of ${LOG_LEVELS.join(', ')}`, values: LOG_LEVELS },
} as const satisfies Record<string, Setting>;

type SettingName = keyof typeof SETTINGS;

function url(protocols: readonly string[]) {
  return (value: string) => {
    if (!URL.canParse(value)) return false;
    const parsed = new URL(value);
    return protocols.includes(parsed.protocol) && parsed.hostname !== '';
  };
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function proxyAddress(entry: string): boolean {
  if (PROXY_RANGES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** TRUST_PROXY as Fastify takes it, or undefined when the text is none of the accepted forms. */
export function parseTrustProxy(value: string): TrustProxy | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d{1,3}$/.test(value)) return Number(value);
  const entries = value.split(',').map((s) => s.trim());
  return entries.every(proxyAddress) ? entries : undefined;
}

const FORMATS = {
  port: (v: string) => /^\d{1,5}$/.test(v) && Number(v) <= 65535,
  host: (v: string) => isIP(v) !== 0 || HOST_NAME.test(v),
  'http-url': url(['http:', 'https:']),
  'smtp-url': url(['smtp:', 'smtps:']),
  'database-url': (v: string) => v.startsWith('sqlite:') || url(['postgres:', 'postgresql:'])(v),
  'mail-from': (v: string) => /^(?:[^<>@\r\n]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/.test(v.trim()),
  'api-key': (v: string) => /^\S{16,}$/.test(v),
  'trust-proxy': (v: string) => parseTrustProxy(v) !== undefined,
} as const;

const schema = Type.Object(Object.fromEntries(Object.entries(SETTINGS).map(([name, s]: [string, Setting]) =>
  [name, Type.Optional(s.values ? Type.Union(s.values.map((v) => Type.Literal(v))) : Type.String({ format: s.format! }))])));

const ajv = new Ajv.default({ allErrors: true, strict: false, formats: FORMATS });
const validate = ajv.compile<Record<SettingName, string | undefined>>(schema);

/** A configuration that must not start; `message` has one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** The value as it may be printed: secrets hidden, a password inside a URL replaced by `***`. */
export function shown(name: SettingName, value: string): string {
  if ((SETTINGS[name] as Setting).secret) return `(hidden, ${value.length} characters)`;
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@'));
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return host === 'localhost';
  return LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** Reads and checks every setting; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, as it always has (`PORT= npm start`).
  const given = Object.fromEntries(Object.keys(SETTINGS).flatMap((name) => (env[name] ? [[name, env[name]]] : []))) as Partial<Record<SettingName, string>>;
  if (!validate(given)) {
    const names = [...new Set((validate.errors ?? []).map((e) => e.instancePath.split('/')[1] as SettingName))];
    throw new ConfigError(names.map((name) => `${name}=${shown(name, given[name]!)} is not valid: expected ${SETTINGS[name].expected}`));
  }
  const value = (name: SettingName) => given[name] ?? SETTINGS[name].default;
  const port = Number(value('PORT'));
  const host = value('HOST')!;
  const demo = value('PAYBRIDGE_DEMO') !== '0';
  if (demo && given.PAYBRIDGE_DEMO !== '1' && !isLoopback(host)) {
    throw new ConfigError([`PAYBRIDGE_DEMO is unset and HOST=${JSON.stringify(host)} is not a loopback address: the demo data (a sample shop, a customer with a published password) is refused there; set PAYBRIDGE_DEMO=0 for a real deployment, or PAYBRIDGE_DEMO=1 to serve it anyway`]);
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    host,
    publicUrl: (given.PUBLIC_URL ?? `http://${shownHost}:${port}`).replace(/\/+$/, ''),
    databaseUrl: value('DATABASE_URL')!,
    smtpUrl: given.SMTP_URL ?? null,
    adminKey: given.PAYBRIDGE_ADMIN_KEY ?? null,
    demo,
    logLevel: value('LOG_LEVEL')!,
    mailFrom: value('MAIL_FROM')!.trim(),
    trustProxy: parseTrustProxy(value('TRUST_PROXY')!)!,
    allowPrivateUrls: value('PAYBRIDGE_ALLOW_PRIVATE_URLS') === '1',
  };
}
