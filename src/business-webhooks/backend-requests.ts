/**
 * Backend requests: a menu's request node calling the business's own endpoint inside a conversation step.
 * Signed the Standard Webhooks way with the completion secret (the same signer as completions), sent only to
 * https URLs on public hosts, never following a redirect, within a timeout that leaves the step time to send,
 * and read up to a bounded size. Every failure is a result (the menu's failure exit), never an exception.
 */
import { readAtMost } from "../bounded-stream.js";
import type { FetchNeed, FetchResult } from "../flow/types.js";
import { destinationProblem } from "../public-url.js";
import { blankJsonText, decodeUtf8, NotUtf8Error } from "../utf8.js";
import { sha256Hex } from "../webcrypto.js";
import { signWebhook } from "./sign.js";

/** The largest response body read; a larger one is a failure (`too_large`). */
export const RESPONSE_MAX_BYTES = 32 * 1024;
/** Time the step keeps for storing its claim and sending its messages after a request. */
export const SEND_RESERVE_MS = 4_000;
/** Below this, a request is not even started (`no_time`). */
const MIN_TIMEOUT_MS = 100;

export interface BackendOptions {
  fetch: typeof fetch;
  now: () => number;
  /** The key of COMPLETION_WEBHOOK_SECRET; null when unset: every request fails (`refused`) with a log line. */
  signingKey: CryptoKey | null;
  /** ALLOW_LOCAL_WEBHOOKS: development only. */
  allowLocal?: boolean;
}

/** One request's result, with what a log line says about it. */
export type BackendResult = FetchResult & { ms: number; detail?: string };

export interface Backend {
  request(need: FetchNeed, options: { deadlineAt: number }): Promise<BackendResult>;
}

/** The `webhook-id` of a request: derived from its key, so a redelivered message decided again sends the same id. */
export async function requestId(key: string): Promise<string> {
  return `req_${(await sha256Hex(key)).slice(0, 32)}`;
}

/** Reads at most `max` bytes of a body, as UTF-8 (a `NotUtf8Error` otherwise); null when it is longer. */
async function boundedText(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get("Content-Length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return null;
  }
  if (res.body === null) return "";
  const bytes = await readAtMost(res.body, max);
  if (bytes === null) return null;
  return decodeUtf8(bytes);
}

/**
 * A `.` or `..` segment in a URL's path (`%2e` counts as a dot): a URL parser removes it and the segment before,
 * so a value filled into the path ("..", typed by a customer) would send the request to another path of the host.
 */
export function dotSegmentIn(url: string): boolean {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").split(/[?#]/, 1)[0] ?? "";
  return path.split(/[/\\]/).some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

const isTimeout = (e: unknown) => e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");

export function backendRequests(options: BackendOptions): Backend {
  return {
    async request(need, { deadlineAt }) {
      const started = options.now();
      const fail = (reason: Extract<FetchResult, { ok: false }>["reason"], detail: string, status?: number): BackendResult => ({
        ok: false,
        reason,
        ms: options.now() - started,
        detail,
        ...(status === undefined ? {} : { status }),
      });
      if (options.signingKey === null) return fail("refused", "COMPLETION_WEBHOOK_SECRET is not set, so the request cannot be signed");
      // Checked again at every send: the placeholders filled in, a setting turned off since the upload.
      const problem = destinationProblem(need.url, { allowLocal: options.allowLocal === true });
      if (problem !== null) return fail("refused", `the request URL ${problem}`);
      if (dotSegmentIn(need.url)) return fail("refused", "the request URL's path has a '.' or '..' segment (a value filled into it?), which would change the path it reaches; not sent");
      const timeoutMs = Math.min(need.timeoutMs, deadlineAt - started - SEND_RESERVE_MS);
      if (timeoutMs < MIN_TIMEOUT_MS) return fail("no_time", "no time left in this webhook's deadline for the request");
      const body = need.body ?? "";
      const headers = await signWebhook(options.signingKey, await requestId(need.key), Math.floor(started / 1000), body);
      let res: Response;
      try {
        res = await options.fetch(need.url, {
          method: need.method,
          headers: { ...headers, Accept: "application/json", "User-Agent": "wa-menu-worker", ...(need.method === "POST" ? { "Content-Type": "application/json" } : {}) },
          ...(need.method === "POST" ? { body } : {}),
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect could lead anywhere, this machine's network included: it is an answer, not a hop.
          redirect: "manual",
        });
      } catch (e) {
        return isTimeout(e) ? fail("timeout", `no answer within ${timeoutMs} ms`) : fail("network", e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => undefined);
        return fail("status", `backend answered ${res.status}${res.status >= 300 && res.status < 400 ? " (a redirect; redirects are not followed)" : ""}`, res.status);
      }
      let text: string | null;
      try {
        text = await boundedText(res, RESPONSE_MAX_BYTES);
      } catch (e) {
        // Not made U+FFFD: a backend that answers in Latin-1 would show the customer "Caf�" and never hear of it.
        if (e instanceof NotUtf8Error) return fail("bad_json", `the answer is not UTF-8 text (${e.reason}): send JSON in UTF-8`, res.status);
        return isTimeout(e) ? fail("timeout", `the answer did not finish within ${timeoutMs} ms`, res.status) : fail("network", "the answer broke off", res.status);
      }
      if (text === null) return fail("too_large", `the answer is over ${RESPONSE_MAX_BYTES} bytes`, res.status);
      if (blankJsonText(text)) return { ok: true, status: res.status, json: null, ms: options.now() - started };
      try {
        return { ok: true, status: res.status, json: JSON.parse(text) as unknown, ms: options.now() - started };
      } catch {
        return fail("bad_json", "the answer is not JSON", res.status);
      }
    },
  };
}
