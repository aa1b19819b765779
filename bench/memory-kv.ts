/**
 * A `KvNamespaceLike` over a Map in the isolate's own memory: the closest model of Workers KV this machine has,
 * where a KV operation is not the Worker's CPU (a Map lookup costs next to nothing). Expiry is checked on read;
 * lists come in key order, as Workers KV lists them, with the last key returned as the cursor.
 */
import type { KvNamespaceLike } from "../src/store/workers-kv.js";

/** Workers KV refuses a shorter `expirationTtl`. */
const TTL_MIN_SECONDS = 60;

export function memoryKv(now: () => number = Date.now): KvNamespaceLike & { entries(): Array<[string, string]> } {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string): string | null => {
    const entry = entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt > now()) return entry.value;
    entries.delete(key);
    return null;
  };
  async function get(key: string | string[]): Promise<string | null | Map<string, string | null>> {
    return Array.isArray(key) ? new Map(key.map((k) => [k, live(k)])) : live(key);
  }
  return {
    /** The live entries as [key, value] pairs, for seeding another store with them. */
    entries: () =>
      [...entries.keys()].flatMap((key) => {
        const value = live(key);
        return value === null ? [] : [[key, value] as [string, string]];
      }),
    get: get as KvNamespaceLike["get"],
    async put(key, value, options) {
      const ttl = options?.expirationTtl;
      if (ttl !== undefined && ttl < TTL_MIN_SECONDS) throw new Error(`KV PUT failed: 400 expirationTtl must be at least ${TTL_MIN_SECONDS}`);
      entries.set(key, { value, expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : now() + ttl * 1000 });
    },
    async delete(key) {
      entries.delete(key);
    },
    async list({ prefix, limit = 1000, cursor }) {
      const names = [...entries.keys()].filter((k) => k.startsWith(prefix) && (cursor === undefined || k > cursor) && live(k) !== null).sort();
      const page = names.slice(0, limit);
      return names.length <= limit ? { keys: page.map((name) => ({ name })), list_complete: true } : { keys: page.map((name) => ({ name })), list_complete: false, cursor: page.at(-1)! };
    },
  };
}
