/**
 * Graceful shutdown for the long-running commands. On the first SIGTERM or SIGINT (what a process manager,
 * a container runtime or Ctrl-C sends) `drain` runs once — stop listening, let in-flight requests finish,
 * let the worker finish its batch (which releases its leases), close the database — and the process exits 0.
 * One line is printed when the shutdown starts and one when it is done. Later signals change nothing: Ctrl-C
 * on `npm start` reaches the server twice (from the terminal, and forwarded by npm). A drain that is still
 * running after `deadlineMs` (kept under the 10 s that process managers usually wait before SIGKILL) is
 * abandoned with exit code 1: work left leased is taken over by another worker when its lease expires, as
 * after a crash.
 */
interface ShutdownOptions {
  /** What is shutting down, for the two lines ("Paybridge server", "Paybridge worker"). */
  readonly name: string;
  readonly deadlineMs?: number;
  readonly print?: (line: string) => void;
  readonly exit?: (code: number) => void;
  /** Where the signals come from (the process; an emitter in tests). */
  readonly signals?: NodeJS.EventEmitter;
}

const SHUTDOWN_DEADLINE_MS = 9_000;

export function onShutdown(drain: () => Promise<void>, options: ShutdownOptions): void {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const deadlineMs = options.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  let started: number | undefined;

  const handle = (signal: NodeJS.Signals) => {
    if (started !== undefined) return;
    started = performance.now();
    print(`${options.name}: ${signal} received, shutting down (no new connections; finishing requests and the worker's batch)`);
    const timer = setTimeout(() => {
      print(`${options.name}: the drain did not finish within ${deadlineMs} ms; exiting anyway`);
      exit(1);
    }, deadlineMs);
    timer.unref();
    drain().then(() => {
      clearTimeout(timer);
      print(`${options.name}: shut down cleanly in ${Math.round(performance.now() - started!)} ms`);
      exit(0);
    }, (error: unknown) => {
      clearTimeout(timer);
      print(`${options.name}: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      exit(1);
    });
  };
  (options.signals ?? process).on('SIGTERM', handle).on('SIGINT', handle);
}
