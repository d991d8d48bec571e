/** Gateway configurations of a shop: the built-in sandbox, manual (offline) payments, external (Commerce Layer-compatible). */
import type { Gateway, GatewayKind } from '../ports/gateways.js';
import type { Deps } from './deps.js';
import { found } from './validate.js';

export async function createGateway(deps: Deps, input: { shopId: string; kind: GatewayKind; name: string; config?: Record<string, unknown> }): Promise<Gateway> {
  found(await deps.store.shops.get(input.shopId), 'shop', input.shopId);
  return deps.store.gateways.insert({ id: deps.ids.next('gw'), shopId: input.shopId, kind: input.kind, name: input.name, config: input.config ?? {} });
}
