/** Deno entry for `deno serve`: turns Deno's environment into the app's dependencies. Type-checked by `deno check`. */
import { SWEEP_SCHEDULE } from "../conversation/sweep.js";
import { jsonLogger } from "../http/deps.js";
import { denoApp } from "./deno-app.js";

// A file path locally (`npm run start:deno` sets one); unset on Deno Deploy, which opens the app's own database.
const path = Deno.env.get("DENO_KV_PATH") || undefined;
const kv = await Deno.openKv(path).catch((cause: unknown) => {
  jsonLogger({
    level: "error",
    msg: `Deno KV could not be opened${path === undefined ? "" : ` at DENO_KV_PATH (${path})`}: run with --unstable-kv and write access to that file, or on Deno Deploy assign a KV database to the app`,
  });
  throw cause;
});

const handler = denoApp({ env: Deno.env.toObject(), kv, fetch: (input, init) => fetch(input, init), log: jsonLogger });
// The configuration and keys, and a rehearsal of the webhook path, before the first request instead of in it.
void handler.prepare();
// Reminders and hand-backs come back through the database's queue; a throw makes Deno KV deliver it again.
void kv.listenQueue((body: unknown) => handler.timer(body).then(() => undefined));
// The sweep for timers the queue refused, as the Worker's Cron Trigger (registered at the top level, as Deploy
// requires). A failed run is logged by the sweep; the next run tries again.
const crons = new AbortController();
void Deno.cron("wa-menu timer sweep", SWEEP_SCHEDULE, { signal: crons.signal }, () =>
  handler.sweep().then(
    () => undefined,
    () => undefined,
  ),
);
// A listening queue and a cron keep the process alive after `deno serve` stops serving: ending both ends it.
try {
  Deno.addSignalListener("SIGTERM", () => {
    crons.abort();
    kv.close();
  });
} catch {
  // No SIGTERM where the platform has none (Windows); Deno Deploy stops the isolate itself.
}

export default { fetch: handler.fetch } satisfies Deno.ServeDefaultExport;
