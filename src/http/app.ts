/** createApp(deps): the Hono app with every route, independent of the runtime it is served from. */
import { Hono } from "hono";
import { adminRoutes, flowRoutes } from "./admin-routes.js";
import type { AppDeps } from "./deps.js";
import { toResponse } from "./errors.js";
import { createServices } from "./services.js";
import { webhookRoutes } from "./webhook-routes.js";
import { maskingLogger } from "../log-mask.js";

export function createApp(given: AppDeps): Hono {
  // Every line, from every layer, goes through the mask: no full customer number reaches a log.
  const deps: AppDeps = { ...given, log: maskingLogger(given.log) };
  const services = createServices(deps);
  const app = new Hono();
  app.onError((err, c) => toResponse(err, c, deps.log));
  app.notFound((c) => c.json({ error: "ERR_NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.get("/healthz", (c) => {
    deps.config();
    const failing = services.health.failing;
    // Sends the Messages API refuses until the account is fixed (key, balance): what an operator must act on.
    if (failing !== null) return c.json({ status: "failing", sends: { status: failing.status, title: failing.title, since: failing.at } }, 503);
    return c.json({ status: "ok" });
  });
  app.route("/webhooks", webhookRoutes(services));
  app.route("/flows", flowRoutes(services));
  app.route("/admin", adminRoutes(services));
  return app;
}
