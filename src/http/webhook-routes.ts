/** Vonage's signed webhooks: inbound messages and message statuses. */
import { Hono } from "hono/tiny";
import { handleInboundEvent, handleStatusEvent } from "../conversation/step.js";
import { defined } from "../defined.js";
import { verifyWebhookSignature } from "../vonage/signature.js";
import { parseInbound, parseJson, parseStatus } from "../vonage/webhooks.js";
import { readBody } from "./body.js";
import { maskNumber } from "./deps.js";
import { withServices, type Services, type ServicesEnv } from "./wiring.js";

export function webhookRoutes(services: () => Promise<Services>): Hono<ServicesEnv> {
  /** Verifies the Vonage signature on the raw body, then parses it: nothing unsigned is even parsed. */
  async function signedJson({ config, deps }: Services, request: Request): Promise<unknown> {
    const raw = await readBody(request);
    await verifyWebhookSignature(request.headers.get("Authorization") ?? undefined, raw, {
      key: config.signatureKey,
      maxAgeSeconds: config.webhookMaxAgeSeconds,
      now: deps.now(),
      applicationId: config.applicationId,
      apiKey: config.apiKey,
    });
    return parseJson(raw);
  }

  const app = new Hono<ServicesEnv>();
  const wired = withServices(services);

  app.post("/inbound", wired, async (c) => {
    const s = c.var.services;
    const { deps } = s;
    const started = deps.now();
    const event = parseInbound(await signedJson(s, c.req.raw));
    if (event === null) return c.json({ outcome: "ignored", reason: "not a WhatsApp message" });
    const result = await handleInboundEvent(s.conversation(c), event);
    deps.log({
      level: result.refused === undefined ? "info" : "warn",
      msg: "inbound",
      message_uuid: event.messageUuid,
      customer: maskNumber(event.customer),
      menu: result.menu,
      node: result.node,
      outcome: result.outcome,
      sent: result.sent.length,
      ...defined({ refused: result.refused, requests: result.requests }),
      ms: deps.now() - started,
    });
    return c.json({ outcome: result.outcome, node: result.node });
  });

  app.post("/status", wired, async (c) => {
    const s = c.var.services;
    const { deps } = s;
    const started = deps.now();
    const status = parseStatus(await signedJson(s, c.req.raw));
    if (status === null) return c.body(null, 204);
    const outcome = await handleStatusEvent(s.conversation(c), status);
    deps.log({
      level: outcome === "ignored" ? "info" : "warn",
      msg: "status",
      message_uuid: status.messageUuid,
      customer: maskNumber(status.customer),
      status: status.status,
      ...defined({ code: status.code, title: status.title }),
      outcome,
      ms: deps.now() - started,
    });
    return c.body(null, 204);
  });

  return app;
}
