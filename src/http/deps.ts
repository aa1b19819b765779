/** What the HTTP app needs from its runtime: configuration, stores, clock, fetch, logger. */
import type { Config } from "../config.js";
import type { KvStore } from "../store/kv.js";

export type Logger = (line: Record<string, unknown>) => void;

export interface AppDeps {
  /** The configuration, loaded once per app; rejects with a ConfigError when the environment is incomplete. */
  config: () => Promise<Config>;
  stores: { menus: KvStore; sessions: KvStore };
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  /**
   * Runs work after the response. Default: the request's execution context (`waitUntil` on Workers);
   * runtimes without one pass their own.
   */
  defer?: (work: Promise<unknown>) => void;
}

/** One JSON object per line: what log collectors expect from Workers and Deno alike. */
export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line));

/** `447700900123` -> `*******0123`: enough to tell customers apart in logs, not enough to call them. */
export function maskNumber(number: string): string {
  return number.length <= 4 ? "****" : "*".repeat(number.length - 4) + number.slice(-4);
}
