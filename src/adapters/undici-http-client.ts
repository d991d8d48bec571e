import { Agent, request } from 'undici';
import type { HttpClient, HttpRequest, HttpResponse } from '../ports/http-client.js';

const DEFAULT_MAX_BODY = 64 * 1024;

/** undici with a keep-alive pool; redirects are never followed; the body is read up to a limit. */
export class UndiciHttpClient implements HttpClient {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

  async post(req: HttpRequest): Promise<HttpResponse> {
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
