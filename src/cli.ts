/**
 * `paybridge serve | worker | migrate | seed | keys create <name> <role>` — the command-line entry point.
 */
import { loadConfig, type Config } from './config.js';
import { createApiKey } from './app/api-keys.js';
import { checkInvariants } from './app/check/invariants.js';
import { seedDemo, DEMO } from './app/seed-demo.js';
import { createWorker, openRuntime, startServer, type Runtime } from './main.js';
import { gatewayCheck } from './gateway-check.js';

const USAGE = `usage: paybridge <command>
  serve [--no-worker]   run the API, the hosted pages and (unless --no-worker) an in-process worker
  worker [--lease-ms N] [--poll-ms N]   run only the worker (outbox delivery and scheduled jobs)
  migrate          apply database migrations and exit
  seed             create the demo data (if missing) and exit
  check            verify the money and state invariants over the whole database (exit 1 on a violation)
  keys create <name> <admin|integration>   create an API key and print it once
  gateway check <base-url> --secret <s>   test a merchant's external gateway endpoints (seed 002)`;

function banner(config: Config, runtime: Runtime): string {
  const lines = [
    '',
    `Paybridge is running on ${runtime.deps.store.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'postgres://…'})`,
    `  API        ${config.publicUrl}/api/v1`,
    `  OpenAPI    ${config.publicUrl}/openapi.json`,
    `  API docs   ${config.publicUrl}/docs`,
    `  Health     ${config.publicUrl}/health    Metrics ${config.publicUrl}/metrics`,
    `  Tokens     POST ${config.publicUrl}/oauth/token`,
  ];
  if (config.allowPrivateUrls) lines.push('  Outbound   PAYBRIDGE_ALLOW_PRIVATE_URLS=1: webhooks and gateways may call private addresses (development only)');
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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const runtime = await openRuntime(config);
      const app = await startServer(config, runtime);
      const background = rest.includes('--no-worker') ? null : createWorker(config, runtime);
      background?.worker.start();
      process.stdout.write(banner(config, runtime));
      const stop = async () => {
        await app.close();
        await background?.worker.stop();
        await background?.close();
        await runtime.deps.store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop).once('SIGTERM', stop);
      return;
    }
    case 'worker': {
      const runtime = await openRuntime({ ...config, demo: false });
      const background = createWorker(config, runtime, { leaseMs: numberFlag(rest, '--lease-ms') });
      background.worker.start(numberFlag(rest, '--poll-ms'));
      process.stdout.write('Paybridge worker running\n');
      const stop = async () => { await background.worker.stop(); await background.close(); await runtime.deps.store.close(); process.exit(0); };
      process.once('SIGINT', stop).once('SIGTERM', stop);
      return;
    }
    case 'migrate': {
      const runtime = await openRuntime({ ...config, demo: false });
      if (runtime.newAdminKey) process.stdout.write(`Admin key (shown once, keep it): ${runtime.newAdminKey}\n`);
      process.stdout.write('migrations applied\n');
      await runtime.deps.store.close();
      return;
    }
    case 'seed': {
      const runtime = await openRuntime({ ...config, demo: false });
      const demo = await seedDemo(runtime.deps);
      process.stdout.write(`${demo.created ? 'demo data created' : 'demo data already present'}: shop ${demo.shopId}\n`);
      await runtime.deps.store.close();
      return;
    }
    case 'check': {
      const runtime = await openRuntime({ ...config, demo: false });
      const violations = await checkInvariants(runtime.deps);
      for (const v of violations) process.stdout.write(`VIOLATION ${v.rule} ${v.subject}: ${v.detail}\n`);
      process.stdout.write(violations.length === 0 ? 'check: no violations\n' : `check: ${violations.length} violations\n`);
      await runtime.deps.store.close();
      if (violations.length > 0) process.exitCode = 1;
      return;
    }
    case 'keys': {
      const [action, name, role] = rest;
      if (action !== 'create' || !name || (role !== 'admin' && role !== 'integration')) throw new UsageError();
      const runtime = await openRuntime({ ...config, demo: false });
      const { apiKey, secret } = await createApiKey(runtime.deps, { name, role });
      process.stdout.write(`${apiKey.id} (${role}): ${secret}\nThis key is shown once.\n`);
      await runtime.deps.store.close();
      return;
    }
    case 'gateway': process.exitCode = await gatewayCheck(rest, (line) => process.stdout.write(`${line}\n`)); return;
    default:
      throw new UsageError();
  }
}

class UsageError extends Error {}

function numberFlag(args: readonly string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new UsageError();
  return value;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`paybridge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
