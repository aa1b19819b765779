/**
 * Bench-only wrapper for a Worker: its `MENUS` and `SESSIONS` bindings become clients of the KV host worker
 * at `env.BENCH_KV_URL` (see `bench/kv-host-worker.ts`). Everything else reaches the wrapped Worker as is.
 */
import { remoteKv } from "./remote-kv.js";

const NAMESPACES = ["MENUS", "SESSIONS"] as const;

// One wrapped env per env object: the product caches its app per env, and a new object on every request
// would defeat that cache and measure work the product never does.
const wrapped = new WeakMap<object, Record<string, unknown>>();

function remoteEnv(env: Record<string, unknown>): Record<string, unknown> {
  let out = wrapped.get(env);
  if (out === undefined) {
    const url = env["BENCH_KV_URL"];
    if (typeof url !== "string") throw new Error("BENCH_KV_URL is not set: the benchmark passes the KV host's URL");
    out = { ...env };
    for (const name of NAMESPACES) out[name] = remoteKv(url, name);
    wrapped.set(env, out);
  }
  return out;
}

export function withRemoteKv<E>(worker: ExportedHandler<E>): ExportedHandler<E> {
  return {
    fetch: (request, env, ctx) => worker.fetch!(request, remoteEnv(env as Record<string, unknown>) as E, ctx),
  };
}
