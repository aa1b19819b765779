/**
 * Bench-only wrapper for a Worker: its `MENUS` and `SESSIONS` bindings become clients of the KV host worker
 * at `env.BENCH_KV_URL` (see `bench/kv-host-worker.ts`). Everything else reaches the wrapped Worker as is.
 */
import { remoteKv } from "./remote-kv.js";
import { startWorker, swappedEnv, type WorkerOrFactory } from "./swap-kv.js";

function remoteEnv(env: Record<string, unknown>): Record<string, unknown> {
  return swappedEnv(env, (name) => {
    const url = env["BENCH_KV_URL"];
    if (typeof url !== "string") throw new Error("BENCH_KV_URL is not set: the benchmark passes the KV host's URL");
    return remoteKv(url, name);
  });
}

export function withRemoteKv<E>(given: WorkerOrFactory<E>): ExportedHandler<E> {
  const worker = startWorker(given, remoteEnv);
  return {
    fetch: (request, env, ctx) => worker.fetch!(request, remoteEnv(env as Record<string, unknown>) as E, ctx),
  };
}
