/**
 * A KV namespace that misbehaves the way Workers KV does, at seeded random rates, around a real one:
 * puts refused with "KV PUT failed: 429 Too Many Requests" (thrown before anything is written, so the
 * product's retry path runs), and reads that return the key's previous value (eventual consistency).
 * Wrapped by the product's own `workersKv`, it tests the product's code, not a copy of it.
 */
import type { KvNamespaceLike } from "../../src/store/workers-kv.js";
import type { Random } from "../../sim/random.js";

export interface KvFaultRates {
  /** Chance that a put attempt is refused with 429. */
  put429: number;
  /** Chance that a read of a key written before returns the value before the last write. */
  staleRead: number;
}

export interface FaultyKv extends KvNamespaceLike {
  enabled: boolean;
  readonly counts: { put429: number; staleRead: number; puts: number; reads: number };
  /** Keys that were served a stale value at least once. */
  readonly staleKeys: Set<string>;
}

export function faultyKv(inner: KvNamespaceLike, rates: KvFaultRates, rng: Random): FaultyKv {
  // The value each key had before its latest write (null: it did not exist), as an edge cache may still serve it.
  const previous = new Map<string, string | null>();
  const counts = { put429: 0, staleRead: 0, puts: 0, reads: 0 };
  const staleKeys = new Set<string>();
  const readOne = async (key: string, options: { type: "text"; cacheTtl?: number }): Promise<string | null> => {
    counts.reads++;
    if (kv.enabled && previous.has(key) && rng.chance(rates.staleRead)) {
      counts.staleRead++;
      staleKeys.add(key);
      return previous.get(key)!;
    }
    return inner.get(key, options);
  };
  const kv: FaultyKv = {
    enabled: true,
    counts,
    staleKeys,
    // A bulk read is one operation whose keys each may come back stale, as from an edge cache.
    get: (async (key: string | string[], options: { type: "text"; cacheTtl?: number }) => {
      if (!Array.isArray(key)) return readOne(key, options);
      const values = await Promise.all(key.map((k) => readOne(k, options)));
      return new Map(key.map((k, i) => [k, values[i]!]));
    }) as KvNamespaceLike["get"],
    async put(key, value, options) {
      counts.puts++;
      if (kv.enabled && rng.chance(rates.put429)) {
        counts.put429++;
        throw new Error("KV PUT failed: 429 Too Many Requests");
      }
      const before = await inner.get(key, { type: "text" });
      await inner.put(key, value, options);
      previous.set(key, before);
    },
    delete: (key) => inner.delete(key),
    list: (options) => inner.list(options),
  };
  return kv;
}
