/**
 * A scriptable Commerce Layer external gateways merchant endpoint on 127.0.0.1 (port 0), for tests of the external gateway. Like a
 * careful merchant, it checks every request it receives with tools independent of Paybridge's code:
 *   - the X-CommerceLayer-Signature with Commerce Layer's own `checkSignature` (@commercelayer/sdk-utils);
 *   - the body against the JSON:API 1.0 schema (its relevant parts, written here from jsonapi.org/format/1.0)
 *     with ajv, plus the rules a schema cannot state (unique resources, full linkage);
 * and records any problem in `problems`. By default it answers each action with success, echoing the
 * amount a Commerce Layer endpoint would read (the order total for authorize, capture_amount_cents,
 * void_balance_cents, refund_amount_cents); `script(path, …replies)` queues other answers, and
 * `fallback`, when set, answers whatever nothing was queued for. A reply can also reset the connection or
 * send its body slowly (faults a careless or overloaded merchant produces).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSignature } from '@commercelayer/sdk-utils';
import Ajv from 'ajv';

export interface MerchantRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: any;
}

/** One scripted answer: a JSON body (or raw text), a status, an optional delay (real milliseconds). */
export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly raw?: string;
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (after `delayMs`): a reset. */
  readonly reset?: boolean;
  /** Send the status and the first half of the body, then the rest this many real milliseconds later. */
  readonly dripMs?: number;
}
export type Script = Reply | ((req: MerchantRequest) => Reply);

const MEMBER = '^[a-zA-Z0-9](?:[-\\w]*[a-zA-Z0-9])?$';
const linkage = { type: 'object', required: ['type', 'id'], additionalProperties: false, properties: { type: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 }, meta: { type: 'object' } } };
const resource = {
  type: 'object', required: ['type', 'id'], additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 },
    attributes: { type: 'object', propertyNames: { pattern: MEMBER, not: { enum: ['id', 'type', 'relationships', 'links'] } } },
    relationships: {
      type: 'object', propertyNames: { pattern: MEMBER, not: { enum: ['id', 'type'] } },
      additionalProperties: {
        type: 'object', additionalProperties: false, anyOf: [{ required: ['data'] }, { required: ['meta'] }, { required: ['links'] }],
        properties: { data: { oneOf: [{ type: 'null' }, linkage, { type: 'array', items: linkage, uniqueItems: true }] }, meta: { type: 'object' }, links: { type: 'object' } },
      },
    },
    links: { type: 'object' }, meta: { type: 'object' },
  },
};
/** The parts of the JSON:API 1.0 document schema a server's data document must satisfy. */
export const JSONAPI_DOCUMENT_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['data'],
  properties: {
    data: { oneOf: [{ type: 'null' }, resource, { type: 'array', items: resource }] },
    included: { type: 'array', items: resource, uniqueItems: true },
    meta: { type: 'object', propertyNames: { pattern: MEMBER } }, links: { type: 'object' },
    jsonapi: { type: 'object', properties: { version: { type: 'string' }, meta: { type: 'object' } }, additionalProperties: false },
  },
} as const;

const validate = new Ajv.default({ allErrors: true, strict: true, strictRequired: false }).compile(JSONAPI_DOCUMENT_SCHEMA as object);

/** Problems with a document: schema violations, duplicate resources, included resources nothing links to. */
export function jsonApiProblems(doc: any): string[] {
  if (!validate(doc as unknown)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const primary = Array.isArray(doc.data) ? doc.data : doc.data ? [doc.data] : [];
  const all = [...primary, ...(doc.included ?? [])];
  const key = (r: { type: string; id: string }) => `${r.type}:${r.id}`;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of all) {
    if (seen.has(key(r))) problems.push(`resource ${key(r)} appears twice`);
    seen.add(key(r));
  }
  // Full linkage: every included resource is reachable from the primary data through relationships.
  const byKey = new Map(all.map((r) => [key(r), r]));
  const reached = new Set(primary.map(key));
  const queue = [...primary];
  while (queue.length > 0) {
    const r = queue.shift();
    for (const rel of Object.values(r.relationships ?? {}) as { data?: unknown }[]) {
      const targets = Array.isArray(rel.data) ? rel.data : rel.data ? [rel.data] : [];
      for (const t of targets as { type: string; id: string }[]) {
        if (reached.has(key(t)) || !byKey.has(key(t))) continue;
        reached.add(key(t));
        queue.push(byKey.get(key(t)));
      }
    }
  }
  for (const r of doc.included ?? []) if (!reached.has(key(r))) problems.push(`included ${key(r)} is not linked from the primary data`);
  return problems;
}

/** The amount a Commerce Layer endpoint would process for this request. */
export function requestedAmount(req: MerchantRequest): number {
  const a = req.json?.data?.attributes ?? {};
  if (req.path.endsWith('/capture')) return a.capture_amount_cents;
  if (req.path.endsWith('/void')) return a.void_balance_cents;
  if (req.path.endsWith('/refund')) return a.refund_amount_cents;
  const order = (req.json?.included ?? []).find((r: { type: string }) => r.type === 'orders');
  return order?.attributes?.total_amount_with_taxes_cents;
}

export function success(req: MerchantRequest, extra: Record<string, unknown> = {}): Reply {
  if (req.path.endsWith('/token')) {
    return { body: { success: true, data: { payment_source_token: `pst_${req.json.data.attributes.payment_source_token}`, ...extra } } };
  }
  return { body: { success: true, data: { transaction_token: `mt_${req.path.slice(1)}_${req.json.data.id}`, amount_cents: requestedAmount(req), ...extra } } };
}

export interface FakeMerchant {
  /** Base URL; the actions are at /authorize, /capture, /void, /refund and /token. */
  readonly url: string;
  readonly requests: MerchantRequest[];
  readonly problems: string[];
  readonly secret: { value: string };
  script(path: string, ...replies: Script[]): void;
  /** Answers requests nothing was queued for (the default `success` when null). */
  fallback: ((req: MerchantRequest) => Reply) | null;
  close(): Promise<void>;
}

export async function startFakeMerchant(secret = ''): Promise<FakeMerchant> {
  const requests: MerchantRequest[] = [];
  const problems: string[] = [];
  const scripts = new Map<string, Script[]>();
  const state = { value: secret };
  const merchant = { fallback: null as ((req: MerchantRequest) => Reply) | null };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: any = null;
      try { json = JSON.parse(body); } catch { problems.push(`${req.url}: body is not JSON`); }
      const request: MerchantRequest = { path: req.url ?? '/', headers: req.headers, body, json };
      requests.push(request);
      const signature = checkSignature(body, req.headers as Record<string, string>, state.value);
      if (!signature.ok) problems.push(`${request.path}: ${signature.message}`);
      if (req.headers['content-type'] !== 'application/json') problems.push(`${request.path}: content-type ${req.headers['content-type']}`);
      if (json) for (const p of jsonApiProblems(json)) problems.push(`${request.path}: ${p}`);
      const queued = scripts.get(request.path)?.shift();
      const reply = typeof queued === 'function' ? queued(request) : queued ?? merchant.fallback?.(request) ?? success(request);
      const send = () => {
        if (res.destroyed) return;
        if (reply.reset) { res.socket?.destroy(); return; }
        res.statusCode = reply.status ?? 200;
        res.setHeader('content-type', 'application/json');
        const text = reply.raw ?? JSON.stringify(reply.body ?? {});
        if (!reply.dripMs) { res.end(text); return; }
        res.write(text.slice(0, text.length >> 1));
        setTimeout(() => { if (!res.destroyed) res.end(text.slice(text.length >> 1)); }, reply.dripMs);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs); else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests, problems, secret: state,
    script(path, ...replies) { scripts.set(path, [...(scripts.get(path) ?? []), ...replies]); },
    get fallback() { return merchant.fallback; },
    set fallback(f) { merchant.fallback = f; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
