/**
 * `paybridge admin create <email>`: creates an operator of the dashboard. The password is read from
 * standard input (its first line: `printf '%s\n' "$PASSWORD" | paybridge admin create a@b.c`) or, on a
 * terminal, asked for twice without echo. It is never an argument, so it stays out of shell histories
 * and process lists.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createOperator } from '../app/operators.js';
import type { Runtime } from '../main.js';

async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Asks on the terminal without echoing what is typed. */
function ask(prompt: string): Promise<string> {
  let muted = false;
  const output = new Writable({ write(chunk, _encoding, done) { if (!muted) process.stderr.write(chunk); done(); } });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => { rl.close(); process.stderr.write('\n'); resolve(answer); });
    muted = true;
  });
}

export async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readFirstLine();
  const first = await ask('Password (12 characters or more): ');
  const again = await ask('Again: ');
  if (first !== again) throw new Error('the two passwords differ');
  return first;
}

export async function adminCreate(runtime: Runtime, email: string, password: string, print: (text: string) => void): Promise<void> {
  const operator = await createOperator(runtime.deps, { email, password, createdBy: 'cli' });
  print(`operator ${operator.id} (${operator.email}) created: sign in at ${runtime.deps.publicUrl}/admin`);
}
