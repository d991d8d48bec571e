/**
 * Every call to a Commerce Layer external gateway goes through this decorator, which the resolver wraps around
 * the HTTP adapter. It owns the specification's policy around the call, with its state in the database:
 *   - the order's notifications (earlier replies' messages) are loaded for the payload's order;
 *   - a saved payment source (`{type: 'customer_token', token: <saved id>}`) is replaced by the merchant's
 *     tokens before the call, after checking it belongs to the order's customer and to this gateway;
 *   - the persisted circuit breaker is asked first: while open, the call is skipped and the transaction
 *     fails with `circuit_open`; after the cool-down, one probe call goes through (half-open);
 *   - a fault (timeout, refused connection, 5xx, unreadable reply, 202 without action_id) is thrown by the
 *     adapter; here it becomes a failed transaction — the specification's rule, not pending — with the code
 *     and message of the merchant's error body when a 5xx carried one, else the fault's, and counts as a
 *     failure: more than `circuitThreshold` in a row open the circuit;
 *   - a 202 whose action_id another transaction already has is refused as `invalid_response`;
 *   - any readable answer (success, 202, or a documented decline) ends the run of failures.
 * Circuit updates are single guarded statements outside any transaction (no call is made inside one).
 */
import type { GatewayRequest, GatewayResult, PaymentGateway } from '../../ports/payment-gateway.js';
import type { ExternalGatewayConfig, Gateway } from '../../ports/gateways.js';
import type { Deps } from '../deps.js';

type Method = 'authorize' | 'capture' | 'void' | 'refund' | 'tokenize';

const FAULT_CODES = new Set(['timeout', 'gateway_unavailable', 'invalid_response']);

/** The failed result a fault becomes: the merchant's own error code and message when its body gave them. */
function faultResult(error: unknown): GatewayResult {
  const { code, reported } = (error ?? {}) as { code?: unknown; reported?: { code: string | null; message: string | null; processorToken: string | null } };
  const message = error instanceof Error ? error.message : String(error);
  return {
    outcome: 'failed', fault: true, processorToken: reported?.processorToken ?? null,
    errorCode: reported?.code ?? (typeof code === 'string' && FAULT_CODES.has(code) ? code : 'gateway_unavailable'),
    errorMessage: reported?.message ?? message.slice(0, 300),
  };
}

export class CircuitBreakingGateway implements PaymentGateway {
  constructor(
    private readonly deps: Pick<Deps, 'store' | 'clock' | 'log'>,
    private readonly gateway: Gateway,
    private readonly config: ExternalGatewayConfig,
    private readonly inner: PaymentGateway,
  ) {}

  authorize(r: GatewayRequest): Promise<GatewayResult> { return this.guarded('authorize', r); }
  capture(r: GatewayRequest): Promise<GatewayResult> { return this.guarded('capture', r); }
  void(r: GatewayRequest): Promise<GatewayResult> { return this.guarded('void', r); }
  refund(r: GatewayRequest): Promise<GatewayResult> { return this.guarded('refund', r); }
  tokenize(r: GatewayRequest): Promise<GatewayResult> { return this.guarded('tokenize', r); }
  status(r: GatewayRequest): Promise<GatewayResult | null> { return this.inner.status(r); }

  private async guarded(method: Method, request: GatewayRequest): Promise<GatewayResult> {
    const prepared = await this.withSavedSource(request);
    if ('outcome' in prepared) return prepared;
    // Commerce Layer's order carries its notifications: the merchant sees the messages it attached before.
    const notifications = request.order.id > 0 ? await this.deps.store.orderNotes.list(request.order.id) : [];
    const circuits = this.deps.store.externalGateways;
    const id = this.gateway.id;
    const admission = await circuits.admit(id, this.deps.clock.now(), this.config.circuitCooldownMs, this.config.timeoutMs + 5_000);
    if (admission === 'open') {
      return { outcome: 'failed', fault: true, errorCode: 'circuit_open', errorMessage: 'the gateway\'s circuit breaker is open: the call was not made' };
    }
    const probe = admission === 'probe';
    let result: GatewayResult;
    try {
      result = await this.inner[method]({ ...prepared.request, notifications });
    } catch (error) {
      const failed = faultResult(error);
      await this.failure(failed.errorCode ?? 'gateway_unavailable', probe);
      return failed;
    }
    if (result.outcome === 'pending' && result.actionId) {
      // The specification makes action_id uniqueness the merchant's duty; a reused one could complete the wrong payment.
      const owner = await this.deps.store.transactions.getByActionId(id, result.actionId);
      if (owner && owner.id !== prepared.request.transaction.id) {
        await this.failure('invalid_response', probe);
        return { outcome: 'failed', fault: true, errorCode: 'invalid_response', errorMessage: `the gateway answered 202 with action_id ${result.actionId}, already used by another transaction` };
      }
    }
    await circuits.recordSuccess(id, this.deps.clock.now(), probe);
    return result;
  }

  /** Counts a failed call; logs the circuit opening when this failure opened it. */
  private async failure(code: string, probe: boolean): Promise<void> {
    const opened = await this.deps.store.externalGateways.recordFailure(this.gateway.id, this.config.circuitThreshold, this.deps.clock.now(), probe);
    if (!opened) return;
    this.deps.log.warn('circuit.opened', `gateway ${this.gateway.id}: circuit opened; calls are skipped${this.config.circuitCooldownMs === null ? ' until it is reset' : ' until a probe succeeds'}`, {
      gateway_id: this.gateway.id, shop_id: this.gateway.shopId, reason_code: code, probe, threshold: this.config.circuitThreshold,
    });
  }

  /** Resolves a saved payment source to the merchant's tokens, or refuses it as a failed result. */
  private async withSavedSource(request: GatewayRequest): Promise<{ request: GatewayRequest } | GatewayResult> {
    const source = request.source;
    if (source?.type !== 'customer_token') return { request };
    const saved = await this.deps.store.paymentSources.get(source.token);
    const customerId = request.customer?.id ?? request.order.customerId;
    if (!saved || saved.gatewayId !== this.gateway.id || saved.customerId !== customerId) {
      return { outcome: 'failed', errorCode: 'invalid_payment_source', errorMessage: 'the saved payment source is not one of this customer on this gateway' };
    }
    return {
      request: {
        ...request,
        source: { type: 'customer_token', token: saved.token, metadata: { customer_token: saved.customerToken, payment_source_id: saved.id } },
      },
    };
  }
}
