/** What the flows share: the pool of buyers (each used once) and small HTTP helpers. */
import type { Buyer } from '../data.js';
import { Exhausted } from '../load.js';

/** Hands out each prepared (customer, course) pair once, across every cell and server restart of a run. */
export class BuyerPool {
  private next = 0;
  constructor(private readonly buyers: readonly Buyer[]) {}
  take(): Buyer {
    const buyer = this.buyers[this.next++];
    if (!buyer) throw new Exhausted('the buyer pool is used up');
    return buyer;
  }
  get used(): number { return this.next; }
  get size(): number { return this.buyers.length; }
}

export function jsonHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

/** Course checkout as the buyer; returns the order and session ids. */
export interface Placed { readonly orderId: number; readonly sessionId: string }

export function parsePlaced(text: string): Placed {
  const body = JSON.parse(text) as { order_id?: unknown; session_id?: unknown; status?: unknown };
  if (body.status !== 'SUCCESS' || typeof body.order_id !== 'number' || typeof body.session_id !== 'string') {
    throw new Error(`unexpected checkout answer: ${text.slice(0, 200)}`);
  }
  return { orderId: body.order_id, sessionId: body.session_id };
}
