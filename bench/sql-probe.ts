/**
 * Loaded into the server under test with `--import` when the bench runs with `--profile` (never in
 * production): times every better-sqlite3 statement by its SQL text and writes the totals to
 * $BENCH_SQL_PROFILE when the process exits. This splits what a CPU profile shows as one block
 * (the synchronous driver call) into commits (the fsync of synchronous=FULL) and the statements themselves.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env['BENCH_SQL_PROFILE'];
if (out) {
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => { prepare(sql: string): object; close(): void };
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  const dbProto = Object.getPrototypeOf(probe) as Record<string, unknown>;
  probe.close();
  const totals = new Map<string, { count: number; ms: number }>();
  // Transaction control (BEGIN, SAVEPOINT, COMMIT — the fsync) goes through `exec`: timed as `exec: <sql>`.
  const exec = dbProto['exec'] as (...args: unknown[]) => unknown;
  dbProto['exec'] = function timedExec(this: unknown, source: string) {
    const t = performance.now();
    try {
      return exec.call(this, source);
    } finally {
      const key = `exec: ${source.replace(/\s+/g, ' ').trim().slice(0, 60)}`;
      const entry = totals.get(key) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += performance.now() - t;
      totals.set(key, entry);
    }
  };
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = proto[method] as (...args: unknown[]) => unknown;
    proto[method] = function timed(this: { source: string }, ...args: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const key = this.source.replace(/\s+/g, ' ').trim();
        const entry = totals.get(key) ?? { count: 0, ms: 0 };
        entry.count++;
        entry.ms += performance.now() - t;
        totals.set(key, entry);
      }
    };
  }
  // How long the event loop was blocked at a time (a long block delays every request queued behind it).
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  process.on('exit', () => {
    delay.disable();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    totals.set(`event loop delay: p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms`, { count: 0, ms: 0 });
    writeFileSync(out, JSON.stringify([...totals].map(([sql, v]) => ({ sql, ...v })).sort((a, b) => b.ms - a.ms), null, 1));
  });
}
