/** Webhook endpoints: where events go. Each has its own Standard Webhooks secret. */
import { DomainError } from '../../domain/errors.js';
import type { WebhookEndpoint } from '../../ports/events.js';
import type { Deps } from '../deps.js';
import { EVENT_TYPES, emit } from '../events.js';
import { defined, found, invalid, outboundUrl } from '../validate.js';

interface EndpointInput {
  readonly url?: string | undefined;
  readonly shopId?: string | null | undefined;
  readonly eventTypes?: readonly string[] | undefined;
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | undefined;
}

const KNOWN = new Set<string>(EVENT_TYPES);

function eventTypes(list: readonly string[] | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  if (list.length === 0) throw invalid('/event_types', 'must name at least one event type, or "*"');
  list.forEach((type, i) => {
    const prefix = type.endsWith('.*') ? type.slice(0, -1) : null;
    const ok = type === '*' || KNOWN.has(type) || (prefix !== null && EVENT_TYPES.some((t) => t.startsWith(prefix)));
    if (!ok) throw invalid(`/event_types/${i}`, `"${type}" is not an event type`);
  });
  return [...new Set(list)];
}

export async function createEndpoint(deps: Deps, input: EndpointInput & { url: string }): Promise<WebhookEndpoint> {
  if (input.shopId) found(await deps.store.shops.get(input.shopId), 'shop', input.shopId);
  return deps.store.webhooks.insertEndpoint({
    id: deps.ids.next('we'), shopId: input.shopId ?? null, url: (await outboundUrl(deps, input.url, '/url'))!, secret: deps.signer.newSecret(),
    eventTypes: eventTypes(input.eventTypes) ?? ['*'], description: input.description ?? null,
    enabled: input.enabled ?? true, disabledReason: null, consecutiveFailures: 0,
  });
}

export async function updateEndpoint(deps: Deps, id: string, input: EndpointInput): Promise<WebhookEndpoint> {
  found(await deps.store.webhooks.getEndpoint(id), 'webhook endpoint', id);
  const reenable = input.enabled === true ? { disabledReason: null, consecutiveFailures: 0 } : {};
  return found(await deps.store.webhooks.updateEndpoint(id, defined({
    url: (await outboundUrl(deps, input.url, '/url')) ?? undefined, eventTypes: eventTypes(input.eventTypes), description: input.description,
    enabled: input.enabled, ...reenable,
  })), 'webhook endpoint', id);
}

export async function rotateEndpointSecret(deps: Deps, id: string): Promise<WebhookEndpoint> {
  found(await deps.store.webhooks.getEndpoint(id), 'webhook endpoint', id);
  return (await deps.store.webhooks.updateEndpoint(id, { secret: deps.signer.newSecret() }))!;
}

/** Sends a `webhook.test` event to this endpoint only. */
export async function pingEndpoint(deps: Deps, id: string): Promise<string> {
  const endpoint = found(await deps.store.webhooks.getEndpoint(id), 'webhook endpoint', id);
  if (!endpoint.enabled) throw new DomainError('invalid_transition', 'the endpoint is disabled; enable it first');
  return deps.store.tx(async (tx) => {
    const event = await emit(deps, tx, { type: 'webhook.test', shopId: endpoint.shopId, data: { endpoint_id: id, message: 'ping' } });
    await tx.events.markDispatched([event.id]);
    const deliveryId = deps.ids.next('msg');
    await tx.webhooks.createDeliveries([{ id: deliveryId, endpointId: id, eventId: event.id, nextAttemptAt: deps.clock.now() }]);
    return deliveryId;
  });
}

/** Puts a delivery back in the queue now, whatever its state (manual replay). */
export async function replayDelivery(deps: Deps, id: string): Promise<void> {
  const delivery = found(await deps.store.webhooks.getDelivery(id), 'delivery', id);
  const endpoint = await deps.store.webhooks.getEndpoint(delivery.endpointId);
  if (!endpoint?.enabled) throw new DomainError('invalid_transition', 'the endpoint is disabled; enable it before replaying');
  await deps.store.webhooks.requeue(id, deps.clock.now());
}
