/**
 * Counts KV operations per namespace, as the benchmark reports them: a bulk read of many keys is one read, as
 * Workers KV bills it. Used by the KV host process and by the in-isolate memory KV alike.
 */
import type { KvNamespaceLike } from "../src/store/workers-kv.js";

export interface Ops {
  reads: number;
  writes: number;
  deletes: number;
  lists: number;
}

export type OpsByNamespace = Record<string, Ops>;

export interface OpsCounter {
  count(namespace: string, kind: keyof Ops): void;
  snapshot(): OpsByNamespace;
}

export function opsCounter(): OpsCounter {
  const byNamespace = new Map<string, Ops>();
  return {
    count(namespace, kind) {
      let o = byNamespace.get(namespace);
      if (o === undefined) byNamespace.set(namespace, (o = { reads: 0, writes: 0, deletes: 0, lists: 0 }));
      o[kind]++;
    },
    snapshot: () => Object.fromEntries([...byNamespace].map(([name, o]) => [name, { ...o }])),
  };
}

/** `ns` with every call counted under `name`. */
export function countedKv(ns: KvNamespaceLike, name: string, counter: OpsCounter): KvNamespaceLike {
  return {
    get: ((key: string | string[], options: { type: "text" }) => {
      counter.count(name, "reads");
      return ns.get(key as string, options);
    }) as KvNamespaceLike["get"],
    put(key, value, options) {
      counter.count(name, "writes");
      return ns.put(key, value, options);
    },
    delete(key) {
      counter.count(name, "deletes");
      return ns.delete(key);
    },
    list(options) {
      counter.count(name, "lists");
      return ns.list(options);
    },
  };
}
