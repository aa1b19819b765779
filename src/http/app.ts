/** createApp(deps): the Hono app with every route, independent of the runtime it is served from. */
import { Hono } from "hono/tiny";
import { adminRoutes, flowRoutes } from "./admin-routes.js";
import type { AppDeps } from "./deps.js";
import { toResponse } from "./errors.js";
import { createServices, withServices } from "./wiring.js";
import { webhookRoutes } from "./webhook-routes.js";
import { maskingLogger } from "../log-mask.js";

export function createApp(given: AppDeps): Hono {
  // Every line, from every layer, goes through the mask: no full customer number reaches a log.
  const deps: AppDeps = { ...given, log: maskingLogger(given.log) };
  const services = createServices(deps);
  const app = new Hono();
  app.onError((err, c) => toResponse(err, c, deps.log));
  app.notFound((c) => c.json({ error: "ERR_NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` }, 404));

  // Healthy means configured (the services load only when every setting and key is valid) and sending: a send
  // the Messages API refuses until the account is fixed (key, balance) is what an operator must act on.
  app.get("/healthz", withServices(services), (c) => {
    const failing = c.var.services.health.failing;
    if (failing !== null) return c.json({ status: "failing", sends: { status: failing.status, title: failing.title, since: failing.at } }, 503);
    return c.json({ status: "ok" });
  });
  app.route("/webhooks", webhookRoutes(services));
  app.route("/flows", flowRoutes(services));
  app.route("/admin", adminRoutes(services));
  return app;
}
