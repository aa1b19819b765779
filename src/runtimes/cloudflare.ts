/** Cloudflare Workers entry: one app per `env`, its stores the env's KV bindings. `Env` is `wrangler types` output. */
import { createApp } from "../http/app.js";
import { jsonLogger, type AppDeps } from "../http/deps.js";
import { workersStores } from "../store/workers-env.js";
import { systemRandom, systemSleep } from "../system.js";

export type WorkerOverrides = Partial<Pick<AppDeps, "fetch" | "log" | "sleep" | "now" | "random">>;

/** The Worker; tests pass `overrides` (a fake network, captured logs, waits that do not wait, seeded randomness). */
export function createWorker(overrides: WorkerOverrides = {}) {
  // Parsed config, imported keys and compiled menus live as long as the env object, that is the isolate.
  const apps = new WeakMap<Env, ReturnType<typeof createApp>>();
  const ports = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), log: jsonLogger, sleep: systemSleep, now: Date.now, random: systemRandom, ...overrides };
  return {
    fetch(request, env, ctx) {
      // `Env` names only what wrangler.toml declares; the configuration also reads secrets by name.
      const vars = env as unknown as Readonly<Record<string, unknown>>;
      let app = apps.get(env);
      if (app === undefined) apps.set(env, (app = createApp({ ...ports, env: vars, stores: () => workersStores(vars, ports) })));
      return app.fetch(request, env, ctx);
    },
  } satisfies ExportedHandler<Env>;
}

export default createWorker();
