/** KvStore in memory, with versions: for unit tests and as the base of fault-injecting stores. */
import type { KvEntry, KvPutOptions, KvStore } from "./kv.js";

export function memoryKv(now: () => number = Date.now): KvStore & { dump(): Map<string, unknown> } {
  const data = new Map<string, { text: string; version: number; expires: number | null }>();
  let counter = 0;
  const live = (key: string) => {
    const e = data.get(key);
    if (e && e.expires !== null && e.expires <= now()) {
      data.delete(key);
      return undefined;
    }
    return e;
  };
  const entry = <T>(key: string): KvEntry<T> | null => {
    const e = live(key);
    return e ? { value: JSON.parse(e.text) as T, version: String(e.version) } : null;
  };
  return {
    atomic: true,
    async get<T>(key: string): Promise<KvEntry<T> | null> {
      return entry<T>(key);
    },
    async getMany<T>(keys: readonly string[]): Promise<Array<KvEntry<T> | null>> {
      return keys.map((key) => entry<T>(key));
    },
    async put(key: string, value: unknown, opts?: KvPutOptions): Promise<boolean> {
      const cur = live(key);
      if (opts?.ifVersion !== undefined && (cur ? String(cur.version) : null) !== opts.ifVersion) return false;
      data.set(key, { text: JSON.stringify(value), version: ++counter, expires: opts?.ttlSeconds === undefined ? null : now() + opts.ttlSeconds * 1000 });
      return true;
    },
    async delete(key: string): Promise<void> {
      data.delete(key);
    },
    async list(prefix: string, limit = 1000): Promise<string[]> {
      return [...data.keys()]
        .filter((k) => k.startsWith(prefix) && live(k))
        .sort()
        .slice(0, limit);
    },
    dump() {
      return new Map([...data].map(([k, v]) => [k, JSON.parse(v.text) as unknown]));
    },
  };
}
