/** Outbound HTTP for webhooks, callbacks and external gateways. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The response body as text, cut at `maxBodyBytes`. */
  readonly body: string;
}

export interface HttpRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as is: signatures are computed over exactly these bytes. */
  readonly body: string;
  /** The whole exchange must finish within this many milliseconds. */
  readonly timeoutMs: number;
  readonly maxBodyBytes?: number;
}

export interface HttpClient {
  /**
   * POSTs `body` to `url`. Resolves with any HTTP status (a 500 is a response, not an error); rejects on a
   * transport fault: refused connection, reset, timeout, a malformed response. Never follows redirects.
   */
  post(request: HttpRequest): Promise<HttpResponse>;
}
