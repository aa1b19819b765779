/**
 * Typed errors with a stable `code`, a message and a `cause`. The code is the contract: what it means over HTTP
 * (status, whether the caller sees the message) is decided in one table, `src/http/errors.ts`.
 */
import { defined } from "./defined.js";

export type ErrorCode =
  | "ERR_SIGNATURE_MISSING"
  | "ERR_SIGNATURE_INVALID"
  | "ERR_SIGNATURE_STALE"
  | "ERR_PAYLOAD_HASH"
  | "ERR_BODY_TOO_LARGE"
  | "ERR_BODY_MALFORMED"
  | "ERR_UNAUTHORIZED"
  | "ERR_NOT_FOUND"
  | "ERR_MENU_INVALID"
  /** The menu does not exist (a business started an unknown menu). */
  | "ERR_MENU_NOT_FOUND"
  /** A binding still starts the menu: it cannot be deleted. */
  | "ERR_MENU_IN_USE"
  /** The menu's pointer is visible but the version it names is not yet (eventual consistency): passes by itself. */
  | "ERR_MENU_NOT_READABLE_YET"
  | "ERR_OPTED_OUT"
  /** An agent route for a customer whose conversation is not handed over. */
  | "ERR_NOT_HANDED_OVER"
  /**
   * A menu version stored by an older release that this release's checks refuse: the operator republishes it. A
   * conversation on it goes on as one whose version is gone; a new one on it fails (5xx, so Vonage redelivers).
   */
  | "ERR_MENU_STORED_INVALID"
  /** A business start while the customer talks to a person, without `endHandover`. */
  | "ERR_HANDED_OVER"
  /** A start's variables do not fit the menu (undeclared, missing a required one, too large). */
  | "ERR_START_INVALID"
  /** The customer has not written in the last 24 hours (or ever) and the menu has no template to reach them with. */
  | "ERR_OUTSIDE_WINDOW"
  | "ERR_SESSION_BEHIND"
  /** Compare-and-set writes of a session kept losing to concurrent ones: passes by itself. */
  | "ERR_SESSION_CONTENDED"
  | "ERR_CONFIG"
  | "ERR_PRIVATE_KEY"
  /** The Messages API refused the send for good (4xx, or an answer without `message_uuid`). */
  | "ERR_VONAGE_REJECTED"
  /** The Messages API was unreachable or answered 429/5xx after every retry: may pass. */
  | "ERR_VONAGE_UNAVAILABLE"
  /** A value over what the store accepts. */
  | "ERR_STORE_VALUE_TOO_LARGE"
  /** A stored value that cannot be read back (not JSON). */
  | "ERR_STORE_CORRUPT"
  /** The store refused a write after every retry (rate limit, locked file): may pass. */
  | "ERR_STORE_UNAVAILABLE";

/** What a caught value says, for a log line: an Error's message, or the value as text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra, non-secret details for the caller, shown with the message when the code's message is shown. */
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, defined({ cause: options?.cause }));
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
  }
}

export class ConfigError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_CONFIG", message, options);
    this.name = "ConfigError";
  }
}

export interface MenuProblem {
  /** JSON path of the offending value, e.g. `$.nodes.ask.interactive.action.buttons[1].reply.title`. */
  path: string;
  message: string;
}

export class MenuInvalidError extends AppError {
  readonly problems: MenuProblem[];
  constructor(problems: MenuProblem[], source = "menu") {
    super("ERR_MENU_INVALID", `${source} is invalid: ${problems.length} problem(s)`, { details: { problems } });
    this.name = "MenuInvalidError";
    this.problems = problems;
  }
}

/** An error answered by the Vonage Messages API (RFC 7807 problem+json), or a failure to reach it. */
export class VonageApiError extends AppError {
  /** Vonage's HTTP status; 0 when it could not be reached. */
  readonly httpStatus: number;
  readonly problem: VonageProblem;
  /** True when the same request may succeed later (429, 5xx, network). */
  readonly retryable: boolean;
  /** When Vonage said to come back (`Retry-After`), in ms; null when it did not say. */
  readonly retryAfterMs: number | null;
  constructor(httpStatus: number, problem: VonageProblem, retryable: boolean, options?: { cause?: unknown; retryAfterMs?: number | null }) {
    super(
      retryable ? "ERR_VONAGE_UNAVAILABLE" : "ERR_VONAGE_REJECTED",
      `Vonage Messages API ${httpStatus === 0 ? "unreachable" : `answered ${httpStatus}`}: ${problem.title}${problem.detail ? ` (${problem.detail})` : ""}`,
      defined({ cause: options?.cause }),
    );
    this.name = "VonageApiError";
    this.retryAfterMs = options?.retryAfterMs ?? null;
    this.httpStatus = httpStatus;
    this.problem = problem;
    this.retryable = retryable;
  }
}

export interface VonageProblem {
  type?: string;
  title: string;
  detail?: string;
  instance?: string;
  invalid_parameters?: Array<{ name?: string; reason?: string }>;
}
