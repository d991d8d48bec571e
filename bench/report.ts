/**
 * The bench's output: one markdown table (printed, and written to bench/results/latest.md) with every
 * Paybridge figure also as a ratio to the baseline at the same concurrency, the growth comparison, and
 * the targets of issue 9 (reported, never asserted).
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { join } from 'node:path';
import type { CellResult } from './load.js';

export interface Machine {
  readonly cores: number;
  readonly model: string;
  readonly node: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly load: string;
  /** Median and p99 of one 4 KiB write + fdatasync in the bench's temp dir, ms: the floor of a durable commit. */
  readonly fsync: string;
}

function fsyncLatency(dir: string): string {
  const file = join(dir, 'fsync.probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    writeSync(fd, block);
    fdatasyncSync(fd);
    times.push(performance.now() - t);
  }
  closeSync(fd);
  rmSync(file);
  times.sort((a, b) => a - b);
  return `p50 ${times[49]!.toFixed(2)} ms, p99 ${times[98]!.toFixed(2)} ms`;
}

export function machine(loadavg: number[], dir: string): Machine {
  const list = cpus();
  return {
    fsync: fsyncLatency(dir),
    cores: list.length, model: list[0]?.model.trim() ?? 'unknown', node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()}`, load: loadavg.map((l) => l.toFixed(2)).join(' '),
  };
}

/** A result row, or a flow whose endpoints are not there yet. */
export type Row = CellResult | { readonly flow: string; readonly concurrency: number; readonly unavailable: string };

const isResult = (r: Row): r is CellResult => !('unavailable' in r);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '—');
const ratio = (a: number | null, b: number | null | undefined) =>
  (a !== null && b !== null && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? ` (${(a / b).toFixed(2)}×)` : '');

export interface Report {
  readonly machine: Machine;
  readonly store: string;
  readonly mode: string;
  readonly rows: readonly Row[];
  readonly growth: { readonly orders: number; readonly rows: number; readonly seconds: number } | null;
  readonly checks: readonly string[];
  readonly totalSeconds: number;
}

function cpu(r: CellResult): string {
  if (r.serverCpuMs === null || r.serverCores === null) return '—';
  return `${r.serverCpuMs < 1 ? r.serverCpuMs.toFixed(3) : r.serverCpuMs.toFixed(2)} (${r.serverCores.toFixed(2)})`;
}

/** The figure a cell is judged by: sustained throughput when the cell waited for the worker. */
export const headline = (r: CellResult) => r.sustained?.throughput ?? r.throughput;

function backlog(r: CellResult): string {
  const s = r.sustained;
  if (!s) return '—';
  const b = s.backlogAtEnd;
  const parts = [b.events && `${int(b.events)} ev`, b.deliveries && `${int(b.deliveries)} dl`, b.jobs && `${int(b.jobs)} jobs`].filter(Boolean);
  return `${parts.length ? parts.join(', ') : 'none'} / ${s.drainSeconds.toFixed(1)} s${s.drained ? '' : ' NOT drained'}`;
}

function table(rows: readonly Row[], baseline: ReadonlyMap<number, CellResult>): string[] {
  const out = [
    '| flow | conc. | sustained /s (× baseline) | during load /s | backlog at load end / drain | p50 ms (× baseline) | p99 ms (× baseline) | server RSS MiB (× baseline) | server CPU ms per flow (cores busy) | flows | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const conc = r.concurrency === 0 ? 'worker' : String(r.concurrency);
    if (!isResult(r)) {
      out.push(`| ${r.flow} | ${conc} | not available | — | — | — | — | — | — | — | ${r.unavailable} |`);
      continue;
    }
    const b = r.flow.startsWith('baseline') ? undefined : baseline.get(r.concurrency) ?? baseline.get(Math.max(...baseline.keys()));
    out.push(`| ${r.flow} | ${conc} | ${int(headline(r))}${ratio(headline(r), b?.throughput)} | ${r.sustained ? int(r.throughput) : '—'} | ${backlog(r)} | ${ms(r.p50)}${ratio(r.p50, b?.p50)} | `
      + `${ms(r.p99)}${ratio(r.p99, b?.p99)} | ${r.rssMiB === null ? '—' : int(r.rssMiB)}${ratio(r.rssMiB, b?.rssMiB)} | ${cpu(r)} | ${int(r.completed)}${r.exhausted ? ' (data used up)' : ''} | ${r.errors} |`);
  }
  return out;
}

function find(rows: readonly Row[], flow: string, concurrency: number): CellResult | undefined {
  return rows.filter(isResult).find((r) => r.flow === flow && r.concurrency === concurrency);
}

function growthLines(rows: readonly Row[]): string[] {
  const grown = rows.filter(isResult).filter((r) => r.flow.startsWith('full checkout @'));
  if (grown.length === 0) return [];
  const out = ['', '| concurrency | empty DB /s | grown DB /s | throughput kept | p99 empty → grown ms |', '|---:|---:|---:|---:|---:|'];
  for (const g of grown) {
    const e = find(rows, 'full checkout', g.concurrency);
    if (!e) continue;
    out.push(`| ${g.concurrency} | ${int(headline(e))} | ${int(headline(g))} | ${((headline(g) / headline(e)) * 100).toFixed(0)} % | ${ms(e.p99)} → ${ms(g.p99)} |`);
  }
  return out;
}

function targets(rows: readonly Row[]): string[] {
  const top = (flow: string) => rows.filter(isResult).filter((r) => r.flow === flow).sort((a, b) => b.concurrency - a.concurrency)[0];
  const lines: string[] = [];
  const check = (what: string, r: CellResult | undefined, ok: (r: CellResult) => boolean, shown: (r: CellResult) => string) => {
    lines.push(r ? `- ${ok(r) ? 'met' : 'NOT met'}: ${what} — measured ${shown(r)}` : `- not measured: ${what}`);
  };
  const checkout = find(rows, 'full checkout', 64);
  check('full checkout ≥ 1,000 flows/s sustained at 64 concurrent with p99 ≤ 50 ms', checkout, (r) => headline(r) >= 1000 && r.p99 <= 50,
    (r) => `${int(headline(r))}/s, p99 ${ms(r.p99)} ms`);
  check('full checkout ≤ 1.5 ms server CPU per flow at 64 concurrent, the worker\'s share included', checkout, (r) => r.serverCpuMs !== null && r.serverCpuMs <= 1.5,
    (r) => `${r.serverCpuMs?.toFixed(2) ?? '—'} ms`);
  check('reads ≥ 10,000/s', top('read one order'), (r) => headline(r) >= 10_000, (r) => `${int(headline(r))}/s at ${r.concurrency}`);
  check('external authorize+capture ≥ 500/s', top('external authorize+capture'), (r) => headline(r) >= 500, (r) => `${int(headline(r))}/s at ${r.concurrency}`);
  check('webhook fan-out ≥ 2,000 deliveries/s', top('webhook fan-out'), (r) => r.throughput >= 2000, (r) => `${int(r.throughput)}/s`);
  const grown = rows.filter(isResult).filter((r) => r.flow.startsWith('full checkout @')).sort((a, b) => b.concurrency - a.concurrency)[0];
  const empty = grown ? find(rows, 'full checkout', grown.concurrency) : undefined;
  if (grown && empty) {
    const kept = headline(grown) / headline(empty);
    lines.push(`- ${kept >= 0.8 ? 'met' : 'NOT met'}: with the grown database, checkout throughput within 80 % of the empty one — measured ${(kept * 100).toFixed(0)} % at ${grown.concurrency}`);
  } else lines.push('- not measured: growth');
  return lines;
}

export function render(r: Report): string {
  const m = r.machine;
  const baseline = new Map(r.rows.filter(isResult).filter((x) => x.flow.startsWith('baseline')).map((x) => [x.concurrency, x] as const));
  const errors = r.rows.filter(isResult).filter((x) => x.firstErrors.length > 0)
    .map((x) => `- ${x.flow} @ ${x.concurrency === 0 ? 'worker' : x.concurrency}: ${x.firstErrors.join(' | ')}`);
  return [
    `# Paybridge bench — ${new Date().toISOString().slice(0, 19)}Z (${r.mode}, ${r.store})`,
    '',
    `Machine: ${m.cores} cores (${m.model}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; load average at start: ${m.load}; fdatasync of 4 KiB: ${m.fsync}.`,
    'Every SQLite commit waits for one fsync (synchronous=FULL), so on a busy or slow disk that latency bounds every figure.',
    'Latency is per whole flow (all its requests). Ratios compare with the bare baseline at the same concurrency',
    '(higher is better for throughput, lower for latency and memory); the fan-out row (the worker drains the outbox',
    'with batches of 50) is compared with the baseline at the highest concurrency, and its latency is one delivery attempt.',
    'Sustained: a Paybridge cell starts with the worker idle and ends when the worker has done everything its flows left',
    '(events fanned out to the platform\'s webhook endpoint, subscribed to every event, deliveries made, e-mails written);',
    'throughput counts every flow of the cell over that whole time, and server CPU is per flow over it (every process).',
    '"during load" is the rate while the load ran; the backlog column shows what was left then (events, deliveries, jobs)',
    'and how long the worker took to finish it.',
    '',
    ...table(r.rows, baseline),
    ...(r.growth ? ['', `Growth set: ${int(r.growth.orders)} orders (${int(r.growth.rows)} rows with their lines, transactions, history, sessions, events, enrollments and ledger) generated in ${r.growth.seconds.toFixed(1)} s.`] : []),
    ...growthLines(r.rows),
    '',
    'Targets (reported, not asserted):',
    ...targets(r.rows),
    ...(r.checks.length ? ['', 'Checks:', ...r.checks.map((c) => `- ${c}`)] : []),
    ...(errors.length ? ['', 'First errors:', ...errors] : []),
    '',
    `Whole run: ${r.totalSeconds.toFixed(0)} s.`,
    '',
  ].join('\n');
}
