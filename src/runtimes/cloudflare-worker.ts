/**
 * The Cloudflare Worker: one app per `env`, its stores the env's KV bindings, its timers the TIMERS queue, and the
 * Cron Trigger's sweep for timers that queue refused. `Env` is `wrangler types` output.
 */
import { createAppWithTimers, type AppWithTimers } from "../http/app.js";
import { jsonLogger, type AppDeps } from "../http/deps.js";
import { isQueue, queueScheduler } from "../scheduler/workers-queue.js";
import { workersStores } from "../store/workers-env.js";
import { systemRandom, systemSleep } from "../system.js";

export type WorkerOverrides = Partial<Pick<AppDeps, "fetch" | "log" | "sleep" | "now" | "random">>;

/** How long a timer the handler could not finish waits before the queue delivers it again. */
const TIMER_RETRY_SECONDS = 10;

/** The same variables and bindings, by identity: the env a request brings and the one the global scope imported. */
function sameBindings(a: object, b: object): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

/**
 * The Worker; tests pass `overrides` (a fake network, captured logs, waits that do not wait, seeded randomness).
 * With `startup` (the env the global scope imports from `cloudflare:workers`), the app is built and prepared while
 * the isolate starts (`AppWithTimers.prepare`), and requests whose env holds the same bindings use it.
 */
export function createWorker(overrides: WorkerOverrides = {}, startup?: Env) {
  // Parsed config, imported keys and compiled menus live as long as the env object, that is the isolate.
  const apps = new WeakMap<Env, AppWithTimers>();
  const ports = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), log: jsonLogger, sleep: systemSleep, now: Date.now, random: systemRandom, ...overrides };
  const build = (env: Env) => {
    // `Env` names only what wrangler.toml declares; the configuration also reads secrets by name.
    const vars = env as unknown as Readonly<Record<string, unknown>>;
    const timers = vars["TIMERS"];
    return createAppWithTimers({ ...ports, env: vars, stores: () => workersStores(vars, ports), ...(isQueue(timers) ? { scheduler: queueScheduler(timers) } : {}) });
  };
  const prepared = startup === undefined ? undefined : build(startup);
  void prepared?.prepare();
  const appFor = (env: Env) => {
    let app = apps.get(env);
    if (app === undefined) {
      app = prepared !== undefined && sameBindings(env, startup!) ? prepared : build(env);
      apps.set(env, app);
    }
    return app;
  };
  return {
    fetch(request, env, ctx) {
      return appFor(env).app.fetch(request, env, ctx);
    },
    async queue(batch, env, ctx) {
      const app = appFor(env);
      for (const message of batch.messages) {
        try {
          await app.timer(message.body, (work) => ctx.waitUntil(work));
          message.ack();
        } catch {
          // At least once: the timer's own step is safe to run again (claim before send, sent record after).
          message.retry({ delaySeconds: TIMER_RETRY_SECONDS });
        }
      }
    },
    async scheduled(_controller, env) {
      // The Cron Trigger (wrangler.toml): timers the queue refused go to it again. A throw marks this run failed.
      await appFor(env).sweep();
    },
  } satisfies ExportedHandler<Env>;
}
