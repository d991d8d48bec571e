/**
 * Settled money movements on the double-entry ledger (DESIGN rule 7): a capture moves money from the
 * processor's clearing account to the shop's account, a refund moves it back. Posted once per transaction.
 */
import { unwrap } from '../../domain/errors.js';
import { transfer } from '../../domain/ledger.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

export function merchantAccount(shopId: string, currency: string): string {
  return `merchant:${shopId}:${currency}`;
}

function processorAccount(gatewayId: string | null, currency: string): string {
  return `processor:${gatewayId ?? 'external'}:${currency}`;
}

export async function postSettlement(deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, txn: PaymentTransaction): Promise<void> {
  if (txn.kind !== 'capture' && txn.kind !== 'refund') return;
  // The processor's clearing account mirrors money held outside: it may go negative; so may a merchant
  // that refunds more than it holds here (its payouts are not tracked on this ledger).
  const processor = await tx.ledger.account(processorAccount(txn.gatewayId, txn.currency), txn.currency, true);
  const merchant = await tx.ledger.account(merchantAccount(order.shopId, txn.currency), txn.currency, true);
  const [from, to] = txn.kind === 'capture' ? [processor, merchant] : [merchant, processor];
  const t = unwrap(transfer(txn.kind, from.id, to.id, { amount: txn.amount, currency: txn.currency }));
  await tx.ledger.post({ id: deps.ids.next('tr'), currency: t.currency, kind: t.kind, reference: txn.id, postings: t.postings, createdAt: deps.clock.now() });
}
