/**
 * Fulfillment, inside the transaction that marks the order paid: a line of quantity 1 enrolls the buyer in
 * the course (a bundle in each of its courses); a line of quantity n > 1 makes n single-use seat codes.
 * The unique (order, course) key makes a second grant of the same order a no-op: exactly once per line.
 */
import type { Order, OrderLine } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

interface Granted {
  readonly enrollments: number;
  readonly seatCodes: readonly { readonly code: string; readonly title: string }[];
}

const SEAT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

const SEAT_GROUPS = 7;

/**
 * A seat code like `SEAT-7KQ2-XM4P-9HTA-…` (seven groups of four): it grants a course to whoever knows it,
 * so it carries 140 random bits (DESIGN rule 14), in 32 letters and digits that cannot be misread.
 */
function seatCode(deps: Pick<Deps, 'ids'>): string {
  const bytes = Buffer.from(deps.ids.secret(SEAT_GROUPS * 4), 'base64url');
  const groups: string[] = [];
  for (let g = 0; g < SEAT_GROUPS; g++) {
    let group = '';
    // 32 symbols: the low five bits of a uniform byte pick one uniformly.
    for (let i = 0; i < 4; i++) group += SEAT_ALPHABET[bytes[g * 4 + i]! & 31];
    groups.push(group);
  }
  return `SEAT-${groups.join('-')}`;
}

export async function grantOrder(deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, lines: readonly OrderLine[]): Promise<Granted> {
  let enrollments = 0;
  const seatCodes: { code: string; title: string }[] = [];
  if ((await tx.fulfillment.seatCodes(order.id)).length > 0) return { enrollments, seatCodes }; // already fulfilled
  const products = await tx.products.getMany(lines.map((l) => l.productId));
  for (const line of lines) {
    const product = products.find((p) => p.id === line.productId);
    if (!product) continue;
    if (line.quantity > 1) {
      const codes = Array.from({ length: line.quantity }, () => ({ id: deps.ids.next('seat'), code: seatCode(deps), orderId: order.id, productId: product.id }));
      await tx.fulfillment.insertSeatCodes(codes);
      seatCodes.push(...codes.map((c) => ({ code: c.code, title: product.title })));
      continue;
    }
    if (order.customerId === null) continue;
    const courses = product.kind === 'bundle' ? product.courseIds : [product.id];
    for (const courseId of courses) {
      if (await tx.fulfillment.grant({ id: deps.ids.next('enr'), customerId: order.customerId, courseId, orderId: order.id, createdAt: deps.clock.now() })) enrollments++;
    }
  }
  return { enrollments, seatCodes };
}

/** Whether an order has anything to grant (lines with products); payment orders carry only an amount. */
export function needsFulfillment(lines: readonly OrderLine[]): boolean {
  return lines.length > 0;
}
