/** Typed errors with a stable `code`; `src/http/errors.ts` is the one place that turns them into HTTP. */

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
  | "ERR_MENU_NOT_FOUND"
  | "ERR_MENU_IN_USE"
  | "ERR_OPTED_OUT"
  | "ERR_SESSION_BEHIND"
  | "ERR_CONFIG"
  | "ERR_PRIVATE_KEY"
  | "ERR_VONAGE_API"
  | "ERR_VONAGE_UNREACHABLE"
  | "ERR_STORE";

export class AppError extends Error {
  readonly code: ErrorCode;
  /** HTTP status this error maps to. */
  readonly status: number;
  /** Extra, non-secret details that may be shown to the caller. */
  readonly details: unknown;

  constructor(code: ErrorCode, status: number, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = status;
    this.details = options?.details;
  }
}

export class ConfigError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_CONFIG", 500, message, options);
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
    super("ERR_MENU_INVALID", 422, `${source} is invalid: ${problems.length} problem(s)`, { details: { problems } });
    this.name = "MenuInvalidError";
    this.problems = problems;
  }
}

/** An error answered by the Vonage Messages API (RFC 7807 problem+json), or a failure to reach it. */
export class VonageApiError extends AppError {
  readonly httpStatus: number;
  readonly problem: VonageProblem;
  /** True when the same request may succeed later (429, 5xx, network). */
  readonly retryable: boolean;
  constructor(httpStatus: number, problem: VonageProblem, retryable: boolean, options?: { cause?: unknown }) {
    super(
      httpStatus === 0 ? "ERR_VONAGE_UNREACHABLE" : "ERR_VONAGE_API",
      // The webhook that triggered the send is answered 5xx for retryable failures so Vonage redelivers it.
      retryable ? 503 : 502,
      `Vonage Messages API ${httpStatus === 0 ? "unreachable" : `answered ${httpStatus}`}: ${problem.title}${problem.detail ? ` (${problem.detail})` : ""}`,
      options,
    );
    this.name = "VonageApiError";
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
