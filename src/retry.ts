/** The one retry loop: bounded attempts, a backoff the caller chooses, and a deadline it will not wait past. Sleep is passed in. */
import type { Sleep } from "./system.js";

export interface RetryPolicy {
  /** Most attempts, the first one included. */
  attempts: number;
  /** The wait before attempt `n + 1`, after attempt `n` failed with `error`. */
  delayMs: (n: number, error: unknown) => number;
  /** Whether `error` may pass if tried again; any other error is thrown at once. Default: every error. */
  retryable?: (error: unknown) => boolean;
  sleep: Sleep;
  /**
   * Gives up, throwing the last error, rather than start an attempt after `at` (epoch ms): a whole step
   * (a webhook answered within Vonage's patience, `waitUntil`'s 30 s) shares one.
   */
  deadline?: { at: number; now: () => number };
}

/** `baseMs`, doubled for every attempt after the first: the usual exponential backoff. */
export const exponential = (n: number, baseMs: number) => baseMs * 2 ** (n - 1);

/** Runs `attempt(1)`, `attempt(2)`, ... until one resolves, the policy says stop, or the deadline would pass. */
export async function retry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || !(policy.retryable?.(error) ?? true)) throw error;
      const delay = policy.delayMs(n, error);
      if (policy.deadline && policy.deadline.now() + delay > policy.deadline.at) throw error;
      await policy.sleep(delay);
    }
  }
}
