/**
 * Typed client for the Connector Service REST API.
 *
 * The request and response types are generated from the service's OpenAPI document
 * (src/generated/schema.ts, `npm run generate`) and the HTTP calls are made by
 * openapi-fetch against those types. This file is the small hand-written layer on top:
 * the API key, an Idempotency-Key on every POST (yours, or one made per call and kept for
 * its retries), retries only where repeating cannot charge twice, per-attempt timeouts,
 * typed errors, and Standard Webhooks signature verification.
 */
import createFetchClient from "openapi-fetch";
import { Webhook } from "standardwebhooks";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
export type Payment = Schemas["Payment"];
export type PaymentCreate = Schemas["PaymentCreate"];
export type PaymentStatus = Schemas["PaymentStatus"];
export type CaptureCreate = Schemas["CaptureCreate"];
export type IncrementCreate = Schemas["IncrementCreate"];
export type VoidCreate = Schemas["VoidCreate"];
export type CompleteCreate = Schemas["CompleteCreate"];
export type Refund = Schemas["Refund"];
export type RefundCreate = Schemas["RefundCreate"];
export type Mandate = Schemas["Mandate"];
export type MandateCreate = Schemas["MandateCreate"];
export type MandateList = Schemas["MandateList"];
export type ConnectorInfo = Schemas["ConnectorInfo"];
export type Dispute = Schemas["Dispute"];
export type DisputeList = Schemas["DisputeList"];
export type DisputeEvidenceCreate = Schemas["DisputeEvidenceCreate"];
export type EvidenceItem = Schemas["EvidenceItem"];
export type RoutingDetails = Schemas["RoutingDetails"];
export type ErrorBody = Schemas["ErrorBody"];
export type Failure = Schemas["Failure"];
export type { components, paths };

/** Error `type`s of the API, plus `connection`/`timeout` when no answer came back. */
export type ErrorType =
  | "invalid_request"
  | "authentication"
  | "permission"
  | "not_found"
  | "conflict"
  | "connector_error"
  | "network_error"
  | "not_supported"
  | "rate_limited"
  | "internal_error"
  | "connection"
  | "timeout"
  | "unknown";

/**
 * An error answer of the service: switch on `type` (the kind) or `code` (the stable
 * machine code, e.g. "invalid_card_number"). A decline is not an error: it is a Payment
 * with status "failed".
 */
export class ConnectorServiceError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly field?: string;
  readonly gateway?: Schemas["GatewayDetail"];
  readonly decline?: Failure;

  constructor(
    message: string,
    init: {
      type: ErrorType;
      code: string;
      httpStatus?: number;
      requestId?: string;
      field?: string;
      gateway?: Schemas["GatewayDetail"];
      decline?: Failure;
    },
  ) {
    super(message);
    this.name = "ConnectorServiceError";
    this.type = init.type;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.requestId = init.requestId;
    this.field = init.field;
    this.gateway = init.gateway;
    this.decline = init.decline;
  }
}

export interface ClientOptions {
  /** e.g. "http://127.0.0.1:8080" */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Per attempt, in milliseconds (gateways can take tens of seconds). Default 60 000. */
  timeoutMs?: number;
  /** Repeats after the first attempt, where repeating is safe. Default 2. */
  maxRetries?: number;
  /** First retry delay in milliseconds, doubled each time, with jitter. Default 250. */
  retryBackoffMs?: number;
  /** Make an Idempotency-Key for every POST that has none. Default true. */
  autoIdempotencyKeys?: boolean;
  /** Extra headers, e.g. X-Connector-Credentials for platforms. */
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

export interface CallOptions {
  idempotencyKey?: string;
  /** Sent as X-Request-Id; the service echoes it in errors and logs. */
  requestId?: string;
}

const RETRY_STATUSES = new Set([429, 503]);
const MAX_DELAY_MS = 8_000;

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

type Send<T> = (init: {
  headers: Record<string, string>;
  signal: AbortSignal;
}) => Promise<Answer<T>>;

export class ConnectorServiceClient {
  private readonly http;
  private readonly options: Required<Omit<ClientOptions, "apiKey" | "headers" | "fetch">>;

  constructor(options: ClientOptions) {
    this.options = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 2,
      retryBackoffMs: options.retryBackoffMs ?? 250,
      autoIdempotencyKeys: options.autoIdempotencyKeys ?? true,
    };
    const headers: Record<string, string> = { ...options.headers };
    if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
    this.http = createFetchClient<paths>({
      baseUrl: this.options.baseUrl,
      headers,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  // ---------------------------------------------------------------- payments

  /** Authorize or purchase (or charge a mandate). A decline resolves with status "failed". */
  createPayment(body: PaymentCreate, opts: CallOptions = {}): Promise<Payment> {
    return this.post(opts, (init) => this.http.POST("/v1/payments", { body, ...init }));
  }

  /** Sync a payment from the gateway. */
  getPayment(id: string, opts: CallOptions = {}): Promise<Payment> {
    return this.get(opts, (init) =>
      this.http.GET("/v1/payments/{id}", { params: { path: { id } }, ...init }),
    );
  }

  capturePayment(id: string, body: CaptureCreate = {}, opts: CallOptions = {}): Promise<Payment> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/payments/{id}/capture", { params: { path: { id } }, body, ...init }),
    );
  }

  /**
   * Raise an authorization: `total_amount` is its NEW TOTAL, not the difference. A refused
   * increment is a Payment (still authorized for the old amount) with a `failure`.
   */
  incrementPayment(id: string, body: IncrementCreate, opts: CallOptions = {}): Promise<Payment> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/payments/{id}/increment", { params: { path: { id } }, body, ...init }),
    );
  }

  voidPayment(id: string, body: VoidCreate = {}, opts: CallOptions = {}): Promise<Payment> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/payments/{id}/void", { params: { path: { id } }, body, ...init }),
    );
  }

  /** Finish a payment after the customer's redirect (3-D Secure). */
  completePayment(
    id: string,
    body: CompleteCreate = {},
    opts: CallOptions = {},
  ): Promise<Payment> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/payments/{id}/complete", { params: { path: { id } }, body, ...init }),
    );
  }

  createRefund(paymentId: string, body: RefundCreate = {}, opts: CallOptions = {}): Promise<Refund> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/payments/{id}/refunds", {
        params: { path: { id: paymentId } },
        body,
        ...init,
      }),
    );
  }

  getRefund(id: string, opts: CallOptions = {}): Promise<Refund> {
    return this.get(opts, (init) =>
      this.http.GET("/v1/refunds/{id}", { params: { path: { id } }, ...init }),
    );
  }

  // ---------------------------------------------------------------- disputes

  /** A dispute (from the gateway where it has a read, else as its webhooks told). */
  getDispute(id: string, opts: CallOptions = {}): Promise<Dispute> {
    return this.get(opts, (init) =>
      this.http.GET("/v1/disputes/{id}", { params: { path: { id } }, ...init }),
    );
  }

  /** One page of an account's disputes, as the gateway lists them. */
  listDisputes(
    query: { account?: string; limit?: number; cursor?: string } = {},
    opts: CallOptions = {},
  ): Promise<DisputeList> {
    return this.get(opts, (init) => this.http.GET("/v1/disputes", { params: { query }, ...init }));
  }

  /** Accept (concede) a dispute. */
  acceptDispute(id: string, opts: CallOptions = {}): Promise<Dispute> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/disputes/{id}/accept", { params: { path: { id } }, ...init }),
    );
  }

  /** Answer a dispute: text items, or files as base64 `file` + `file_name` + `content_type`. */
  submitDisputeEvidence(
    id: string,
    body: DisputeEvidenceCreate,
    opts: CallOptions = {},
  ): Promise<Dispute> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/disputes/{id}/evidence", { params: { path: { id } }, body, ...init }),
    );
  }

  // ---------------------------------------------------------------- mandates, connectors

  createMandate(body: MandateCreate, opts: CallOptions = {}): Promise<Mandate> {
    return this.post(opts, (init) => this.http.POST("/v1/mandates", { body, ...init }));
  }

  /** A customer's payment methods stored at the gateway (card summaries only). */
  listMandates(account: string, customer: string, opts: CallOptions = {}): Promise<MandateList> {
    return this.get(opts, (init) =>
      this.http.GET("/v1/mandates", { params: { query: { account, customer } }, ...init }),
    );
  }

  revokeMandate(id: string, opts: CallOptions = {}): Promise<Mandate> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/mandates/{id}/revoke", { params: { path: { id } }, ...init }),
    );
  }

  /** Finish a mandate set-up after the customer's redirect (3-D Secure). */
  completeMandate(id: string, body: CompleteCreate = {}, opts: CallOptions = {}): Promise<Mandate> {
    return this.post(opts, (init) =>
      this.http.POST("/v1/mandates/{id}/complete", { params: { path: { id } }, body, ...init }),
    );
  }

  /** Connectors, their capabilities and the accounts this key may use. */
  async listConnectors(opts: CallOptions = {}): Promise<ConnectorInfo[]> {
    const page = await this.get(opts, (init) => this.http.GET("/v1/connectors", init));
    return page.data;
  }

  // ---------------------------------------------------------------- transport

  private post<T>(opts: CallOptions, send: Send<T>): Promise<T> {
    let key = opts.idempotencyKey;
    if (key === undefined && this.options.autoIdempotencyKeys) {
      key = `csk_${globalThis.crypto.randomUUID().replaceAll("-", "")}`; // kept for retries
    }
    const headers: Record<string, string> = {};
    if (key !== undefined) headers["Idempotency-Key"] = key;
    return this.send(send, headers, opts, key !== undefined);
  }

  private get<T>(opts: CallOptions, send: Send<T>): Promise<T> {
    return this.send(send, {}, opts, true);
  }

  /**
   * One call with its retries. Repeated: 429 and 503 (the service says nothing
   * happened), 409 idempotency_request_in_progress (the first try is still running), and
   * a failed or timed-out connection when the call is a GET or carries an
   * Idempotency-Key. Never repeated: 500, 502, 504 (the outcome may be unknown: sync the
   * payment instead) and any other error answer.
   */
  private async send<T>(
    send: Send<T>,
    headers: Record<string, string>,
    opts: CallOptions,
    repeatable: boolean,
  ): Promise<T> {
    if (opts.requestId !== undefined) headers["X-Request-Id"] = opts.requestId;
    for (let attempt = 0; ; attempt++) {
      let error: ConnectorServiceError;
      let retryAfterMs: number | undefined;
      try {
        const answer = await send({ headers, signal: AbortSignal.timeout(this.options.timeoutMs) });
        if (answer.response.ok) return answer.data as T;
        error = toError(answer.response, answer.error);
        const retryable =
          RETRY_STATUSES.has(answer.response.status) ||
          error.code === "idempotency_request_in_progress";
        if (!retryable) throw error;
        retryAfterMs = retryAfter(answer.response);
      } catch (thrown) {
        if (thrown instanceof ConnectorServiceError && thrown.httpStatus !== undefined) {
          throw thrown;
        }
        error = transportError(thrown, this.options.baseUrl);
        if (!repeatable) throw error;
      }
      if (attempt >= this.options.maxRetries) throw error;
      const backoff = this.options.retryBackoffMs * 2 ** attempt * (0.5 + Math.random());
      await sleep(Math.min(retryAfterMs ?? backoff, MAX_DELAY_MS));
    }
  }
}

function toError(response: Response, body: unknown): ConnectorServiceError {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const err = (body as { error?: Partial<ErrorBody> } | undefined)?.error;
  if (!err || typeof err.code !== "string") {
    return new ConnectorServiceError(`HTTP ${response.status} without an error document`, {
      type: "unknown",
      code: "http_error",
      httpStatus: response.status,
      requestId,
    });
  }
  return new ConnectorServiceError(err.message ?? err.code, {
    type: (err.type ?? "unknown") as ErrorType,
    code: err.code,
    httpStatus: response.status,
    requestId: err.request_id ?? requestId,
    field: err.field ?? undefined,
    gateway: err.gateway ?? undefined,
    decline: err.decline ?? undefined,
  });
}

function transportError(thrown: unknown, baseUrl: string): ConnectorServiceError {
  const name = thrown instanceof Error ? thrown.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new ConnectorServiceError(`no answer from ${baseUrl} in time`, {
      type: "timeout",
      code: "timeout",
    });
  }
  return new ConnectorServiceError(`cannot reach ${baseUrl}`, {
    type: "connection",
    code: "connection_failed",
  });
}

function retryAfter(response: Response): number | undefined {
  const value = Number(response.headers.get("retry-after"));
  return Number.isFinite(value) && value >= 0 && response.headers.has("retry-after")
    ? value * 1000
    : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Verify a webhook the service delivered (Standard Webhooks: `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` headers, HMAC-SHA256 with the endpoint's
 * `whsec_…` secret) and return its parsed JSON body. Throws when the signature does not
 * match or the timestamp is more than five minutes away. Pass the body exactly as
 * received (a string or the raw bytes), never a re-serialised object.
 */
export function verifyWebhook<T = unknown>(
  secret: string,
  body: string | Buffer,
  headers: Record<string, string | string[] | undefined>,
): T {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const payload = typeof body === "string" ? body : body.toString("utf8");
  return new Webhook(secret).verify(payload, flat) as T;
}
