/** The app on Deno, both stores in one Deno KV database and its timers on that database's queue: for the Deno entry files and the Deno tests. */
import { createAppWithTimers, type AppWithTimers } from "../http/app.js";
import type { AppDeps } from "../http/deps.js";
import { denoQueueScheduler, type DenoQueueLike } from "../scheduler/deno-queue.js";
import { denoStores, type DenoKvLike } from "../store/deno-kv.js";
import { systemRandom, systemSleep } from "../system.js";

export interface DenoAppOptions extends Pick<AppDeps, "fetch" | "log">, Partial<Pick<AppDeps, "now" | "sleep" | "random" | "defer" | "scheduler">> {
  /** The environment, as `Deno.env.toObject()` gives it: the same names as the Worker's vars and secrets. */
  env: Record<string, string | undefined>;
  kv: DenoKvLike & Partial<DenoQueueLike>;
}

/** The shape `deno serve` takes as a module's default export, the handler `kv.listenQueue` hands timers to, and the sweep `Deno.cron` runs. */
export interface DenoHandler {
  fetch(request: Request): Promise<Response>;
  timer: AppWithTimers["timer"];
  sweep: AppWithTimers["sweep"];
  prepare: AppWithTimers["prepare"];
}

export function denoApp({ env, kv, ...overrides }: DenoAppOptions): DenoHandler {
  const ports = { now: Date.now, sleep: systemSleep, random: systemRandom, ...overrides };
  // Timers go on the database's own queue unless the caller passes a scheduler (tests do, to drive the clock).
  const scheduler = ports.scheduler ?? (typeof kv.enqueue === "function" ? denoQueueScheduler(kv as DenoQueueLike) : undefined);
  // A locked database file is released by time passing for real, so the stores keep the real sleep.
  const { app, timer, sweep, prepare } = createAppWithTimers({ ...ports, env, stores: denoStores(kv, { now: ports.now, random: ports.random }), ...(scheduler ? { scheduler } : {}) });
  // `deno serve` passes connection info as a second argument; the app takes only the request.
  return { fetch: async (request) => app.fetch(request), timer, sweep, prepare };
}
