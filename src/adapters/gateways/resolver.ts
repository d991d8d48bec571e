/** Finds the adapter for a configured gateway; one adapter instance per gateway configuration. */
import { DomainError } from '../../domain/errors.js';
import type { GatewayResolver, PaymentGateway } from '../../ports/payment-gateway.js';
import type { Gateway, GatewayKind } from '../../ports/gateways.js';
import type { Store } from '../../ports/store.js';

type GatewayFactory = (gateway: Gateway) => PaymentGateway;

export class StoreGatewayResolver implements GatewayResolver {
  constructor(private readonly store: Store, private readonly factories: Partial<Record<GatewayKind, GatewayFactory>>) {}

  async resolve(gatewayId: string): Promise<PaymentGateway> {
    const gateway = await this.store.gateways.get(gatewayId);
    if (!gateway) throw new DomainError('not_found', `gateway ${gatewayId} not found`);
    const factory = this.factories[gateway.kind];
    if (!factory) throw new DomainError('gateway_error', `gateway kind ${gateway.kind} is not available in this build`);
    // Configuration (URLs, secrets, circuit state) is read on every call: it can change at any time.
    return factory(gateway);
  }
}
