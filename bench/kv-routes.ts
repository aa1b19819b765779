/**
 * The HTTP shape through which the benchmark reaches KV namespaces that live in a workerd process (the KV host
 * worker's Miniflare namespaces, or a worker's in-isolate memory KV): the routes `bench/remote-kv.ts`,
 * `bench/seed.ts` and the ops counter use. `path` is the request's path below wherever the routes are mounted.
 *
 *   GET    /kv/NS/KEY            value text, or 404
 *   PUT    /kv/NS/KEY?ttl=S      store the body
 *   DELETE /kv/NS/KEY
 *   POST   /kv/NS?bulk           ["KEY", ...] → {"KEY": value or null}: a bulk read, counted as one read
 *   GET    /kv/NS?prefix=&limit=&cursor=   {"keys":[{"name"}],"list_complete","cursor"}
 *   POST   /seed/NS              [[key, value, ttlSeconds?], ...] stored without counting
 *   GET    /ops                  {"NS": {"reads","writes","deletes","lists"}}
 */
import type { KvNamespaceLike } from "../src/store/workers-kv.js";
import { countedKv, type OpsCounter } from "./kv-ops.js";

/** Where the isolate-memory wrapper mounts these routes: `remoteKv(url + BENCH_PREFIX, ...)` and `seedKv(url + BENCH_PREFIX, ...)` use them. */
export const BENCH_PREFIX = "/__bench";

export async function serveKv(request: Request, path: string, lookup: (namespace: string) => KvNamespaceLike | null, counter: OpsCounter): Promise<Response> {
  const url = new URL(request.url);
  const [, area, name, ...rest] = path.split("/");
  if (area === "ops") return Response.json(counter.snapshot());
  const raw = lookup(name ?? "");
  if (raw === null) return new Response(`no KV namespace ${name}`, { status: 404 });

  if (area === "seed" && request.method === "POST") {
    const entries = (await request.json()) as Array<[string, string, number?]>;
    await Promise.all(entries.map(([k, v, ttl]) => raw.put(k, v, ttl === undefined ? undefined : { expirationTtl: ttl })));
    return Response.json({ stored: entries.length });
  }
  if (area !== "kv") return new Response("not found", { status: 404 });
  const ns = countedKv(raw, name!, counter);

  if (rest.length === 0 && request.method === "POST" && url.searchParams.has("bulk")) {
    // A bulk read: one operation for up to 100 keys, as on Workers KV.
    const keys = (await request.json()) as string[];
    return Response.json(Object.fromEntries(await ns.get(keys, { type: "text" })));
  }
  if (rest.length === 0) {
    const cursor = url.searchParams.get("cursor");
    const page = await ns.list({
      prefix: url.searchParams.get("prefix") ?? "",
      limit: Number(url.searchParams.get("limit") ?? "1000"),
      ...(cursor === null ? {} : { cursor }),
    });
    return Response.json({ keys: page.keys.map((k) => ({ name: k.name })), list_complete: page.list_complete, cursor: page.list_complete ? undefined : page.cursor });
  }
  const key = decodeURIComponent(rest.join("/"));
  switch (request.method) {
    case "GET": {
      const value = await ns.get(key, { type: "text" });
      return value === null ? new Response(null, { status: 404 }) : new Response(value);
    }
    case "PUT": {
      const ttl = url.searchParams.get("ttl");
      await ns.put(key, await request.text(), ttl === null ? undefined : { expirationTtl: Number(ttl) });
      return new Response(null, { status: 204 });
    }
    case "DELETE":
      await ns.delete(key);
      return new Response(null, { status: 204 });
    default:
      return new Response("method not allowed", { status: 405 });
  }
}
