/**
 * Decides whether the PostgreSQL suite runs. PAYBRIDGE_TEST_PG=<url> switches it on and makes it
 * mandatory (CI); PAYBRIDGE_TEST_PG=0 switches it off; unset, a local server is used when one answers.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Brings the build (dist/, what `npm start` runs) up to date once, before any test starts `npm start`:
 * several of them building at the same moment would write the same files at once.
 */
function build(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // A type error still emits the JavaScript: the other tests run, and those of `npm start` fail with it.
  const run = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: new URL('..', import.meta.url), stdio: 'inherit' });
  if (run.status !== 0) process.stderr.write('the build (tsc -b tsconfig.build.json) has errors: `npm start` will refuse to start\n');
}

export default async function setup(project: TestProject): Promise<void> {
  build();
  const setting = process.env['PAYBRIDGE_TEST_PG'];
  let url: string | null = null;
  if (setting === '0') {
    url = null;
  } else if (setting) {
    if (!(await reachable(setting))) throw new Error(`PAYBRIDGE_TEST_PG is set but PostgreSQL does not answer at ${setting}`);
    url = setting;
  } else if (await reachable(LOCAL)) {
    url = LOCAL;
  }
  process.stdout.write(url
    ? `PostgreSQL suite: on (${url.replace(/\/\/[^@]*@/, '//…@')})\n`
    : 'PostgreSQL suite: SKIPPED — no PostgreSQL server answered (set PAYBRIDGE_TEST_PG=<url> to run it)\n');
  project.provide('pgUrl', url);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
  }
}
