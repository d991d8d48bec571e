/**
 * Timed jobs, run by every worker on its own clock. Each task is written so that two workers running it at
 * once do no harm (guarded updates, idempotent effects). Later features add their tasks here.
 */
import type { Deps } from '../app/deps.js';
import { expireCheckoutSessions } from '../app/checkout/expire-sessions.js';
import { markOverdueInvoices } from '../app/invoices/overdue.js';
import { resolvePendingTransactions } from '../app/payments/janitor.js';
import { completeClearedOrders } from '../app/payment-orders/complete-cleared.js';
import { expireUnpaidOrders } from '../app/payment-orders/expire-unpaid.js';
import { voidStaleAuthorizations } from '../app/payment-orders/void-stale.js';
import { purgeIdempotencyKeys } from './housekeeping.js';

export interface ScheduledTask {
  readonly name: string;
  readonly everyMs: number;
  /** Returns how many items it changed. */
  run(now: number): Promise<number>;
}

export function scheduledTasks(deps: Deps): ScheduledTask[] {
  return [
    { name: 'purge-idempotency-keys', everyMs: 15 * 60_000, run: async () => { await purgeIdempotencyKeys(deps); return 0; } },
    { name: 'pending-payment-janitor', everyMs: 5_000, run: () => resolvePendingTransactions(deps) },
    { name: 'expire-checkout-sessions', everyMs: 60_000, run: (now) => expireCheckoutSessions(deps, now, 100) },
    { name: 'invoice-overdue', everyMs: 60_000, run: (now) => markOverdueInvoices(deps, now, 100) },
    { name: 'payment-orders-expire-unpaid', everyMs: 60_000, run: (now) => expireUnpaidOrders(deps, now) },
    { name: 'payment-orders-void-stale-authorizations', everyMs: 60_000, run: (now) => voidStaleAuthorizations(deps, now) },
    { name: 'payment-orders-clearing', everyMs: 15 * 60_000, run: (now) => completeClearedOrders(deps, now) },
  ];
}
