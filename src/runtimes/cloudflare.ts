/** Cloudflare Workers entry: turns the Worker's env into the app's dependencies. */
import { parseConfig } from "../config.js";
import { createApp } from "../http/app.js";
import { jsonLogger } from "../http/deps.js";
import { workersKv, type KvNamespaceLike } from "../store/workers-kv.js";

export interface Env {
  MENUS: KvNamespaceLike;
  SESSIONS: KvNamespaceLike;
  [key: string]: unknown;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
// One app per env object: parsed config, imported keys and parsed menus live as long as the isolate.
const apps = new WeakMap<object, ReturnType<typeof createApp>>();

function isKv(binding: unknown): binding is KvNamespaceLike {
  return typeof binding === "object" && binding !== null && typeof (binding as { get?: unknown }).get === "function";
}

function appFor(env: Env) {
  let app = apps.get(env);
  if (app === undefined) {
    let config: ReturnType<typeof parseConfig> | undefined;
    app = createApp({
      config: () => (config ??= parseConfig(env)),
      stores: { menus: workersKv(env.MENUS, { sleep }), sessions: workersKv(env.SESSIONS, { sleep }) },
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      sleep,
      log: jsonLogger,
    });
    apps.set(env, app);
  }
  return app;
}

export default {
  fetch(request, env, ctx) {
    const missing = (["MENUS", "SESSIONS"] as const).filter((name) => !isKv(env[name]));
    if (missing.length > 0) {
      jsonLogger({
        level: "error",
        msg: `KV binding ${missing.join(" and ")} missing: declare it under [[kv_namespaces]] in wrangler.toml (wrangler kv namespace create ${missing[0]})`,
      });
      return Response.json({ error: "internal", message: "the server is misconfigured; see its logs" }, { status: 500 });
    }
    return appFor(env).fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
