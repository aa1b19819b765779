/**
 * A `KVNamespace` stand-in that forwards each call to the KV host worker (`bench/kv-host-worker.ts`) over
 * HTTP, as Workers KV is a service a Worker reaches by subrequest. Implements the part of the binding that
 * the product (`KvNamespaceLike`) and the floor use; runs in workerd and in Node alike.
 */
import type { KvNamespaceLike } from "../src/store/workers-kv.js";

export function remoteKv(hostUrl: string, namespace: string, fetcher: typeof fetch = fetch): KvNamespaceLike {
  const base = `${hostUrl.replace(/\/+$/, "")}/kv/${namespace}`;
  const keyUrl = (key: string) => `${base}/${encodeURIComponent(key)}`;
  const fail = async (what: string, res: Response) => {
    throw new Error(`KV ${what} failed: ${res.status} ${await res.text()}`);
  };
  async function get(key: string | string[]): Promise<string | null | Map<string, string | null>> {
    if (Array.isArray(key)) {
      // One operation, as Workers KV's bulk read is: the host answers {key: value or null}.
      const res = await fetcher(`${base}?bulk`, { method: "POST", body: JSON.stringify(key) });
      if (!res.ok) return fail("BULK GET", res);
      return new Map(Object.entries((await res.json()) as Record<string, string | null>));
    }
    const res = await fetcher(keyUrl(key));
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) return fail("GET", res);
    return res.text();
  }
  return {
    get: get as KvNamespaceLike["get"],
    async put(key, value, options) {
      const ttl = options?.expirationTtl;
      const res = await fetcher(ttl === undefined ? keyUrl(key) : `${keyUrl(key)}?ttl=${ttl}`, { method: "PUT", body: value });
      if (!res.ok) return fail("PUT", res);
      await res.body?.cancel();
    },
    async delete(key) {
      const res = await fetcher(keyUrl(key), { method: "DELETE" });
      if (!res.ok) return fail("DELETE", res);
      await res.body?.cancel();
    },
    async list(options) {
      const query = new URLSearchParams({ prefix: options.prefix, limit: String(options.limit ?? 1000) });
      if (options.cursor !== undefined) query.set("cursor", options.cursor);
      const res = await fetcher(`${base}?${query}`);
      if (!res.ok) return fail("LIST", res);
      return (await res.json()) as Awaited<ReturnType<KvNamespaceLike["list"]>>;
    },
  };
}
