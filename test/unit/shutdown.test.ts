/** The shutdown sequence: one line at the start and one at the end, a drain run once, a deadline. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onShutdown } from '../../src/shutdown.js';

function harness(drain: () => Promise<void>, deadlineMs = 5_000) {
  const signals = new EventEmitter();
  const lines: string[] = [];
  let drains = 0;
  let exited: (code: number) => void = () => undefined;
  const code = new Promise<number>((resolve) => { exited = resolve; });
  onShutdown(() => { drains++; return drain(); }, { name: 'Test server', deadlineMs, signals, print: (l) => lines.push(l), exit: (c) => exited(c) });
  return { signals, lines, code, drains: () => drains };
}

describe('shutdown', () => {
  it('drains once on SIGTERM, with one line at the start and one at the end, then exits 0', async () => {
    let finish: () => void = () => undefined;
    const h = harness(() => new Promise<void>((resolve) => { finish = resolve; }));
    h.signals.emit('SIGTERM', 'SIGTERM');
    h.signals.emit('SIGINT', 'SIGINT'); // Ctrl-C on npm start arrives twice: nothing more happens
    expect(h.lines).toEqual(['Test server: SIGTERM received, shutting down (no new connections; finishing requests and the worker\'s batch)']);
    finish();
    expect(await h.code).toBe(0);
    expect(h.drains()).toBe(1);
    expect(h.lines).toHaveLength(2);
    expect(h.lines[1]).toMatch(/^Test server: shut down cleanly in \d+ ms$/);
  });

  it('gives up with exit code 1 when the drain outlasts the deadline', async () => {
    const h = harness(() => new Promise<void>(() => undefined), 20);
    h.signals.emit('SIGINT', 'SIGINT');
    expect(await h.code).toBe(1);
    expect(h.lines[1]).toBe('Test server: the drain did not finish within 20 ms; exiting anyway');
  });

  it('exits 1 and says why when the drain fails', async () => {
    const h = harness(() => Promise.reject(new Error('database is locked')));
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(await h.code).toBe(1);
    expect(h.lines[1]).toBe('Test server: shutdown failed: database is locked');
  });
});
