/**
 * Bench-only Worker that owns Miniflare's real local KV namespaces and serves them over HTTP to the worker
 * under test, from its own workerd process. Miniflare's KV simulator costs more CPU per operation than an
 * RS256 signature; in the measured process it would swamp the difference between product and floor, and
 * on Cloudflare KV runs outside the Worker anyway. It also counts every operation, so KV reads and writes
 * per webhook are measured without touching the product.
 *
 *   GET    /kv/NS/KEY            value text, or 404
 *   PUT    /kv/NS/KEY?ttl=S      store the body
 *   DELETE /kv/NS/KEY
 *   POST   /kv/NS?bulk           ["KEY", ...] → {"KEY": value or null}: a bulk read, counted as one read
 *   GET    /kv/NS?prefix=&limit=&cursor=   {"keys":[{"name"}],"list_complete","cursor"}
 *   POST   /seed/NS              [[key, value, ttlSeconds?], ...] stored without counting
 *   GET    /ops                  {"NS": {"reads","writes","deletes","lists"}}
 */

interface HostEnv {
  [binding: string]: unknown;
}

interface Ops {
  reads: number;
  writes: number;
  deletes: number;
  lists: number;
}

const ops = new Map<string, Ops>();

function count(ns: string, kind: keyof Ops) {
  let o = ops.get(ns);
  if (o === undefined) ops.set(ns, (o = { reads: 0, writes: 0, deletes: 0, lists: 0 }));
  o[kind]++;
}

function namespace(env: HostEnv, name: string): KVNamespace | null {
  const ns = env[name];
  return typeof ns === "object" && ns !== null && typeof (ns as KVNamespace).getWithMetadata === "function" ? (ns as KVNamespace) : null;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, area, nsName, ...rest] = url.pathname.split("/");
    if (area === "ops") return Response.json(Object.fromEntries(ops));
    const ns = namespace(env, nsName ?? "");
    if (ns === null) return new Response(`no KV namespace ${nsName}`, { status: 404 });
    const name = nsName!;

    if (area === "seed" && request.method === "POST") {
      const entries = (await request.json()) as Array<[string, string, number?]>;
      await Promise.all(entries.map(([k, v, ttl]) => ns.put(k, v, ttl === undefined ? undefined : { expirationTtl: ttl })));
      return Response.json({ stored: entries.length });
    }
    if (area !== "kv") return new Response("not found", { status: 404 });

    if (rest.length === 0 && request.method === "POST" && url.searchParams.has("bulk")) {
      // A bulk read: one operation for up to 100 keys, as on Workers KV.
      count(name, "reads");
      const keys = (await request.json()) as string[];
      return Response.json(Object.fromEntries(await ns.get(keys, { type: "text" })));
    }
    if (rest.length === 0) {
      count(name, "lists");
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
        count(name, "reads");
        const value = await ns.get(key, { type: "text" });
        return value === null ? new Response(null, { status: 404 }) : new Response(value);
      }
      case "PUT": {
        count(name, "writes");
        const ttl = url.searchParams.get("ttl");
        await ns.put(key, await request.text(), ttl === null ? undefined : { expirationTtl: Number(ttl) });
        return new Response(null, { status: 204 });
      }
      case "DELETE":
        count(name, "deletes");
        await ns.delete(key);
        return new Response(null, { status: 204 });
      default:
        return new Response("method not allowed", { status: 405 });
    }
  },
} satisfies ExportedHandler<HostEnv>;
