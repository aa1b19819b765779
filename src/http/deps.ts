/** What the app needs from its runtime: the environment, the stores, and fetch, the clock, waits, randomness and a logger. */
import type { Stores } from "../store/kv.js";
import type { Ports, Scheduler } from "../system.js";

export type Logger = (line: Record<string, unknown>) => void;

export interface AppDeps extends Ports {
  /** The runtime's variables and secrets by name; loaded and validated once, on the first request that needs them. */
  env: Readonly<Record<string, unknown>>;
  /**
   * The stores, or a function that makes them when making them can fail with a ConfigError (a missing
   * binding): then it fails requests the way a bad setting does.
   */
  stores: Stores | (() => Stores);
  log: Logger;
  /**
   * Runs work after the response. Default: the request's execution context (`waitUntil` on Workers);
   * without one the work simply runs on.
   */
  defer?: (work: Promise<unknown>) => void;
  /** Sets reminder and hand-back timers (a Cloudflare Queue, Deno KV's queue); without one, no timer is set. */
  scheduler?: Scheduler;
}

/** One JSON object per line: what log collectors expect from Workers and Deno alike. */
export const jsonLogger: Logger = (line) => console.log(JSON.stringify(line));

/** `447700900123` -> `*******0123`: enough to tell customers apart in logs, not enough to call them. */
export function maskNumber(number: string): string {
  return number.length <= 4 ? "****" : "*".repeat(number.length - 4) + number.slice(-4);
}
