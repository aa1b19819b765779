/** Timers on Deno: Deno KV's own queue (`enqueue` with `delay`, delivered to `listenQueue`), up to 30 days a leg. */
import type { Scheduler } from "../system.js";

/** The part of a Deno KV handle this uses. */
export interface DenoQueueLike {
  enqueue(value: unknown, options?: { delay?: number }): Promise<unknown>;
}

/** Deno KV's longest `delay`: 30 days; a longer wait arrives in legs (see `flow/timers.ts`). */
export const DENO_MAX_DELAY_MS = 30 * 86_400_000;

export function denoQueueScheduler(kv: DenoQueueLike): Scheduler {
  return {
    async schedule(body, delayMs) {
      await kv.enqueue(body, { delay: Math.min(DENO_MAX_DELAY_MS, Math.max(0, Math.round(delayMs))) });
    },
  };
}
