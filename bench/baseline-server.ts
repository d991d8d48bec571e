/**
 * The bench's baseline: a bare Fastify server whose one route does one better-sqlite3 INSERT inside a
 * transaction, on a WAL database with synchronous=FULL (Paybridge's own durability settings). Every
 * Paybridge figure is printed as a ratio to this: the floor a durable HTTP write costs on this machine.
 * Env: PORT, BASELINE_DB (a file path).
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const db = new Database(process.env['BASELINE_DB'] ?? './data/bench-baseline.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('create table if not exists hits (id integer primary key autoincrement, name text not null, amount integer not null, created_at integer not null)');
const insert = db.prepare('insert into hits (name, amount, created_at) values (?, ?, ?)');
const write = db.transaction((name: string, amount: number) => insert.run(name, amount, Date.now()).lastInsertRowid);

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.post<{ Body: { name?: string; amount?: number } }>('/insert', async (req, reply) => {
  const id = write(String(req.body?.name ?? 'x'), Number(req.body?.amount ?? 0));
  return reply.status(201).send({ id: Number(id) });
});

await app.listen({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' });
const stop = async () => { await app.close(); db.close(); process.exit(0); };
process.once('SIGTERM', stop).once('SIGINT', stop);
