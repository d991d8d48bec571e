/**
 * The built-in sandbox processor, for development and tests, in the spirit of Stripe's test mode. It is
 * stateless and deterministic: the card number decides the outcome, and an asynchronous payment resolves
 * when the janitor asks for its status after `asyncDelayMs`.
 *
 * | card number        | outcome                                                              |
 * |--------------------|----------------------------------------------------------------------|
 * | 4242 4242 4242 4242 | succeeds                                                            |
 * | 4000 0000 0000 0002 | declined (`card_declined`)                                          |
 * | 4000 0000 0000 9995 | declined (`insufficient_funds`)                                     |
 * | 4000 0000 0000 0077 | pending, then succeeds (asynchronous)                               |
 * | 4000 0000 0000 0085 | pending, then fails (asynchronous)                                  |
 * | 4000 0000 0000 0119 | the processor times out; the charge did go through (found by status) |
 * Any other valid card number (Luhn) succeeds. Expiry must be in the future; any 3–4 digit CVC.
 */
import type { Clock } from '../../ports/clock.js';
import type { GatewayRequest, GatewayResult, PaymentGateway } from '../../ports/payment-gateway.js';

export type SandboxScenario = 'success' | 'decline' | 'insufficient' | 'async_success' | 'async_failure' | 'timeout';

export const SANDBOX_CARDS: Readonly<Record<string, SandboxScenario>> = {
  '4242424242424242': 'success',
  '4000000000000002': 'decline',
  '4000000000009995': 'insufficient',
  '4000000000000077': 'async_success',
  '4000000000000085': 'async_failure',
  '4000000000000119': 'timeout',
};

const SANDBOX_ASYNC_DELAY_MS = 10_000;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

interface CardInput {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string;
}

/**
 * Turns card details into a sandbox token (what the hosted page keeps instead of the card), or explains
 * what is wrong with them. `now` is used for the expiry check.
 */
export function sandboxCardToken(card: CardInput, now: number): { token: string; last4: string } | { error: string; field: string } {
  const number = card.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !luhn(number)) return { error: 'The card number is not valid.', field: 'number' };
  const date = new Date(now);
  const year = card.expYear < 100 ? 2000 + card.expYear : card.expYear;
  if (!(card.expMonth >= 1 && card.expMonth <= 12) || year * 12 + card.expMonth < date.getUTCFullYear() * 12 + date.getUTCMonth() + 1) {
    return { error: 'The card has expired.', field: 'expiry' };
  }
  if (!/^\d{3,4}$/.test(card.cvc)) return { error: 'The security code is not valid.', field: 'cvc' };
  const scenario = SANDBOX_CARDS[number] ?? 'success';
  return { token: `tok_sandbox_${scenario}_${number.slice(-4)}`, last4: number.slice(-4) };
}

function scenarioOf(request: GatewayRequest): SandboxScenario {
  const token = request.source?.token ?? '';
  const match = /^tok_sandbox_([a-z_]+)_\d{4}$/.exec(token);
  return (match?.[1] as SandboxScenario | undefined) ?? 'success';
}

const ok = (prefix: string, r: GatewayRequest): GatewayResult => ({
  outcome: 'succeeded', processorToken: `sbx_${prefix}_${r.transaction.id}`, amount: r.transaction.amount,
});

export class SandboxGateway implements PaymentGateway {
  constructor(private readonly clock: Clock, private readonly asyncDelayMs = SANDBOX_ASYNC_DELAY_MS) {}

  async authorize(r: GatewayRequest): Promise<GatewayResult> {
    switch (scenarioOf(r)) {
      case 'decline': return { outcome: 'failed', errorCode: 'card_declined', errorMessage: 'Your card was declined.' };
      case 'insufficient': return { outcome: 'failed', errorCode: 'insufficient_funds', errorMessage: 'Your card has insufficient funds.' };
      case 'async_success':
      case 'async_failure': return { outcome: 'pending', actionId: `sbx_act_${r.transaction.id}`, amount: r.transaction.amount };
      case 'timeout': throw new Error('the sandbox processor did not answer in time');
      default: return ok('auth', r);
    }
  }

  async capture(r: GatewayRequest): Promise<GatewayResult> { return ok('cap', r); }
  async void(r: GatewayRequest): Promise<GatewayResult> { return ok('void', r); }
  async refund(r: GatewayRequest): Promise<GatewayResult> { return ok('ref', r); }

  async tokenize(r: GatewayRequest): Promise<GatewayResult> {
    return { outcome: 'succeeded', processorToken: `sbx_cust_${r.customer?.id ?? r.transaction.id}` };
  }

  async status(r: GatewayRequest): Promise<GatewayResult> {
    if (r.transaction.kind !== 'authorization') return ok(r.transaction.kind, r);
    const due = this.clock.now() - r.transaction.createdAt >= this.asyncDelayMs;
    switch (scenarioOf(r)) {
      case 'async_success': return due ? ok('auth', r) : { outcome: 'pending' };
      case 'async_failure': return due ? { outcome: 'failed', errorCode: 'card_declined', errorMessage: 'The bank declined the payment.' } : { outcome: 'pending' };
      case 'decline': return { outcome: 'failed', errorCode: 'card_declined', errorMessage: 'Your card was declined.' };
      case 'insufficient': return { outcome: 'failed', errorCode: 'insufficient_funds', errorMessage: 'Your card has insufficient funds.' };
      default: return ok('auth', r);
    }
  }
}
