/**
 * Bench-only Worker that owns Miniflare's real local KV namespaces and serves them over HTTP to the worker
 * under test, from its own workerd process (routes: `bench/kv-routes.ts`). Miniflare's KV simulator costs more
 * CPU per operation than an RS256 signature; in the measured process it would swamp the difference between
 * product and floor, and on Cloudflare KV runs outside the Worker anyway. It also counts every operation, so
 * KV reads and writes per webhook are measured without touching the product.
 */
import type { KvNamespaceLike } from "../src/store/workers-kv.js";
import { opsCounter } from "./kv-ops.js";
import { serveKv } from "./kv-routes.js";

interface HostEnv {
  [binding: string]: unknown;
}

const counter = opsCounter();

function namespace(env: HostEnv, name: string): KvNamespaceLike | null {
  const ns = env[name];
  return typeof ns === "object" && ns !== null && typeof (ns as KVNamespace).getWithMetadata === "function" ? (ns as KvNamespaceLike) : null;
}

export default {
  fetch: (request, env) => serveKv(request, new URL(request.url).pathname, (name) => namespace(env, name), counter),
} satisfies ExportedHandler<HostEnv>;
