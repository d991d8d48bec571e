/**
 * `npx tsx bench/profile.ts <file.cpuprofile> [--top N]`: the self time of a V8 CPU profile (as written by
 * `npm run bench -- --profile`, which starts the server with `node --cpu-prof`), by function and by
 * module (a file of src/, or a package of node_modules), with idle and GC shown apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './procs.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function moduleOf(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '').replace(ROOT, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  if (path.startsWith('node:')) return path;
  return path;
}

export function summarise(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    total += us;
    if (f.functionName === '(idle)') { idle += us; continue; }
    const where = f.url ? `${moduleOf(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const mod = f.url ? moduleOf(f.url) : f.functionName;
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)} %); shares below are of busy time`,
    'Self time by function:', ...list(fns),
    'Self time by module:', ...list(mods),
  ].join('\n');
}

/**
 * The SQL side of a profile (bench/sql-probe.ts): time in commits (each waits for an fsync under
 * synchronous=FULL) against the statements, per flow when `flows` (completed flows) is given.
 */
export function summariseSql(file: string, flows: number, top = 15): string {
  const entries = JSON.parse(readFileSync(file, 'utf8')) as { sql: string; count: number; ms: number }[];
  const sum = (list: typeof entries) => list.reduce((a, e) => ({ count: a.count + e.count, ms: a.ms + e.ms }), { count: 0, ms: 0 });
  const commits = sum(entries.filter((e) => /^(exec: )?commit$/i.test(e.sql)));
  const loop = entries.find((e) => e.sql.startsWith('event loop delay'));
  const all = sum(entries.filter((e) => e !== loop));
  const per = (n: number) => (flows > 0 ? (n / flows).toFixed(1) : '—');
  return [
    `${file}: ${all.count.toLocaleString('en-US')} statements, ${(all.ms / 1000).toFixed(1)} s inside better-sqlite3 (the event loop is blocked meanwhile), for ${flows.toLocaleString('en-US')} flows`,
    `  per flow: ${per(all.count)} statements, ${per(commits.count)} commits; ${per(all.ms)} ms in SQLite of which ${per(commits.ms)} ms in commit (avg commit ${(commits.ms / Math.max(1, commits.count)).toFixed(2)} ms)`,
    ...(loop ? [`  ${loop.sql}`] : []),
    '  top statements by total time:',
    ...entries.slice(0, top).map((e) => `    ${(e.ms / 1000).toFixed(2).padStart(6)} s  ${String(e.count).padStart(7)}×  ${(e.ms / e.count).toFixed(3)} ms  ${e.sql.slice(0, 110)}`),
  ].join('\n');
}

/** The profiles `node --cpu-prof` wrote in `dir` for the process `pid`. */
export function profilesOf(dir: string, pid: number): string[] {
  return readdirSync(dir).filter((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile')).map((f) => join(dir, f));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) cli(process.argv.slice(2));

function cli(args: string[]): void {
  const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
  const topAt = args.indexOf('--top');
  if (files.length === 0) {
    process.stderr.write('usage: tsx bench/profile.ts <file.cpuprofile>… [--top N]\n');
    process.exit(2);
  }
  for (const f of files) process.stdout.write(`${summarise(f, topAt >= 0 ? Number(args[topAt + 1]) : 25)}\n\n`);
}
