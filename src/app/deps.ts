/** What every use case may use: the ports, nothing else. Built once in main.ts. */
import type { Clock } from '../ports/clock.js';
import type { Hasher, TokenSigner, WebhookSigner } from '../ports/crypto.js';
import type { OutboundPolicy } from '../ports/http-client.js';
import type { Ids } from '../ports/ids.js';
import type { Logger } from '../ports/logger.js';
import type { GatewayResolver } from '../ports/payment-gateway.js';
import type { Store } from '../ports/store.js';

export interface Deps {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly hasher: Hasher;
  readonly tokens: TokenSigner;
  readonly signer: WebhookSigner;
  readonly gateways: GatewayResolver;
  /** Base URL for links in responses and e-mails (PUBLIC_URL). */
  readonly publicUrl: string;
  /** Where outbound calls may go: checked when a webhook, callback or gateway URL is saved. */
  readonly outbound: OutboundPolicy;
  /** The operator's log of domain facts (ids, amounts, reason codes; never a secret). */
  readonly log: Logger;
}

/** Who is calling. API keys and client-credential tokens act for the platform; customers for themselves. */
export type Principal =
  | {
    readonly role: 'admin' | 'integration';
    /** The API key; for an operator signed in to the dashboard with a password, the operator's id. */
    readonly apiKeyId: string;
    /** Set for an operator signed in to the dashboard with a password: histories name the operator. */
    readonly operatorId?: string | undefined;
  }
  | {
    readonly role: 'customer';
    readonly customerId: string;
    /** The sign-in (refresh-token family) the caller's access token belongs to, if any. */
    readonly session: string | null;
    /** The API key that minted the token for the platform's user (POST /customers/{id}/access-tokens), if any. */
    readonly actingKeyId?: string | undefined;
  };

/** The `actor` written into state histories: a token a platform minted for its user names the platform's key. */
export function actorOf(principal: Principal): string {
  if (principal.role === 'customer') return principal.actingKeyId ? `api_key:${principal.actingKeyId}` : `customer:${principal.customerId}`;
  return principal.operatorId ? `operator:${principal.operatorId}` : `api_key:${principal.apiKeyId}`;
}
