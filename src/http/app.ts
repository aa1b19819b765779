/** createApp(deps): the Hono app with every route, independent of the runtime it is served from. */
import { defined } from "../defined.js";
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import type { AppDeps } from "./deps.js";
import { toResponse } from "./errors.js";
import { createServices, withServices } from "./wiring.js";
import { webhookRoutes } from "./webhook-routes.js";
import { maskGroupedDigits, maskingLogger } from "../log-mask.js";
import { handleTimer } from "../conversation/timers.js";
import { rehearse } from "../rehearsal.js";
import { AppError, messageOf } from "../errors.js";
import type { StepResult } from "../conversation/step.js";
import { sweepTimers, type SweepResult } from "../conversation/sweep.js";

/** The app and its timer handler: what a queue consumer (Workers `queue`, Deno `listenQueue`) hands a delivered timer to. */
export interface AppWithTimers {
  app: Hono;
  /** Handles one delivered timer body; a throw asks the queue to deliver it again. `defer` runs completions after. */
  timer(body: unknown, defer?: (work: Promise<unknown>) => void): Promise<StepResult>;
  /**
   * Hands the timers the queue refused back to it (`conversation/sweep.ts`): what a Cron Trigger (Workers
   * `scheduled`) or `Deno.cron` runs. Logs what it did when there was anything; a failure is logged and thrown.
   */
  sweep(): Promise<SweepResult>;
  /**
   * Does ahead of the first request what it would otherwise do: builds the services (the configuration's checks,
   * the keys' import) and rehearses the webhook path (`rehearsal.ts`). For a runtime entry's global scope, once.
   * Never rejects: a configuration that fails is built again by the first request, which reports why.
   */
  prepare(): Promise<void>;
}

/**
 * Every error through the one table of codes (`toResponse`), and a 404 that names the route, masked as a log line
 * shows it: a mistyped session route holds the customer's number.
 */
function withErrors(app: Hono, deps: AppDeps): Hono {
  app.onError((err, c) => toResponse(err, c, deps.log));
  app.notFound((c) => c.json({ error: "ERR_NOT_FOUND", message: `no route for ${c.req.method} ${maskGroupedDigits(c.req.path)}` }, 404));
  return app;
}

/** A handler that builds an app on its first request and hands it every request after, with the same env and context. */
function lazyApp(load: () => Promise<Hono>): (c: Context) => Promise<Response> {
  let loaded: Promise<Hono> | undefined;
  return async (c) => {
    const sub = await (loaded ??= load());
    let ctx: Context["executionCtx"] | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      // Node and Deno tests call the app without an execution context.
    }
    return sub.fetch(c.req.raw, c.env, ctx);
  };
}

export function createApp(given: AppDeps): Hono {
  return createAppWithTimers(given).app;
}

export function createAppWithTimers(given: AppDeps): AppWithTimers {
  // Every line, from every layer, goes through the mask: no full customer number reaches a log.
  const deps: AppDeps = { ...given, log: maskingLogger(given.log) };
  const services = createServices(deps);
  const app = withErrors(new Hono(), deps);

  // Healthy means configured (the services load only when every setting and key is valid) and sending: a send
  // the Messages API refuses until the account is fixed (key, balance) is what an operator must act on.
  app.get("/healthz", withServices(services), (c) => {
    const failing = c.var.services.health.failing;
    if (failing !== null) return c.json({ status: "failing", sends: { status: failing.status, title: failing.title, since: failing.at } }, 503);
    return c.json({ status: "ok" });
  });
  app.route("/webhooks", webhookRoutes(services));
  // The business's API (menus, starts, sessions, agents) and the menu compiler it uses are loaded on its first
  // request: a cold isolate that answers a webhook does not evaluate them.
  const business = lazyApp(async () => {
    const { adminRoutes, flowRoutes } = await import("./admin-routes.js");
    return withErrors(new Hono(), deps).route("/flows", flowRoutes(services)).route("/admin", adminRoutes(services));
  });
  app.all("/flows/*", business);
  app.all("/admin/*", business);
  const timer: AppWithTimers["timer"] = async (body, defer) => {
    const s = await services();
    const deps0 = s.conversation(null);
    let result: StepResult;
    try {
      result = await handleTimer(defer ? { ...deps0, defer } : deps0, body);
    } catch (error) {
      // The queue delivers it again (Workers `retry`, Deno KV's redelivery); without this line nothing says why.
      const code = error instanceof AppError ? error.code : undefined;
      deps.log({ level: "warn", msg: "a timer failed; the queue delivers it again", ...defined({ code }), error: messageOf(error) });
      throw error;
    }
    deps.log({ msg: "timer", outcome: result.outcome, menu: result.menu, node: result.node, sent: result.sent.length });
    return result;
  };
  const sweep: AppWithTimers["sweep"] = async () => {
    if (deps.scheduler === undefined) return { found: 0, requeued: 0, kept: 0, dropped: 0, unremoved: 0 };
    try {
      const s = await services();
      const result = await sweepTimers({ stranded: s.stranded, scheduler: deps.scheduler, now: deps.now });
      if (result.found > 0) deps.log({ level: result.kept > 0 ? "warn" : "info", msg: "timer sweep", ...result });
      return result;
    } catch (error) {
      deps.log({ level: "error", msg: "the timer sweep failed; the next one tries again", error: messageOf(error) });
      throw error;
    }
  };
  const prepare = async () => {
    // A bad setting or key (a typed error) is the first request's to report, with how to fix it; anything else is worth a line.
    const failed = await services.prepare();
    if (failed !== undefined && !(failed instanceof AppError)) {
      deps.log({ level: "warn", msg: "the services could not be built at start-up; the first request builds them", error: messageOf(failed) });
    }
    try {
      // With the application's key when the services were built: the sends then rehearse the real client too.
      await rehearse(failed === undefined ? { privateKey: (await services()).config.privateKey } : {});
    } catch (error) {
      deps.log({ level: "warn", msg: "the start-up rehearsal failed: a cold isolate's first webhook compiles the path instead", error: messageOf(error) });
    }
  };
  return { app, timer, sweep, prepare };
}
