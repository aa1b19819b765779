/** Turns Deno's environment and one Deno KV database into the app, for the Deno entry files and the Deno tests. */
import { loadConfig } from "../config.js";
import { createApp } from "../http/app.js";
import type { Logger } from "../http/deps.js";
import { denoKv, type DenoKvLike } from "../store/deno-kv.js";

export interface DenoAppOptions {
  /** The environment, as `Deno.env.toObject()` gives it: the same names as the Worker's vars and secrets. */
  env: Record<string, string | undefined>;
  /** Menus and sessions share it under separate key prefixes, where the Worker has two namespaces. */
  kv: DenoKvLike;
  fetch: typeof fetch;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Work after the response (completion webhooks); by default it simply runs on in the process. */
  defer?: (work: Promise<unknown>) => void;
}

/** The shape `deno serve` takes as a module's default export. */
export interface DenoHandler {
  fetch(request: Request): Promise<Response>;
}

export const MENUS_NAMESPACE = "menus";
export const SESSIONS_NAMESPACE = "sessions";

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function denoApp(options: DenoAppOptions): DenoHandler {
  const now = options.now ?? Date.now;
  let config: ReturnType<typeof loadConfig> | undefined;
  const app = createApp({
    // Parsed on first use, as on Workers: a bad setting fails requests with a log line naming it.
    config: () => (config ??= loadConfig(options.env)),
    stores: { menus: denoKv(options.kv, { namespace: MENUS_NAMESPACE, now }), sessions: denoKv(options.kv, { namespace: SESSIONS_NAMESPACE, now }) },
    fetch: options.fetch,
    now,
    sleep: options.sleep ?? realSleep,
    log: options.log,
    defer: options.defer ?? ((work) => void work.catch(() => undefined)),
  });
  // `deno serve` passes connection info as a second argument; the app takes only the request.
  return { fetch: async (request) => app.fetch(request) };
}
