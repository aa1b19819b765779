/** The app on Deno, both stores in one Deno KV database: for the Deno entry files and the Deno tests. */
import { createApp } from "../http/app.js";
import type { AppDeps } from "../http/deps.js";
import { denoStores, type DenoKvLike } from "../store/deno-kv.js";
import { systemRandom, systemSleep } from "../system.js";

export interface DenoAppOptions extends Pick<AppDeps, "fetch" | "log">, Partial<Pick<AppDeps, "now" | "sleep" | "random" | "defer">> {
  /** The environment, as `Deno.env.toObject()` gives it: the same names as the Worker's vars and secrets. */
  env: Record<string, string | undefined>;
  kv: DenoKvLike;
}

/** The shape `deno serve` takes as a module's default export. */
export interface DenoHandler {
  fetch(request: Request): Promise<Response>;
}

export function denoApp({ env, kv, ...overrides }: DenoAppOptions): DenoHandler {
  const ports = { now: Date.now, sleep: systemSleep, random: systemRandom, ...overrides };
  // A locked database file is released by time passing for real, so the stores keep the real sleep.
  const app = createApp({ ...ports, env, stores: denoStores(kv, { now: ports.now, random: ports.random }) });
  // `deno serve` passes connection info as a second argument; the app takes only the request.
  return { fetch: async (request) => app.fetch(request) };
}
