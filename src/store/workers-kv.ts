/** KvStore over Workers KV: eventually consistent, last write wins, one write per second per key. */
import { AppError } from "../errors.js";
import { exponential, retry } from "../retry.js";
import { systemRandom, type Random, type Sleep } from "../system.js";
import { chunksOf, type KvEntry, type KvGetOptions, type KvPutOptions, type KvStore } from "./kv.js";

/** The part of `KVNamespace` used here, so the core does not depend on Cloudflare's types. */
export interface KvNamespaceLike {
  get(key: string, options: { type: "text"; cacheTtl?: number }): Promise<string | null>;
  /** The bulk read: up to 100 keys, one operation; a key not found maps to null. */
  get(keys: string[], options: { type: "text"; cacheTtl?: number }): Promise<Map<string, string | null>>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; limit?: number; cursor?: string }): Promise<{ keys: Array<{ name: string }>; list_complete: boolean; cursor?: string }>;
}

export interface WorkersKvOptions {
  sleep: Sleep;
  /** Jitters the backoff; the runtime's own by default. */
  random?: Random;
  /** Attempts for a put that KV refuses with 429 (more than one write per second to the key). */
  putAttempts?: number;
}

/** Keys one bulk read of Workers KV takes at most. */
const BULK_MAX = 100;

const isRateLimited = (e: unknown) => e instanceof Error && /429|too many requests/i.test(e.message);

function parsed<T>(key: string, text: string | null | undefined): KvEntry<T> | null {
  if (text === null || text === undefined) return null;
  try {
    return { value: JSON.parse(text) as T, version: null };
  } catch (cause) {
    throw new AppError("ERR_STORE_CORRUPT", `KV value at "${key}" is not JSON`, { cause });
  }
}

const readOptions = (opts?: KvGetOptions) => (opts?.cacheTtl === undefined ? { type: "text" as const } : { type: "text" as const, cacheTtl: opts.cacheTtl });

export function workersKv(ns: KvNamespaceLike, options: WorkersKvOptions): KvStore {
  const putAttempts = options.putAttempts ?? 4;
  const random = options.random ?? systemRandom;
  return {
    atomic: false,
    async get<T>(key: string, opts?: KvGetOptions): Promise<KvEntry<T> | null> {
      return parsed<T>(key, await ns.get(key, readOptions(opts)));
    },
    async getMany<T>(keys: readonly string[], opts?: KvGetOptions): Promise<Array<KvEntry<T> | null>> {
      const maps = await Promise.all(chunksOf(keys, BULK_MAX).map((chunk) => ns.get(chunk, readOptions(opts))));
      return keys.map((key, i) => parsed<T>(key, maps[Math.floor(i / BULK_MAX)]!.get(key)));
    },
    async put(key: string, value: unknown, opts?: KvPutOptions): Promise<boolean> {
      const text = JSON.stringify(value);
      const kvOpts = opts?.ttlSeconds === undefined ? undefined : { expirationTtl: Math.max(60, Math.ceil(opts.ttlSeconds)) };
      try {
        await retry(() => ns.put(key, text, kvOpts), {
          attempts: putAttempts,
          retryable: isRateLimited,
          // KV allows one write per second per key: back off past that second, then double.
          delayMs: (n) => exponential(n, 1000) + random.float() * 100,
          sleep: options.sleep,
        });
        return true;
      } catch (cause) {
        throw new AppError("ERR_STORE_UNAVAILABLE", `KV write failed${isRateLimited(cause) ? " (429, one write per second per key)" : ""}`, { cause });
      }
    },
    async delete(key: string): Promise<void> {
      await ns.delete(key);
    },
    async list(prefix: string, limit = 1000): Promise<string[]> {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ns.list(cursor === undefined ? { prefix, limit: Math.min(1000, limit - names.length) } : { prefix, limit: Math.min(1000, limit - names.length), cursor });
        for (const k of page.keys) names.push(k.name);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor !== undefined && names.length < limit);
      return names;
    },
  };
}
