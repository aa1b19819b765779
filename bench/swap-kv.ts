/**
 * Gives a Worker other KV namespaces: its `MENUS` and `SESSIONS` bindings replaced, everything else as is. Shared by
 * the wrappers that put KV in the KV host process (`with-remote-kv.ts`) and in the isolate's memory (`with-memory-kv.ts`).
 */
import { env as startupEnv } from "cloudflare:workers";
import type { KvNamespaceLike } from "../src/store/workers-kv.js";

export const NAMESPACES = ["MENUS", "SESSIONS"] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

// One swapped env per env object: the product caches its app per env, and a new object on every request
// would defeat that cache and measure work the product never does.
const swapped = new WeakMap<object, Record<string, unknown>>();

export function swappedEnv(env: Record<string, unknown>, namespaceFor: (name: NamespaceName) => KvNamespaceLike): Record<string, unknown> {
  let out = swapped.get(env);
  if (out === undefined) {
    out = { ...env };
    for (const name of NAMESPACES) out[name] = namespaceFor(name);
    swapped.set(env, out);
  }
  return out;
}

/** A Worker, or a factory given the env its global scope starts with (the product prepares its app from it). */
export type WorkerOrFactory<E> = ExportedHandler<E> | ((startup: E) => ExportedHandler<E>);

/** The Worker, a factory given the start-up env as the wrapper swaps it, so the product prepares what it will serve. */
export function startWorker<E>(worker: WorkerOrFactory<E>, swap: (env: Record<string, unknown>) => Record<string, unknown>): ExportedHandler<E> {
  return typeof worker === "function" ? worker(swap(startupEnv as unknown as Record<string, unknown>) as E) : worker;
}
