/** What a paid order grants: enrollments and seat codes. */
import type { Page, PageRequest } from './common.js';

export interface Enrollment {
  readonly id: string;
  readonly customerId: string;
  readonly courseId: number;
  /** The order that granted it; cancelling or refunding that order revokes exactly these. */
  readonly orderId: number;
  readonly status: 'active' | 'revoked';
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface SeatCode {
  readonly id: string;
  readonly code: string;
  readonly orderId: number;
  readonly productId: number;
  readonly status: 'available' | 'redeemed' | 'revoked';
  readonly redeemedBy: string | null;
  readonly redeemedOrderId: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface FulfillmentRepo {
  /** Grants the course; returns false when this order already granted it (exactly once per line). */
  grant(enrollment: Omit<Enrollment, 'status' | 'revokedAt'>): Promise<boolean>;
  /** Revokes every active enrollment and unredeemed seat code the order granted; returns how many. */
  revokeOrder(orderId: number, at: number): Promise<number>;
  /** Active enrollments of a customer in these courses. */
  owned(customerId: string, courseIds: readonly number[]): Promise<Enrollment[]>;
  enrollments(filter: { customerId?: string | undefined; orderId?: number | undefined }, page: PageRequest): Promise<Page<Enrollment>>;
  insertSeatCodes(codes: readonly Omit<SeatCode, 'createdAt' | 'updatedAt' | 'status' | 'redeemedBy' | 'redeemedOrderId'>[]): Promise<void>;
  seatCodes(orderId: number): Promise<SeatCode[]>;
  getSeatCode(code: string): Promise<SeatCode | undefined>;
  /** Marks an available code redeemed by this customer's order; false when it was not available. */
  redeemSeatCode(id: string, customerId: string, orderId: number): Promise<boolean>;
  /** Revokes a redeemed code (the order that bought it was refunded or cancelled); false when it was not redeemed. */
  revokeSeatCode(id: string, at: number): Promise<boolean>;
  /** Makes a code redeemed by `orderId` available again (that order was cancelled). */
  releaseSeatCode(redeemedOrderId: number): Promise<void>;
}
