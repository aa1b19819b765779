/**
 * A stand-in for Vonage's `POST /v1/messages`, used by the tests and the chat simulator. It checks what the
 * real one checks: the RS256 application JWT against the public key, the body's shape and WhatsApp's limits,
 * and answers 202 with a `message_uuid`, or a problem+json error as Vonage words them. What WhatsApp refuses
 * after that (an unknown template, a customer outside the 24-hour window) is accepted too, and marked with the
 * `rejection` the status webhook must report.
 */
import { Hono } from "hono";
import { errors as joseErrors, jwtVerify } from "jose";
import type { TemplateRegistry } from "./templates.js";
import { checkMessageBody, whatsappVerdict, type InvalidParameter, type WhatsAppRejection } from "./whatsapp-rules.js";

export interface AcceptedMessage {
  messageUuid: string;
  body: Record<string, unknown>;
  /** The verified JWT claims the message was sent with. */
  claims: Record<string, unknown>;
  /** Set when WhatsApp refuses the message after Vonage accepted it: its status is then `rejected`. */
  rejection?: WhatsAppRejection;
}

/** A scripted answer for the next request, before any check: how tests inject Vonage's failures. */
/** `detail`: Vonage's text for the refusal (default "injected fault"), e.g. one that quotes a number. */
export type Fault = { status: number; retryAfter?: number; detail?: string } | { hang: true } | { pass: true };

const FAULT_TITLES: Record<number, [type: string, title: string]> = {
  401: ["unauthorized", "Invalid Token"],
  402: ["low-balance", "Low balance"],
  422: ["invalid-params", "Invalid params"],
  429: ["throttled", "Rate Limit Hit"],
};

export interface FakeMessagesApiOptions {
  applicationId: string;
  publicKey: CryptoKey;
  /** Called with every accepted message, e.g. to show it in the simulator and send status webhooks. */
  onAccepted?: (message: AcceptedMessage) => void | Promise<void>;
  uuid?: () => string;
  /**
   * Refuses a token whose `jti` it has seen before with a 401, as a Vonage that takes each token once would.
   * Off by default: whether Vonage accepts a token until its `exp` is undocumented either way.
   */
  refuseReusedJti?: boolean;
  /**
   * The business's approved templates: a template message must name one in its language and fill its parameters.
   * Without, any well-formed template is delivered (only its shape is checked).
   */
  templates?: TemplateRegistry;
  /**
   * When each customer last wrote (epoch ms; null: never): free-form messages to a customer outside the 24-hour
   * window are rejected with 1340. Without, the window is not modelled and every free-form message is delivered.
   */
  lastInbound?: (customer: string) => number | null;
  /** The clock the window is measured with; default `Date.now`. */
  now?: () => number;
}

export interface FakeMessagesApi {
  app: Hono;
  /** The fake as a `fetch`, to stand in for the network in tests. */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  accepted: AcceptedMessage[];
  rejected: Array<{ status: number; problem: Record<string, unknown> }>;
  /** Answers the next requests with these faults, in order (`{pass: true}` lets one through). */
  failNext(...faults: Fault[]): void;
  /** Requests made through `fetch`, faults included. */
  readonly requests: number;
  /** The distinct `jti`s of the verified tokens it was sent: how many times the client signed. */
  readonly jtis: ReadonlySet<string>;
}

function problem(status: number, type: string, title: string, detail: string, extra?: { invalid_parameters: InvalidParameter[] }) {
  return Response.json(
    { type: `https://developer.vonage.com/api-errors/messages#${type}`, title, detail, instance: crypto.randomUUID(), ...extra },
    { status, headers: { "Content-Type": "application/problem+json" } },
  );
}

export function createFakeMessagesApi(options: FakeMessagesApiOptions): FakeMessagesApi {
  const accepted: AcceptedMessage[] = [];
  const rejected: FakeMessagesApi["rejected"] = [];
  const faults: Fault[] = [];
  let requests = 0;
  const jtis = new Set<string>();
  const uuid = options.uuid ?? (() => crypto.randomUUID());

  const reject = async (res: Response) => {
    rejected.push({ status: res.status, problem: (await res.clone().json()) as Record<string, unknown> });
    return res;
  };

  const app = new Hono();
  app.post("/v1/messages", async (c) => {
    const auth = /^Bearer (\S+)$/.exec(c.req.header("Authorization") ?? "");
    if (!auth) return reject(problem(401, "unauthorized", "Invalid Token", "Authorization: Bearer <JWT> is required"));
    let claims: Record<string, unknown>;
    try {
      const verified = await jwtVerify(auth[1]!, options.publicKey, { algorithms: ["RS256"], typ: "JWT" });
      claims = verified.payload as Record<string, unknown>;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return reject(problem(401, "jwt-expired", "Invalid Token", "the JWT has expired"));
      return reject(problem(401, "unauthorized", "Invalid Token", "the JWT does not verify with the application's public key"));
    }
    const iat = claims["iat"];
    const exp = claims["exp"];
    if (claims["application_id"] !== options.applicationId) return reject(problem(401, "unauthorized", "Invalid Token", "application_id is not this application's"));
    if (typeof iat !== "number" || typeof claims["jti"] !== "string") return reject(problem(401, "unauthorized", "Invalid Token", "iat and jti are required"));
    if (exp !== undefined && (typeof exp !== "number" || exp - iat < 30 || exp - iat > 86_400)) {
      return reject(problem(401, "unauthorized", "Invalid Token", "exp must be 30 s to 24 h after iat"));
    }
    const jti = claims["jti"];
    if (jtis.has(jti) && options.refuseReusedJti) return reject(problem(401, "unauthorized", "Invalid Token", "this jti was used before"));
    jtis.add(jti);

    if (!(c.req.header("Content-Type") ?? "").startsWith("application/json")) {
      return reject(problem(415, "unsupported-media-type", "Unsupported Media Type", "Content-Type must be application/json"));
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return reject(problem(422, "invalid-json", "Invalid JSON", "the request body is not valid JSON"));
    }
    const invalid = checkMessageBody(body);
    if (invalid.length > 0) {
      return reject(problem(422, "invalid-params", "Invalid params", "The value of one or more parameters is invalid.", { invalid_parameters: invalid }));
    }
    const record = body as Record<string, unknown>;
    const rejection = whatsappVerdict(record, { templates: options.templates, lastInbound: options.lastInbound, now: (options.now ?? Date.now)() });
    const message: AcceptedMessage = { messageUuid: uuid(), body: record, claims, ...(rejection === null ? {} : { rejection }) };
    accepted.push(message);
    await options.onAccepted?.(message);
    return c.json({ message_uuid: message.messageUuid }, 202);
  });

  return {
    app,
    async fetch(input, init) {
      requests++;
      const request = new Request(input, init);
      const fault = faults.shift();
      if (fault === undefined || "pass" in fault) return app.fetch(request);
      if ("hang" in fault) {
        // Never answers; only the caller's abort signal (its timeout) ends the wait, as on a real network.
        return new Promise<Response>((_, fail) => {
          const signal = request.signal;
          if (signal.aborted) fail(signal.reason);
          signal.addEventListener("abort", () => fail(signal.reason));
        });
      }
      const [type, title] = FAULT_TITLES[fault.status] ?? ["internal-error", "Internal Error"];
      const res = problem(fault.status, type, title, fault.detail ?? "injected fault");
      if (fault.retryAfter !== undefined) res.headers.set("Retry-After", String(fault.retryAfter));
      return res;
    },
    accepted,
    rejected,
    failNext: (...f) => void faults.push(...f),
    get requests() {
      return requests;
    },
    jtis,
  };
}
