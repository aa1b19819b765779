/**
 * Bench-only wrapper for a Worker: its `MENUS` and `SESSIONS` bindings become Map-backed namespaces in the
 * isolate's own memory (`bench/memory-kv.ts`), one pair per isolate, every operation counted as the KV host
 * counts it. The benchmark publishes, seeds and reads the counts through the KV host's routes
 * (`bench/kv-routes.ts`) under `/__bench`, a prefix the product never serves; every other request reaches the
 * wrapped Worker as is.
 */
import { countedKv, opsCounter } from "./kv-ops.js";
import { BENCH_PREFIX, serveKv } from "./kv-routes.js";
import { memoryKv } from "./memory-kv.js";
import { NAMESPACES, startWorker, swappedEnv, type NamespaceName, type WorkerOrFactory } from "./swap-kv.js";

const counter = opsCounter();
const stores = Object.fromEntries(NAMESPACES.map((name) => [name, memoryKv()])) as Record<NamespaceName, ReturnType<typeof memoryKv>>;
const counted = Object.fromEntries(NAMESPACES.map((name) => [name, countedKv(stores[name], name, counter)])) as typeof stores;
const lookup = (name: string) => (Object.hasOwn(stores, name) ? stores[name as NamespaceName] : null);

const memoryEnv = (env: Record<string, unknown>) => swappedEnv(env, (name) => counted[name]);

export function withMemoryKv<E>(given: WorkerOrFactory<E>): ExportedHandler<E> {
  const worker = startWorker(given, memoryEnv);
  return {
    fetch(request, env, ctx) {
      const path = new URL(request.url).pathname;
      if (path.startsWith(`${BENCH_PREFIX}/`)) return serveKv(request, path.slice(BENCH_PREFIX.length), lookup, counter);
      return worker.fetch!(request, memoryEnv(env as Record<string, unknown>) as E, ctx);
    },
  };
}
