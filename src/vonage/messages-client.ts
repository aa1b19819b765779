/** The Messages API client: RS256 application JWT, `POST /v1/messages`, bounded retries on 429 and 5xx. */
import { SignJWT } from "jose";
import { VonageApiError, type VonageProblem } from "../errors.js";
import { exponential, retry } from "../retry.js";
import type { Ports } from "../system.js";
import type { MessageBody } from "./outbound.js";

/** `random` makes the JWT ids and the backoff jitter. */
export interface MessagesClientOptions extends Ports {
  applicationId: string;
  /** The application's RS256 key (`importPrivateKey`), imported once with the configuration. */
  privateKey: CryptoKey;
  /** Base URL without `/v1/messages`, e.g. `https://api.nexmo.com`. */
  baseUrl: string;
  /** Most attempts for one message. */
  maxAttempts?: number;
  /** Retries stop when the next attempt would start later than this after the first (ms). */
  budgetMs?: number;
  /** Per-attempt timeout (ms). */
  timeoutMs?: number;
}

export interface MessagesClient {
  /** Sends one message; answers Vonage's `message_uuid`. Throws a VonageApiError. */
  send(body: MessageBody, options?: { deadlineAt?: number }): Promise<string>;
}

const TOKEN_LIFETIME_S = 900;

/** Vonage's rules: 401/402/422 and other 4xx are final; 429 and 5xx may succeed later. */
const isRetryable = (status: number) => status === 429 || status >= 500;

function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

async function readProblem(res: Response): Promise<VonageProblem> {
  const text = await res.text().catch(() => "");
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const problem: VonageProblem = { title: typeof json["title"] === "string" ? json["title"] : `HTTP ${res.status}` };
    if (typeof json["type"] === "string") problem.type = json["type"];
    if (typeof json["detail"] === "string") problem.detail = json["detail"];
    if (typeof json["instance"] === "string") problem.instance = json["instance"];
    // An array in practice; a single object in one SDK's types.
    const invalid = json["invalid_parameters"];
    if (Array.isArray(invalid)) problem.invalid_parameters = invalid as Array<{ name?: string; reason?: string }>;
    else if (invalid && typeof invalid === "object") problem.invalid_parameters = [invalid as { name?: string; reason?: string }];
    return problem;
  } catch {
    return { title: `HTTP ${res.status}`, detail: text.slice(0, 200) || undefined } as VonageProblem;
  }
}

export function createMessagesClient(options: MessagesClientOptions): MessagesClient {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/v1/messages`;
  const maxAttempts = options.maxAttempts ?? 4;
  const budgetMs = options.budgetMs ?? 8_000;
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function token(): Promise<string> {
    const iat = Math.floor(options.now() / 1000);
    return new SignJWT({ application_id: options.applicationId })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_LIFETIME_S)
      .setJti(options.random.uuid())
      .sign(options.privateKey);
  }

  /** One POST; throws a VonageApiError that says whether trying again may help. */
  async function attempt(payload: string, deadlineAt: number): Promise<string> {
    // No attempt outlives the step's deadline: the webhook must be answered before Vonage gives up on it.
    const wait = Math.ceil(Math.min(timeoutMs, deadlineAt - options.now()));
    if (wait <= 0) throw new VonageApiError(0, { title: "the step's deadline passed before this send" }, true);
    const authorization = `Bearer ${await token()}`;
    let res: Response;
    try {
      res = await options.fetch(url, {
        method: "POST",
        headers: { Authorization: authorization, "Content-Type": "application/json", Accept: "application/json" },
        body: payload,
        signal: AbortSignal.timeout(wait),
      });
    } catch (cause) {
      const reason = cause instanceof Error && cause.name === "TimeoutError" ? `no answer within ${wait} ms` : "network error";
      throw new VonageApiError(0, { title: reason }, true, { cause });
    }
    if (res.status >= 200 && res.status < 300) {
      const json = (await res.json().catch(() => null)) as { message_uuid?: unknown } | null;
      if (json && typeof json.message_uuid === "string") return json.message_uuid;
      throw new VonageApiError(res.status, { title: "answer without message_uuid" }, false);
    }
    const problem = await readProblem(res);
    throw new VonageApiError(res.status, problem, isRetryable(res.status), { retryAfterMs: retryAfterMs(res.headers.get("Retry-After"), options.now()) });
  }

  return {
    send(body, sendOptions) {
      const payload = JSON.stringify(body);
      const deadlineAt = Math.min(options.now() + budgetMs, sendOptions?.deadlineAt ?? Number.POSITIVE_INFINITY);
      return retry(() => attempt(payload, deadlineAt), {
        attempts: maxAttempts,
        retryable: (error) => error instanceof VonageApiError && error.retryable,
        // Exponential backoff with full jitter, unless Vonage said when to come back.
        delayMs: (n, error) => (error as VonageApiError).retryAfterMs ?? options.random.float() * exponential(n, 250),
        sleep: options.sleep,
        deadline: { at: deadlineAt, now: options.now },
      });
    },
  };
}
