/**
 * Offline payments (bank transfer, cheque): an authorization stays pending, with the transfer reference as
 * its action id, until someone confirms it through the API. Captures, voids and refunds of money received
 * offline are recorded as done. The processor cannot be asked for status: the janitor leaves these alone
 * until they expire.
 */
import type { GatewayRequest, GatewayResult, PaymentGateway } from '../../ports/payment-gateway.js';

const done = (r: GatewayRequest): GatewayResult => ({ outcome: 'succeeded', processorToken: `manual_${r.transaction.id}`, amount: r.transaction.amount });

export class ManualGateway implements PaymentGateway {
  async authorize(r: GatewayRequest): Promise<GatewayResult> {
    return { outcome: 'pending', actionId: `PB-${r.order.id}-${r.transaction.id.slice(-6).toUpperCase()}`, amount: r.transaction.amount };
  }
  async capture(r: GatewayRequest): Promise<GatewayResult> { return done(r); }
  async void(r: GatewayRequest): Promise<GatewayResult> { return done(r); }
  async refund(r: GatewayRequest): Promise<GatewayResult> { return done(r); }
  async tokenize(): Promise<GatewayResult> { return { outcome: 'failed', errorCode: 'unsupported', errorMessage: 'manual payments cannot be saved' }; }
  async status(): Promise<GatewayResult | null> { return null; }
}
