/**
 * The scheduler's overdue sweep: open or partially paid invoices whose due date has passed with money
 * still due become `overdue`, each with an `invoice.overdue` event in the same transaction.
 */
import { markOverdue } from '../../domain/invoice.js';
import type { Deps } from '../deps.js';
import { emit } from '../events.js';
import { invoiceJson } from './json.js';

/**
 * Marks up to `limit` invoices due at or before `now` (epoch ms) overdue, earliest due first, in one
 * transaction (rows claimed with SKIP LOCKED on PostgreSQL, and each move guarded by the invoice's
 * version, so two workers running it at once split the work and never emit twice). Idempotent: an
 * overdue invoice is never claimed again. Returns how many invoices it marked.
 */
export async function markOverdueInvoices(deps: Deps, now: number, limit = 100): Promise<number> {
  return deps.store.tx(async (tx) => {
    let marked = 0;
    for (const invoice of await tx.invoices.claimPastDue(now, limit)) {
      const moved = markOverdue(invoice, now);
      if (!moved.ok) continue;
      if (!(await tx.invoices.updateGuarded(invoice.id, invoice.version, { status: moved.value.status }))) continue;
      const after = (await tx.invoices.get(invoice.id))!;
      await emit(deps, tx, { type: 'invoice.overdue', shopId: invoice.shopId, data: { invoice: invoiceJson(after, await tx.invoices.lines(invoice.id)) } });
      marked++;
    }
    return marked;
  });
}
