/**
 * WAL checkpoints off the event loop. SQLite copies the write-ahead log back into the database file (a
 * checkpoint) from inside a COMMIT once the log passes `wal_autocheckpoint` pages; the committing call then
 * writes those pages where they belong in the database file and fsyncs it, and with better-sqlite3 that
 * call blocks the server's one thread. On a large database the pages are scattered over the file: with a
 * million orders the average COMMIT went from 1.9 to 9.2 ms (bench/README.md, "Growth").
 *
 * Here a worker thread with a connection of its own runs PASSIVE checkpoints every few milliseconds: they
 * never wait for, nor block, the writer. The main connection keeps a higher `wal_autocheckpoint` as a
 * backstop (should this thread fall behind or stop); when it fires, most frames are already copied.
 *
 * Checkpoints change neither what a transaction sees nor durability: a transaction is on disk in the log
 * before its COMMIT returns, whether or not it has been copied back yet.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The thread's code: plain CommonJS, so that it needs no TypeScript loader. */
const SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: again next time */ }
}, workerData.everyMs);
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Checkpoints the WAL of `file` every `everyMs` on a thread of its own, which does not keep the process alive. */
export function startCheckpointer(file: string, everyMs = 50): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(SOURCE, { eval: true, workerData: { file, driver, everyMs } });
  worker.unref();
  worker.on('error', (error) => {
    // The backstop (wal_autocheckpoint on the main connection) keeps the log bounded without us.
    process.stderr.write(`WAL checkpointer stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  });
  return { stop: async () => { await worker.terminate(); } };
}
