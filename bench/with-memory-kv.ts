/**
 * Bench-only wrapper for a Worker: its `MENUS` and `SESSIONS` bindings become Map-backed namespaces in the
 * isolate's own memory (`bench/memory-kv.ts`), one pair per isolate, every operation counted as the KV host
 * counts it. The benchmark publishes, seeds and reads the counts through the KV host's routes
 * (`bench/kv-routes.ts`) under `/__bench`, a prefix the product never serves; every other request reaches the
 * wrapped Worker as is.
 */
import { countedKv, opsCounter } from "./kv-ops.js";
import { serveKv } from "./kv-routes.js";
import { memoryKv } from "./memory-kv.js";
import { NAMESPACES, swappedEnv, type NamespaceName } from "./swap-kv.js";

/** Where the KV routes are mounted: `remoteKv(url + BENCH_PREFIX, ...)` and `seedKv(url + BENCH_PREFIX, ...)` use them. */
export const BENCH_PREFIX = "/__bench";

const counter = opsCounter();
const stores = Object.fromEntries(NAMESPACES.map((name) => [name, memoryKv()])) as Record<NamespaceName, ReturnType<typeof memoryKv>>;
const counted = Object.fromEntries(NAMESPACES.map((name) => [name, countedKv(stores[name], name, counter)])) as typeof stores;
const lookup = (name: string) => (Object.hasOwn(stores, name) ? stores[name as NamespaceName] : null);

export function withMemoryKv<E>(worker: ExportedHandler<E>): ExportedHandler<E> {
  return {
    fetch(request, env, ctx) {
      const path = new URL(request.url).pathname;
      if (path.startsWith(`${BENCH_PREFIX}/`)) return serveKv(request, path.slice(BENCH_PREFIX.length), lookup, counter);
      return worker.fetch!(request, swappedEnv(env as Record<string, unknown>, (name) => counted[name]) as E, ctx);
    },
  };
}
