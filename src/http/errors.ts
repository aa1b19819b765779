/** The one place where errors become HTTP responses and log lines. Secrets never reach either. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../errors.js";
import type { Logger } from "./deps.js";

/** Errors whose message is meant for the operator's log, not for whoever called. */
const OPERATOR_ONLY = new Set(["ERR_CONFIG", "ERR_PRIVATE_KEY", "ERR_STORE"]);
/** Passing conditions worth telling the caller about (Vonage retries them). */
const EXPLAINED_5XX = new Set(["ERR_MENU_NOT_FOUND", "ERR_SESSION_BEHIND"]);

export function toResponse(err: unknown, c: Context, log: Logger): Response {
  if (err instanceof AppError) {
    const internal = err.status >= 500;
    log({ level: internal ? "error" : "warn", msg: "request failed", route: c.req.path, code: err.code, status: err.status, error: err.message });
    if (OPERATOR_ONLY.has(err.code) || (internal && !EXPLAINED_5XX.has(err.code) && !err.code.startsWith("ERR_VONAGE"))) {
      return c.json({ error: "internal", message: "the server is misconfigured or failed; see its logs" }, err.status as ContentfulStatusCode);
    }
    const body: Record<string, unknown> = { error: err.code, message: err.message };
    if (err.details !== undefined && !internal) Object.assign(body, err.details);
    return c.json(body, err.status as ContentfulStatusCode);
  }
  log({ level: "error", msg: "unexpected error", route: c.req.path, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  return c.json({ error: "internal", message: "unexpected error; see the server's logs" }, 500);
}
