/** Cloudflare Workers entry: turns the Worker's env into the app's dependencies. */
import { loadConfig } from "../config.js";
import { createApp } from "../http/app.js";
import { jsonLogger, type AppDeps } from "../http/deps.js";
import { workersKv, type KvNamespaceLike } from "../store/workers-kv.js";

export interface Env {
  MENUS: KvNamespaceLike;
  SESSIONS: KvNamespaceLike;
  [key: string]: unknown;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isKv(binding: unknown): binding is KvNamespaceLike {
  return typeof binding === "object" && binding !== null && typeof (binding as { get?: unknown }).get === "function";
}

/** The Worker; `overrides` exist for tests that must not really wait (retry backoff). */
export function createWorker(overrides: Partial<Pick<AppDeps, "sleep" | "now">> = {}) {
  // One app per env object: parsed config, imported keys and compiled menus live as long as the isolate.
  const apps = new WeakMap<object, ReturnType<typeof createApp>>();
  const wait = overrides.sleep ?? sleep;

  function appFor(env: Env) {
    let app = apps.get(env);
    if (app === undefined) {
      let config: ReturnType<typeof loadConfig> | undefined;
      app = createApp({
        config: () => (config ??= loadConfig(env)),
        stores: { menus: workersKv(env.MENUS, { sleep: wait }), sessions: workersKv(env.SESSIONS, { sleep: wait }) },
        fetch: (input, init) => fetch(input, init),
        now: overrides.now ?? Date.now,
        sleep: wait,
        log: jsonLogger,
      });
      apps.set(env, app);
    }
    return app;
  }

  return {
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
}

export default createWorker();
