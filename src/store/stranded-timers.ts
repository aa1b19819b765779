/**
 * Timers the queue refused, in the SESSIONS store under `timer-stranded:` keys of their own, for the sweep
 * (`conversation/sweep.ts`) to hand back to the queue. The key is derived from the customer and the timer, so a
 * step that strands the same timer again writes the same key; the value is the queue message as it would have been
 * sent. A record expires a day after its timer was due: nothing accumulates, whatever the queue does.
 */
import type { TimerMessage } from "../flow/types.js";
import { sha256Hex } from "../webcrypto.js";
import type { KvStore } from "./kv.js";

export const STRANDED_PREFIX = "timer-stranded:";

/** How long a record outlives its timer's due time: a day of sweeps to find the queue accepting again. */
export const STRANDED_KEEP_SECONDS = 86_400;

/** One record as listed: its key, and its value as stored (checked by the caller: it may be of an older shape). */
export interface StrandedEntry {
  key: string;
  body: unknown;
}

export interface StrandedTimers {
  /** Records the timer the queue refused (the same key for the same customer and timer). */
  keep(message: TimerMessage): Promise<void>;
  /**
   * At most `limit` records, in key order, of every customer or of one; a key listed (eventually consistent) but
   * gone since is left out.
   */
  list(limit: number, of?: { business: string; customer: string }): Promise<StrandedEntry[]>;
  remove(key: string): Promise<void>;
}

/** `timer-stranded:{business}:{customer}:{hash of the timer's id}`: the timer's id holds dates and node ids, the hash keeps the key short. */
export async function strandedKey(message: Pick<TimerMessage, "business" | "customer" | "id">): Promise<string> {
  return `${STRANDED_PREFIX}${message.business}:${message.customer}:${(await sha256Hex(message.id)).slice(0, 32)}`;
}

export function strandedTimers(kv: KvStore, options: { now: () => number }): StrandedTimers {
  return {
    async keep(message) {
      const untilDue = Math.max(0, Math.ceil((Date.parse(message.due) - options.now()) / 1000));
      await kv.put(await strandedKey(message), message, { ttlSeconds: (Number.isFinite(untilDue) ? untilDue : 0) + STRANDED_KEEP_SECONDS });
    },
    async list(limit, of) {
      // Numbers are digits, so `{business}:{customer}:` names one customer's records and no other's.
      const keys = await kv.list(of === undefined ? STRANDED_PREFIX : `${STRANDED_PREFIX}${of.business}:${of.customer}:`, limit);
      if (keys.length === 0) return [];
      const values = await kv.getMany<unknown>(keys);
      return keys.flatMap((key, i) => {
        const entry = values[i];
        return entry === null || entry === undefined ? [] : [{ key, body: entry.value }];
      });
    },
    remove: (key) => kv.delete(key),
  };
}
