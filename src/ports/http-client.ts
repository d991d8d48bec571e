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
   * transport fault: refused connection, reset, timeout, a malformed response — and, unless private targets
   * are allowed, a host that is or resolves to a non-public address (checked on every new connection).
   * Never follows redirects.
   */
  post(request: HttpRequest): Promise<HttpResponse>;
}

/** Where outbound calls may go (DESIGN rule 15), checked when a URL is saved. */
export interface OutboundPolicy {
  /**
   * Why a call to `url` would be refused — it is not an http(s) URL, or its host is or now resolves to a
   * loopback, private, link-local or otherwise non-public address — or null when it may go out. A name
   * that does not resolve now is not refused: the connection is checked again when it is made.
   */
  refusal(url: string): Promise<string | null>;
}
