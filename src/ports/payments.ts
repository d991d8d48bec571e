/** Payment transactions (authorize, capture, void, refund) of an order. */
import type { TransactionKind, TransactionStatus } from '../domain/payment.js';
import type { New } from './common.js';

/** An append-only payment transaction; only `pending` rows are ever completed, once. */
export interface PaymentTransaction {
  readonly id: string;
  readonly orderId: number;
  readonly gatewayId: string | null;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly amount: number;
  readonly currency: string;
  /** The transaction this one acts on: capture/void → authorization, refund → capture. */
  readonly parentId: string | null;
  /** Deterministic key sent to the processor so a retried call has one effect. Unique. */
  readonly idempotencyKey: string;
  readonly processorToken: string | null;
  /** Commerce Layer external gateways: the processor's id for an asynchronous (202) transaction, completed by webhook. */
  readonly actionId: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TransactionRepo {
  insert(txn: New<PaymentTransaction>): Promise<PaymentTransaction>;
  get(id: string): Promise<PaymentTransaction | undefined>;
  getByIdempotencyKey(key: string): Promise<PaymentTransaction | undefined>;
  getByActionId(gatewayId: string, actionId: string): Promise<PaymentTransaction | undefined>;
  listByOrder(orderId: number): Promise<PaymentTransaction[]>;
  /** Records what the processor said of a transaction that stays pending (its action id, its token). */
  setPendingDetails(id: string, patch: Partial<Pick<PaymentTransaction, 'actionId' | 'processorToken' | 'metadata'>>): Promise<void>;
  /** Pending transactions created before `before`, oldest first (for the janitor). */
  listPending(before: number, limit: number): Promise<PaymentTransaction[]>;
  /** Completes a `pending` row; false when it was no longer pending (someone else completed it). */
  complete(id: string, patch: Pick<PaymentTransaction, 'status'> & Partial<Pick<PaymentTransaction,
    'processorToken' | 'errorCode' | 'errorMessage' | 'metadata'>>, at: number): Promise<boolean>;
}
