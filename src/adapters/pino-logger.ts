/**
 * Logging with pino: one pino instance per process, shared by Fastify's request lines and the domain facts
 * of the `Logger` port. Pretty, coloured lines (pino-pretty, in-process) when stdout is a terminal; JSON
 * lines, one per entry, otherwise (a process manager, a container, a file).
 */
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogFields, Logger } from '../ports/logger.js';

interface PinoOptions {
  readonly level: string;
  /** Paths pino replaces with `[redacted]` (request headers that carry credentials). */
  readonly redact: readonly string[];
  /** Human-readable lines instead of JSON; default: when stdout is a TTY. */
  readonly pretty?: boolean;
  /** Where the lines go; default stdout. */
  readonly destination?: DestinationStream;
}

export function createPino(options: PinoOptions): Pino {
  const base = { level: options.level, redact: { paths: [...options.redact], censor: '[redacted]' } };
  const wantsPretty = options.pretty ?? process.stdout.isTTY === true;
  if (!wantsPretty) return options.destination ? pino(base, options.destination) : pino(base);
  const stream = pretty({
    colorize: options.destination === undefined && process.stdout.isTTY === true,
    sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname',
    ...(options.destination ? { destination: options.destination as NodeJS.WritableStream } : {}),
  });
  return pino(base, stream);
}

/** The `Logger` port over pino: the fact's name goes in the `fact` field beside the given fields. */
export class PinoLogger implements Logger {
  constructor(private readonly pino: Pino) {}

  info(fact: string, message: string, fields: LogFields = {}): void {
    this.pino.info({ ...fields, fact }, message);
  }

  warn(fact: string, message: string, fields: LogFields = {}): void {
    this.pino.warn({ ...fields, fact }, message);
  }
}
