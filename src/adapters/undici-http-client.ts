import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { HttpClient, HttpRequest, HttpResponse } from '../ports/http-client.js';
import { isPublicAddress, publicLookup, type Resolve } from './public-addresses.js';

const DEFAULT_MAX_BODY = 64 * 1024;

interface OutboundOptions {
  /** Allow loopback and private targets (PAYBRIDGE_ALLOW_PRIVATE_URLS=1: development and tests). */
  readonly allowPrivate: boolean;
  /** How names are resolved (tests); the system resolver by default. */
  readonly resolve?: Resolve | undefined;
}

/**
 * The one outbound HTTP client: undici with a keep-alive pool; redirects are never followed; the body is read
 * up to a limit; unless private targets are allowed, every new connection goes to a public address only.
 */
export class UndiciHttpClient implements HttpClient {
  private readonly agent: Agent;

  constructor(private readonly options: OutboundOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 10_000, connections: 64,
      ...(options.allowPrivate ? {} : { connect: { lookup: publicLookup(options.resolve) } }),
    });
  }

  async post(req: HttpRequest): Promise<HttpResponse> {
    if (!this.options.allowPrivate) {
      // A literal address is never looked up, so it is checked here.
      const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && !isPublicAddress(host)) throw new Error(`refused to connect: ${host} is not a public address`);
    }
    const signal = AbortSignal.timeout(req.timeoutMs);
    const res = await request(req.url, {
      method: 'POST', headers: req.headers, body: req.body, signal, dispatcher: this.agent,
      headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs,
    });
    const limit = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (size < limit) chunks.push(buf.subarray(0, limit - size));
      size += buf.length;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
