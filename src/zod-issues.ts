/**
 * Problems as the worker reports them, written once: JSON paths (`$.nodes.ask.title`), as a list or as one line of
 * text. Zod's issues, or the zod-free checks' of `plain-checks.ts`, which have the same shape.
 */
import type { core } from "zod/mini";
import type { MenuProblem } from "./errors.js";

export interface Issue {
  path: PropertyKey[];
  message: string;
}

/** What a failed check reports: a zod error, or `Checks`. */
export interface Issues<I extends Issue = Issue> {
  readonly issues: readonly I[];
}

/** `$.nodes.ask.action.buttons[1]`, or `$.nodes["odd-key"]` for keys that are not identifiers. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "$";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Every issue with its JSON path, for a response's `problems`. */
export function issueList(error: Issues): MenuProblem[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
}

export interface IssueFormat<I extends Issue = core.$ZodIssue> {
  /** How a path is written; a JSON path by default. */
  path?: (path: PropertyKey[]) => string;
  /** Between the path and the message; `": "` by default. */
  separator?: string;
  /** What is said of the issue; its own message by default. */
  message?: (issue: I) => string;
  /** The most issues named; every one by default. */
  limit?: number;
}

/** The issues on one line, `$.a: message; $.b: message`, for an error message. */
export function describeIssues<I extends Issue>(error: Issues<I>, format: IssueFormat<I> = {}): string {
  const { path = jsonPath, separator = ": ", message = (issue) => issue.message, limit } = format;
  return error.issues
    .slice(0, limit)
    .map((issue) => `${path(issue.path)}${separator}${message(issue)}`)
    .join("; ");
}
