/** The I/O the core is given rather than reaching for globals, and the runtime's own waits and randomness that entries pass by default. */

export type Sleep = (ms: number) => Promise<void>;

/** Randomness the app uses, passed in like the clock, so a test can replay it. */
export interface Random {
  /** A v4 UUID (JWT ids, delivery ids). */
  uuid(): string;
  /** A float in [0, 1) (retry jitter). */
  float(): number;
}

/** What the app and its clients are handed, so that tests control the network, the clock, waits and chance. */
export interface Ports {
  fetch: typeof fetch;
  now: () => number;
  sleep: Sleep;
  random: Random;
}

export const systemSleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const systemRandom: Random = { uuid: () => crypto.randomUUID(), float: () => Math.random() };

/**
 * Sets a timer: `body` comes back to the app's timer handler after about `delayMs` (Cloudflare Queues with
 * `delaySeconds`, Deno KV `enqueue` with `delay`). At least once, and possibly early where the wait exceeds the
 * queue's longest delay: the handler checks, and sets the rest again.
 */
export interface Scheduler {
  schedule(body: unknown, delayMs: number): Promise<void>;
}
