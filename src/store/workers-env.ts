/** The Worker's KV bindings as the app's stores, checked: a binding missing from wrangler.toml is a ConfigError that says how to add it. */
import { ConfigError } from "../errors.js";
import type { Stores } from "./kv.js";
import { workersKv, type KvNamespaceLike, type WorkersKvOptions } from "./workers-kv.js";

const BINDINGS = ["MENUS", "SESSIONS"] as const;

function isKv(binding: unknown): binding is KvNamespaceLike {
  return typeof binding === "object" && binding !== null && typeof (binding as { get?: unknown }).get === "function";
}

export function workersStores(env: Readonly<Record<string, unknown>>, options: WorkersKvOptions): Stores {
  const [menus, sessions] = BINDINGS.map((name) => env[name]);
  if (!isKv(menus) || !isKv(sessions)) {
    const missing = BINDINGS.filter((name) => !isKv(env[name]));
    throw new ConfigError(`KV binding ${missing.join(" and ")} missing: declare it under [[kv_namespaces]] in wrangler.toml (wrangler kv namespace create ${missing[0]})`);
  }
  return { menus: workersKv(menus, options), sessions: workersKv(sessions, options) };
}
