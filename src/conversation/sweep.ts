/**
 * The sweep for timers the queue refused when their step set them (`arm` in step.ts keeps those under
 * `timer-stranded:` keys): each is handed to the queue again, with what is left of its delay (none when due), and
 * its record removed only once the queue took it. Run by a Cron Trigger (Workers `scheduled`) or `Deno.cron`.
 *
 * At least once, not exactly once: a record listed twice (KV's list is eventually consistent), or one whose removal
 * failed, is queued again by the next sweep. That is safe because a timer does something only while the session
 * waits on that very timer (`flow/timers.ts`): a second delivery, or one for a conversation that moved on, sends
 * nothing.
 */
import { messageOf } from "../errors.js";
import type { TimerMessage } from "../flow/types.js";
import type { StrandedTimers } from "../store/stranded-timers.js";
import type { Scheduler } from "../system.js";
import { timerMessage } from "./timers.js";

/** When the Cron Trigger (wrangler.toml `[triggers] crons`) and `Deno.cron` run the sweep: every five minutes. */
export const SWEEP_SCHEDULE = "*/5 * * * *";

/**
 * Records one sweep handles at most; the rest wait for the next. A sweep costs a list, a bulk read, then one send and
 * one delete a record: 42 operations, under the Workers Free plan's 50 subrequests per invocation even if each counts.
 */
export const SWEEP_MAX = 20;

export interface SweepDeps {
  stranded: StrandedTimers;
  scheduler: Scheduler;
  now: () => number;
}

export interface SweepResult {
  /** Records listed. */
  found: number;
  /** Handed to the queue (and removed, unless `unremoved` says otherwise). */
  requeued: number;
  /** Left for the next sweep: the queue refused them. */
  kept: number;
  /** Of a shape no timer handler takes: removed without queueing. */
  dropped: number;
  /** Queued, but the record's removal failed: the next sweep queues it again, which is harmless. */
  unremoved: number;
  /** Why the queue refused, when it did. */
  error?: string;
}

/** What is left of a timer's wait at `now` (pure): none once due, and none for a due date that does not parse. */
export function remainingDelayMs(message: TimerMessage, now: number): number {
  const left = Date.parse(message.due) - now;
  return Number.isFinite(left) ? Math.max(0, left) : 0;
}

export async function sweepTimers(deps: SweepDeps): Promise<SweepResult> {
  const entries = await deps.stranded.list(SWEEP_MAX);
  const result: SweepResult = { found: entries.length, requeued: 0, kept: 0, dropped: 0, unremoved: 0 };
  for (const entry of entries) {
    const message = timerMessage(entry.body);
    if (message !== null) {
      try {
        await deps.scheduler.schedule(message, remainingDelayMs(message, deps.now()));
      } catch (error) {
        // Kept for the next sweep. The others are still tried: one the queue cannot take must not hold them up.
        result.kept++;
        result.error = messageOf(error);
        continue;
      }
    }
    try {
      await deps.stranded.remove(entry.key);
    } catch {
      result.unremoved++;
    }
    if (message === null) result.dropped++;
    else result.requeued++;
  }
  return result;
}
