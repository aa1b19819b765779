/**
 * The Messages API client: RS256 application JWT (minted once and reused until shortly before its `exp`, or one per
 * request), `POST /v1/messages`, bounded retries on 429 and 5xx.
 */
import { SignJWT } from "jose";
import { VonageApiError, type VonageProblem } from "../errors.js";
import { maskedExcerpt, maskGroupedDigits } from "../log-mask.js";
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
  /**
   * The signal that ends one POST after `ms`: `AbortSignal.timeout` unless given. The start-up rehearsal gives one
   * that never fires, as a Workers global scope sets no timer.
   */
  timeoutSignal?: (ms: number) => AbortSignal | null;
  /**
   * The life of one application JWT (s, 30 to 86400): it is minted once and sent with every request until
   * `reuseMarginS(ttl)` before its `exp`. 0, the default, mints a fresh one per request, as Vonage's SDKs do.
   */
  tokenTtlSeconds?: number;
  /** Where the client says that it stopped reusing tokens (one line per client, at most). */
  log: (line: Record<string, unknown>) => void;
}

export interface MessagesClient {
  /** Sends one message; answers Vonage's `message_uuid`. Throws a VonageApiError. */
  send(body: MessageBody, options?: { deadlineAt?: number }): Promise<string>;
}

/** The life of a token minted for one request: the SDKs' default. */
const SINGLE_USE_LIFETIME_S = 900;

/**
 * How long before its `exp` a reused token is replaced: a minute, so that a clock a little ahead of ours or a
 * request in flight at the end of its life is not refused; half the life of a token shorter than two minutes.
 */
export const reuseMarginS = (ttlSeconds: number) => Math.min(60, Math.floor(ttlSeconds / 2));

interface Minted {
  jwt: Promise<string>;
  /** When a reused token is replaced (epoch ms). */
  refreshAt: number;
  /** Whether a request has carried it already: a 401 then may be Vonage refusing reuse, not the credentials. */
  used: boolean;
}

/** Vonage's rules: 401/402/422 and other 4xx are final; 429 and 5xx may succeed later. */
const isRetryable = (status: number) => status === 429 || status >= 500;

function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Vonage's problem, its texts masked as a route is: they may quote the number sent to, written in groups
 * (`+44 7700 900123`), and they go on into a 502's message, log lines and the admin views. Its `type` (a URL) and
 * `instance` (an id for Vonage's support) are kept.
 */
async function readProblem(res: Response): Promise<VonageProblem> {
  const text = await res.text().catch(() => "");
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const problem: VonageProblem = { title: typeof json["title"] === "string" ? maskGroupedDigits(json["title"]) : `HTTP ${res.status}` };
    if (typeof json["type"] === "string") problem.type = json["type"];
    if (typeof json["detail"] === "string") problem.detail = maskGroupedDigits(json["detail"]);
    if (typeof json["instance"] === "string") problem.instance = json["instance"];
    // An array in practice; a single object in one SDK's types.
    const invalid = json["invalid_parameters"];
    if (Array.isArray(invalid)) problem.invalid_parameters = invalid.map(invalidParameter);
    else if (invalid && typeof invalid === "object") problem.invalid_parameters = [invalidParameter(invalid)];
    return problem;
  } catch {
    return { title: `HTTP ${res.status}`, detail: maskedExcerpt(text, 200) || undefined } as VonageProblem;
  }
}

/** One of `invalid_parameters`, its texts masked. */
function invalidParameter(raw: unknown): { name?: string; reason?: string } {
  const p = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const out: { name?: string; reason?: string } = {};
  if (typeof p["name"] === "string") out.name = maskGroupedDigits(p["name"]);
  if (typeof p["reason"] === "string") out.reason = maskGroupedDigits(p["reason"]);
  return out;
}

export function createMessagesClient(options: MessagesClientOptions): MessagesClient {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/v1/messages`;
  const maxAttempts = options.maxAttempts ?? 4;
  const budgetMs = options.budgetMs ?? 8_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));

  const ttl = options.tokenTtlSeconds ?? 0;
  // Switched off for good (for this client, so for the isolate) by the first 401 on a reused token.
  let reuse = ttl > 0;
  let current: Minted | null = null;

  function mint(): Minted {
    const lifetime = ttl > 0 ? ttl : SINGLE_USE_LIFETIME_S;
    const iat = Math.floor(options.now() / 1000);
    const jwt = new SignJWT({ application_id: options.applicationId })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .setJti(options.random.uuid())
      .sign(options.privateKey);
    return { jwt, refreshAt: (iat + lifetime - reuseMarginS(lifetime)) * 1000, used: false };
  }

  /** The token for the next request: the shared one while reuse is on (concurrent sends share one signing too). */
  function token(): { jwt: Promise<string>; reused: boolean } {
    if (!reuse) return { jwt: mint().jwt, reused: false };
    if (current === null || options.now() >= current.refreshAt) {
      const minted = mint();
      current = minted;
      // A signing that failed is not kept: the next request tries again.
      minted.jwt.catch(() => {
        if (current === minted) current = null;
      });
    }
    const reused = current.used;
    current.used = true;
    return { jwt: current.jwt, reused };
  }

  function stopReuse(problem: VonageProblem): void {
    if (!reuse) return;
    reuse = false;
    current = null;
    options.log({
      level: "warn",
      msg: "the Messages API refused a reused application JWT (401); this isolate signs a fresh one per request from now on (VONAGE_JWT_TTL_SECONDS=0 does so from the start)",
      problem: problem.type ?? problem.title,
    });
  }

  /** How long the next POST may wait: never past the step's deadline, so the webhook is answered before Vonage gives up. */
  function timeLeft(deadlineAt: number): number {
    const wait = Math.ceil(Math.min(timeoutMs, deadlineAt - options.now()));
    if (wait <= 0) throw new VonageApiError(0, { title: "the step's deadline passed before this send" }, true);
    return wait;
  }

  /** One POST; throws a retryable VonageApiError when it gets no answer in time. */
  async function post(payload: string, wait: number, jwt: string): Promise<Response> {
    try {
      return await options.fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json", Accept: "application/json" },
        body: payload,
        signal: timeoutSignal(wait),
      });
    } catch (cause) {
      const reason = cause instanceof Error && cause.name === "TimeoutError" ? `no answer within ${wait} ms` : "network error";
      throw new VonageApiError(0, { title: reason }, true, { cause });
    }
  }

  /** One attempt; throws a VonageApiError that says whether trying again may help. */
  async function attempt(payload: string, deadlineAt: number): Promise<string> {
    const wait = timeLeft(deadlineAt);
    const { jwt, reused } = token();
    let res = await post(payload, wait, await jwt);
    // Refused on its first use: the credentials' fault, and no later request should carry it either.
    if (res.status === 401 && !reused && current?.jwt === jwt) current = null;
    if (res.status === 401 && reused) {
      // Vonage may not take a token twice (undocumented either way): once more with a fresh one, and no more reuse.
      // A 401 on that one is the credentials', final as always.
      stopReuse(await readProblem(res));
      const retryWait = timeLeft(deadlineAt);
      res = await post(payload, retryWait, await mint().jwt);
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
