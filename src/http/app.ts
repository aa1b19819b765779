/** createApp(deps): the Hono app with every route, independent of the runtime it is served from. */
import { Hono } from "hono";
import { adminRoutes, flowRoutes } from "./admin-routes.js";
import type { AppDeps } from "./deps.js";
import { toResponse } from "./errors.js";
import { createServices, withServices } from "./wiring.js";
import { webhookRoutes } from "./webhook-routes.js";

export function createApp(deps: AppDeps): Hono {
  const services = createServices(deps);
  const app = new Hono();
  app.onError((err, c) => toResponse(err, c, deps.log));
  app.notFound((c) => c.json({ error: "ERR_NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` }, 404));

  // Healthy means configured: the services load only when every setting and key is valid.
  app.get("/healthz", withServices(services), (c) => c.json({ status: "ok" }));
  app.route("/webhooks", webhookRoutes(services));
  app.route("/flows", flowRoutes(services));
  app.route("/admin", adminRoutes(services));
  return app;
}
