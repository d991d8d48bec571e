/**
 * `paybridge <command>` — the command-line entry point, parsed with commander (sub-commands, `--help` for
 * each of them generated from the same definitions that parse the arguments, errors that name the bad
 * argument). Help and `--version` go to stdout with exit code 0; a usage error is one line on stderr and
 * exit code 2; a configuration error or a failure is `paybridge: …` on stderr and exit code 1.
 */
import { createRequire } from 'node:module';
import { Argument, Command, CommanderError, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { ConfigError, SETTINGS, loadConfig, type Config } from '../config.js';
import { createApiKey, revokeApiKey } from '../app/api-keys.js';
import { checkInvariants } from '../app/check/invariants.js';
import { createDemoData, DEMO } from '../app/demo-data.js';
import { createWorker, openRuntime, startServer, type Runtime } from '../main.js';
import { gatewayCheck, gatewayUrls } from './gateway-check.js';
import { stripeCheck } from './stripe-check.js';
import { adminCreate, readPassword } from './admin-create.js';
import { onShutdown } from '../shutdown.js';
import type { ApiKey } from '../ports/access.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

function banner(config: Config, runtime: Runtime, operators: number): string {
  const lines = [
    '',
    `Paybridge is running on ${runtime.deps.store.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'postgres://…'})`,
    `  API        ${config.publicUrl}/api/v1`,
    `  OpenAPI    ${config.publicUrl}/openapi.json`,
    `  API docs   ${config.publicUrl}/docs`,
    `  Health     ${config.publicUrl}/health    Metrics ${config.publicUrl}/metrics`,
    `  Tokens     POST ${config.publicUrl}/oauth/token`,
    `  Dashboard  ${config.publicUrl}/admin`,
  ];
  if (operators === 0) {
    lines.push('', '  No dashboard operator yet: create the first with  paybridge admin create you@example.com', '  (it asks for the password), or sign in to the dashboard with the admin key.');
  }
  if (config.allowPrivateUrls) lines.push('', '  PAYBRIDGE_ALLOW_PRIVATE_URLS=1: outbound calls may reach private and loopback addresses (development only)');
  if (runtime.newAdminKey) lines.push('', `  Admin key (shown once, keep it): ${runtime.newAdminKey}`);
  else if (config.adminKey) lines.push('', '  Admin key: the value of PAYBRIDGE_ADMIN_KEY');
  else lines.push('', '  Admin key: printed at the first start (set PAYBRIDGE_ADMIN_KEY to choose one)');
  if (runtime.demo) {
    lines.push(
      `  Demo shop  ${runtime.demo.shopId} (USD): courses 1, 2, 3 and bundle 4; promo code ${DEMO.promoCode}`,
      runtime.demo.integrationKey
        ? `  Demo integration key (shown once, keep it): ${runtime.demo.integrationKey}`
        : '  Demo integration key: printed at the first start (create more with: paybridge keys create <name> integration)',
      `  Demo customer: ${DEMO.customerEmail} / ${DEMO.customerPassword} (password grant at /oauth/token)`,
      '  Demo data is for trying things out: start with PAYBRIDGE_DEMO=0 in production.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The start-up line of a long-running process: what runs, which version, on which database. */
function started(runtime: Runtime, what: { role: 'server' | 'worker'; worker: boolean; url: string | null }): void {
  runtime.deps.log.info('paybridge.started', `Paybridge ${what.role} ${VERSION} started`, {
    version: VERSION, role: what.role, database: runtime.deps.store.dialect, worker: what.worker, url: what.url, pid: process.pid,
  });
}

/** The environment variables, for the main `--help`. */
function environmentHelp(): string {
  const rows = Object.entries(SETTINGS).map(([name, s]) => `  ${name.padEnd(30)} ${s.meaning}${s.default === null ? '' : ` (default: ${s.default})`}`);
  return `\nEnvironment (see .env.example):\n${rows.join('\n')}\n`;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('expected a positive integer.');
  return Number(value);
}

function port(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number (0-65535).');
  return Number(value);
}

/** Opens the database for a one-shot command, runs `work`, and closes it again. */
async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  // The command's output is its answer on stdout: no log lines mixed in.
  const runtime = await openRuntime({ ...loadConfig(), demo: false }, { pino: pino({ level: 'silent' }) });
  try {
    return await work(runtime);
  } finally {
    await runtime.deps.store.close();
  }
}

function keyTable(keys: readonly ApiKey[]): string {
  const rows = [['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'REVOKED'], ...keys.map((k) => [
    k.id, k.name, k.role, `${k.prefix}…`, new Date(k.createdAt).toISOString(), k.revokedAt === null ? '-' : new Date(k.revokedAt).toISOString(),
  ])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

function program(): Command {
  const cli = new Command('paybridge')
    .description('Paybridge: a self-hosted checkout and payment server')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .helpCommand(false)
    .addHelpText('after', environmentHelp());

  cli.command('serve')
    .description('run the API, the hosted pages and (unless --no-worker) an in-process worker')
    .option('--no-worker', 'run only the API and the pages (run `paybridge worker` separately)')
    .action(async (options: { worker: boolean }) => {
      const config = loadConfig();
      const runtime = await openRuntime(config);
      const app = await startServer(config, runtime);
      const background = options.worker ? createWorker(config, runtime) : null;
      background?.worker.start();
      print(banner(config, runtime, await runtime.deps.store.operators.count()));
      started(runtime, { role: 'server', worker: options.worker, url: config.publicUrl });
      onShutdown(async () => {
        await Promise.all([app.close(), background?.worker.stop()]);
        await background?.close();
        await runtime.deps.store.close();
      }, {
        name: 'Paybridge server',
        draining: `no new connections; finishing in-flight requests${options.worker ? ' and the worker\'s current batch' : ''}; closing the database`,
      });
    });

  cli.command('worker')
    .description('run only the worker: outbox delivery (webhooks, e-mails, jobs) and the scheduled tasks')
    .option('--lease-ms <n>', 'how long a claimed item stays leased to this worker', positiveInteger)
    .option('--poll-ms <n>', 'pause between rounds that found nothing to do (default 250)', positiveInteger)
    .action(async (options: { leaseMs?: number; pollMs?: number }) => {
      const config = loadConfig();
      const runtime = await openRuntime({ ...config, demo: false });
      const background = createWorker(config, runtime, { leaseMs: options.leaseMs });
      background.worker.start(options.pollMs);
      print('Paybridge worker running');
      started(runtime, { role: 'worker', worker: true, url: null });
      onShutdown(async () => {
        await background.worker.stop();
        await background.close();
        await runtime.deps.store.close();
      }, { name: 'Paybridge worker', draining: 'taking no new work; finishing the current batch and releasing its leases; closing the database' });
    });

  cli.command('migrate')
    .description('apply the database migrations and exit')
    .action(() => withRuntime(async (runtime) => {
      if (runtime.newAdminKey) print(`Admin key (shown once, keep it): ${runtime.newAdminKey}`);
      print('migrations applied');
    }));

  cli.command('demo-data')
    .description('create the demo data (if missing) and exit')
    .action(() => withRuntime(async (runtime) => {
      const demo = await createDemoData(runtime.deps);
      print(`${demo.created ? 'demo data created' : 'demo data already present'}: shop ${demo.shopId}`);
    }));

  cli.command('check')
    .description('verify the money and state invariants over the whole database (exit code 1 on a violation)')
    .action(() => withRuntime(async (runtime) => {
      const violations = await checkInvariants(runtime.deps);
      for (const v of violations) print(`VIOLATION ${v.rule} ${v.subject}: ${v.detail}`);
      print(violations.length === 0 ? 'check: no violations' : `check: ${violations.length} violations`);
      if (violations.length > 0) process.exitCode = 1;
    }));

  const keys = cli.command('keys').description('create, list and revoke API keys').helpCommand(false);
  keys.command('create')
    .description('create an API key and print it once')
    .argument('<name>', 'a name to tell the key apart')
    .addArgument(new Argument('<role>', 'admin (everything) or integration (a platform\'s backend)').choices(['admin', 'integration']))
    .action((name: string, role: 'admin' | 'integration') => withRuntime(async (runtime) => {
      const { apiKey, secret } = await createApiKey(runtime.deps, { name, role });
      print(`${apiKey.id} (${role}): ${secret}\nThis key is shown once.`);
    }));
  keys.command('list')
    .description('list the API keys (id, name, role, prefix, created, revoked; never the key itself)')
    .action(() => withRuntime(async (runtime) => {
      const all: ApiKey[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await runtime.deps.store.apiKeys.list({ limit: 100, ...(after === undefined ? {} : { after }) });
        all.push(...page.items);
        if (!page.hasMore || page.items.length === 0) break;
        after = page.items[page.items.length - 1]!.id;
      }
      print(keyTable(all));
    }));
  keys.command('revoke')
    .description('revoke an API key: it stops working at once')
    .argument('<id>', 'the key\'s id (see keys list)')
    .action((id: string) => withRuntime(async (runtime) => {
      const key = await revokeApiKey(runtime.deps, id);
      print(`${key.id} (${key.name}) revoked`);
    }));

  const admin = cli.command('admin').description('operators of the dashboard at /admin').helpCommand(false);
  admin.command('create')
    .description('create an operator; the password is read from standard input (first line) or asked for on a terminal')
    .argument('<email>', 'the operator\'s e-mail, used to sign in')
    .action(async (email: string) => {
      const password = await readPassword();
      await withRuntime((runtime) => adminCreate(runtime, email, password, print));
    });

  const gateway = cli.command('gateway').description('tools for external payment gateways').helpCommand(false);
  gateway.command('check')
    .description('drive a merchant\'s external gateway endpoints (Commerce Layer protocol) through authorize, capture, refund, void and token, and print PASS/FAIL per requirement;'
      + ' with --stripe, check a Stripe account instead (key, webhook endpoint and its events, currency)')
    .argument('[base-url]', 'the endpoints are <base-url>/authorize, /capture, /void, /refund, /token unless given below')
    .option('--secret <s>', 'the shared secret the endpoints verify signatures with')
    .option('--stripe', 'check a Stripe account: the key from STRIPE_SECRET_KEY (or --secret-key), --webhook-url and --currency')
    .option('--secret-key <sk>', 'Stripe: the secret key (prefer the STRIPE_SECRET_KEY variable: arguments show in the process list)')
    .option('--webhook-url <url>', 'Stripe: the gateway\'s webhook_endpoint_url, which must be registered in Stripe')
    .option('--currency <code>', 'Stripe: the shop\'s currency')
    .option('--api-base <url>', 'Stripe: the gateway\'s api_base, when it has one')
    .option('--authorize-url <url>').option('--capture-url <url>').option('--void-url <url>').option('--refund-url <url>').option('--token-url <url>')
    .option('--webhook-port <n>', 'listen for the webhooks that complete 202 answers', port)
    .option('--webhook-host <host>', 'where to listen for them', '127.0.0.1')
    .option('--timeout-ms <n>', 'per request; asynchronous completions are awaited 3 times as long', positiveInteger, 10_000)
    .action(async (base: string | undefined, o: {
      secret?: string; webhookPort?: number; webhookHost: string; timeoutMs: number;
      authorizeUrl?: string; captureUrl?: string; voidUrl?: string; refundUrl?: string; tokenUrl?: string;
      stripe?: boolean; secretKey?: string; webhookUrl?: string; currency?: string; apiBase?: string;
    }, command: Command) => {
      failing = command; // a usage error below names this command's help
      if (o.stripe) {
        const secretKey = o.secretKey ?? process.env['STRIPE_SECRET_KEY'];
        if (!secretKey) throw new CommanderError(2, 'stripe.key', 'error: --stripe needs the secret key in STRIPE_SECRET_KEY or --secret-key');
        if (!o.webhookUrl || !o.currency) throw new CommanderError(2, 'stripe.options', 'error: --stripe needs --webhook-url and --currency');
        process.exitCode = await stripeCheck({ secretKey, webhookUrl: o.webhookUrl, currency: o.currency, apiBase: o.apiBase ?? null, timeoutMs: o.timeoutMs }, print);
        return;
      }
      if (!base) throw new CommanderError(2, 'gateway.base', 'error: missing required argument \'base-url\'');
      if (!o.secret) throw new CommanderError(2, 'gateway.secret', 'error: required option \'--secret <s>\' not specified');
      const secret = o.secret;
      const given = { authorize: o.authorizeUrl, capture: o.captureUrl, void: o.voidUrl, refund: o.refundUrl, token: o.tokenUrl };
      const urls = gatewayUrls(base, Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)));
      process.exitCode = await gatewayCheck({ urls, secret, webhookPort: o.webhookPort ?? null, webhookHost: o.webhookHost, timeoutMs: o.timeoutMs }, print);
    });

  // Every command reports usage errors the same way: one line naming the problem and the help to read (below).
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ outputError: () => { failing = command; } });
    command.commands.forEach(quiet);
  };
  quiet(cli);
  return cli;
}

/** The command whose arguments were wrong, for the hint to its --help. */
let failing: Command | undefined;

function commandPath(command: Command | undefined): string {
  const names: string[] = [];
  for (let c = command; c; c = c.parent ?? undefined) names.unshift(c.name());
  return names.length > 0 ? names.join(' ') : 'paybridge';
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
      if (error.code === 'commander.help') process.exit(2); // no command given: the help went to stderr
      const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
      process.stderr.write(`paybridge: ${message} (see ${commandPath(failing)} --help)\n`);
      process.exit(2);
    }
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError
    ? error.problems.map((p) => `paybridge: ${p}\n`).join('')
    : `paybridge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
