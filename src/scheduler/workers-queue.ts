/**
 * Timers on Cloudflare: a Queue whose messages are delivered after `delaySeconds`. A longer wait is sent as the
 * longest delay the queue takes; the timer handler finds it early and sends the rest (`flow/timers.ts`).
 */
import type { Scheduler } from "../system.js";

/** The part of a Queue binding this uses, so `src/` needs no Workers types. */
export interface QueueLike {
  send(body: unknown, options?: { delaySeconds?: number }): Promise<unknown>;
}

/** The longest `delaySeconds` Cloudflare Queues take: 12 hours. */
export const QUEUE_MAX_DELAY_SECONDS = 43_200;

export function queueScheduler(queue: QueueLike): Scheduler {
  return {
    async schedule(body, delayMs) {
      // Rounded up: a timer that arrives a moment early would only be set again for the last second.
      const delaySeconds = Math.min(QUEUE_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
      await queue.send(body, { delaySeconds });
    },
  };
}

export const isQueue = (binding: unknown): binding is QueueLike => typeof binding === "object" && binding !== null && typeof (binding as { send?: unknown }).send === "function";
