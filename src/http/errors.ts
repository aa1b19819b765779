/** The one place where errors become HTTP responses and log lines: one table from error code to status. Secrets never reach either. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorCode } from "../errors.js";
import type { Logger } from "./deps.js";

export interface HttpMapping {
  status: ContentfulStatusCode;
  /** Whether the caller gets the code and message; otherwise they are for the operator's log only. */
  expose: boolean;
}

const caller = (status: ContentfulStatusCode): HttpMapping => ({ status, expose: true });
const operator = (status: ContentfulStatusCode): HttpMapping => ({ status, expose: false });

/** Every code, so a new one does not compile until it is given a status here. */
export const HTTP_ERRORS: Readonly<Record<ErrorCode, HttpMapping>> = {
  ERR_SIGNATURE_MISSING: caller(401),
  ERR_SIGNATURE_INVALID: caller(401),
  ERR_SIGNATURE_STALE: caller(401),
  ERR_PAYLOAD_HASH: caller(401),
  ERR_BODY_TOO_LARGE: caller(413),
  ERR_BODY_MALFORMED: caller(400),
  ERR_UNAUTHORIZED: caller(401),
  ERR_NOT_FOUND: caller(404),
  ERR_MENU_INVALID: caller(422),
  ERR_MENU_NOT_FOUND: caller(404),
  ERR_MENU_IN_USE: caller(409),
  ERR_OPTED_OUT: caller(409),
  ERR_NOT_HANDED_OVER: caller(409),
  ERR_HANDED_OVER: caller(409),
  ERR_START_INVALID: caller(422),
  ERR_OUTSIDE_WINDOW: caller(409),
  // Passing conditions, told to the caller: Vonage redelivers a 5xx, and a business may simply try again.
  ERR_MENU_NOT_READABLE_YET: caller(503),
  ERR_SESSION_BEHIND: caller(503),
  // The webhook that triggered a send is answered 5xx for retryable failures so Vonage redelivers it;
  // a final refusal is a 502 whose message (Vonage's reason) helps the business fix it.
  ERR_VONAGE_UNAVAILABLE: caller(503),
  ERR_VONAGE_REJECTED: caller(502),
  // The operator's business: the message may name settings or keys, so the caller gets a generic answer.
  ERR_CONFIG: operator(500),
  ERR_PRIVATE_KEY: operator(500),
  ERR_STORE_VALUE_TOO_LARGE: operator(500),
  ERR_STORE_CORRUPT: operator(500),
  ERR_MENU_STORED_INVALID: operator(500),
  ERR_STORE_UNAVAILABLE: operator(503),
  ERR_SESSION_CONTENDED: operator(503),
};

export function toResponse(err: unknown, c: Context, log: Logger): Response {
  if (err instanceof AppError) {
    const { status, expose } = HTTP_ERRORS[err.code];
    log({ level: status >= 500 ? "error" : "warn", msg: "request failed", route: c.req.path, code: err.code, status, error: err.message });
    if (!expose) return c.json({ error: "internal", message: "the server is misconfigured or failed; see its logs" }, status);
    const body: Record<string, unknown> = { error: err.code, message: err.message };
    if (err.details !== undefined) Object.assign(body, err.details);
    return c.json(body, status);
  }
  log({ level: "error", msg: "unexpected error", route: c.req.path, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  return c.json({ error: "internal", message: "unexpected error; see the server's logs" }, 500);
}
