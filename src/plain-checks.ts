/**
 * Checks of plain JSON values that collect every problem with its path, in the form zod reports them (`Issues`), for
 * the inputs every webhook and every cold isolate parse: the webhook bodies and the configuration. They run without
 * zod, whose schemas cost a cold isolate more to build and to run the first time than this whole step (the
 * benchmark's cold-start rows); zod checks what the business sends (menus, the admin API), loaded on first use.
 */
import type { Issue, Issues } from "./zod-issues.js";

export type Path = readonly PropertyKey[];

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Collects the problems of one value; `issues` is what `describeIssues` and `issueList` format. */
export class Checks implements Issues {
  readonly issues: Issue[] = [];

  fail(path: Path, message: string): undefined {
    this.issues.push({ path: [...path], message });
    return undefined;
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  /**
   * An object at `path`, or undefined (a problem unless `optional` and absent). An optional field sent as `null` is
   * absent: a 400 would lose the message, as Vonage does not redeliver one.
   */
  record(value: unknown, path: Path, optional = false): Record<string, unknown> | undefined {
    if ((value === undefined || value === null) && optional) return undefined;
    return isRecord(value) ? value : this.fail(path, value === undefined ? "is required" : "must be an object");
  }

  /** A string at `path`, within `min` and `max` characters (UTF-16 units, as zod counts) and matching `pattern`. */
  text(value: unknown, path: Path, rule: { min?: number; max?: number; pattern?: RegExp; message?: string; optional?: boolean } = {}): string | undefined {
    if ((value === undefined || value === null) && rule.optional) return undefined;
    if (typeof value !== "string") return this.fail(path, rule.message ?? (value === undefined ? "is required" : "must be a string"));
    if (rule.min !== undefined && value.length < rule.min) return this.fail(path, rule.message ?? (rule.min === 1 ? "must not be empty" : `must be at least ${rule.min} characters`));
    if (rule.max !== undefined && value.length > rule.max) return this.fail(path, rule.message ?? `must be at most ${rule.max} characters`);
    if (rule.pattern !== undefined && !rule.pattern.test(value)) return this.fail(path, rule.message ?? `must match ${rule.pattern}`);
    return value;
  }
}
