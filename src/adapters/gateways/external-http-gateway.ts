/**
 * The Commerce Layer external gateways `external` gateway over HTTP: each action POSTs a signed JSON:API document to the merchant's
 * URL and reads the documented reply. This adapter only translates (payload, signature, reply); it holds no
 * state and touches no database. Following the PaymentGateway port, a fault — timeout, refused connection,
 * 5xx, an unreadable reply — is thrown as an ExternalGatewayFault; the circuit breaker around it
 * (app/gateways/external-calls.ts) turns it into the failed transaction the specification specifies and counts it.
 */
import type { HttpClient } from '../../ports/http-client.js';
import type { GatewayRequest, GatewayResult, PaymentGateway } from '../../ports/payment-gateway.js';
import type { ExternalGatewayConfig } from '../../ports/gateways.js';
import { externalPayload, type ExternalAction } from './external-payload.js';
import { readExternalReply, type ExternalFaultCode, type ReportedError } from './external-reply.js';
import { signExternalBody } from './external-signature.js';

/**
 * A call that got no usable answer. `code` classifies the fault; the failed transaction stores the code
 * and message the merchant's error body `reported` (a 5xx with the documented error body), else `code` and
 * this message.
 */
class ExternalGatewayFault extends Error {
  constructor(readonly code: ExternalFaultCode, message: string, readonly reported?: ReportedError) {
    super(message);
    this.name = 'ExternalGatewayFault';
  }
}

/**
 * application/json rather than JSON:API's media type: it is what generic JSON body parsers (express.json(),
 * Fastify's default) accept, so merchant endpoints parse the body without any set-up.
 */
const EXTERNAL_CONTENT_TYPE = 'application/json';

/** Builds the request one action sends: the exact body bytes and its headers (signature included). */
export function externalRequest(action: ExternalAction, request: GatewayRequest, secret: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(externalPayload(action, request));
  return {
    body,
    headers: {
      'content-type': EXTERNAL_CONTENT_TYPE, accept: 'application/json', 'user-agent': 'Paybridge',
      'x-commercelayer-signature': signExternalBody(body, secret), 'idempotency-key': request.transaction.idempotencyKey,
    },
  };
}

function isTimeout(error: unknown): boolean {
  const e = error as { name?: string; code?: string } | null;
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT'
    || e?.code === 'UND_ERR_BODY_TIMEOUT' || e?.code === 'UND_ERR_CONNECT_TIMEOUT';
}

export class ExternalHttpGateway implements PaymentGateway {
  constructor(private readonly config: ExternalGatewayConfig, private readonly http: HttpClient) {}

  authorize(r: GatewayRequest): Promise<GatewayResult> { return this.call('authorize', this.config.authorizeUrl, r); }
  capture(r: GatewayRequest): Promise<GatewayResult> { return this.call('capture', this.config.captureUrl, r); }
  void(r: GatewayRequest): Promise<GatewayResult> { return this.call('void', this.config.voidUrl, r); }
  refund(r: GatewayRequest): Promise<GatewayResult> { return this.call('refund', this.config.refundUrl, r); }
  tokenize(r: GatewayRequest): Promise<GatewayResult> { return this.call('token', this.config.tokenUrl, r); }

  /** The protocol has no status call: a pending transaction is completed by the merchant's webhook. */
  async status(): Promise<GatewayResult | null> { return null; }

  private async call(action: ExternalAction, url: string | null, r: GatewayRequest): Promise<GatewayResult> {
    if (!url) {
      return { outcome: 'failed', errorCode: 'action_not_supported', errorMessage: `this gateway has no ${action}_url` };
    }
    const { body, headers } = externalRequest(action, r, this.config.sharedSecret);
    let response;
    try {
      response = await this.http.post({ url, headers, body, timeoutMs: this.config.timeoutMs });
    } catch (error) {
      if (isTimeout(error)) throw new ExternalGatewayFault('timeout', `the gateway did not answer within ${this.config.timeoutMs} ms`);
      const reason = (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.name : 'error');
      throw new ExternalGatewayFault('gateway_unavailable', `the gateway could not be reached (${reason})`);
    }
    const reading = readExternalReply(action, response);
    if (reading.kind === 'fault') throw new ExternalGatewayFault(reading.code, reading.message, reading.reported);
    return reading.result;
  }
}
