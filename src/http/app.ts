/** createApp(deps): the Hono app with every route, independent of the runtime it is served from. */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../errors.js";
import { handleInboundEvent, startMenu, type ConversationDeps } from "../service/conversation.js";
import { menuRepo } from "../store/menus.js";
import { sessionRepo } from "../store/sessions.js";
import { createMessagesClient } from "../vonage/messages-client.js";
import { verifyWebhookSignature } from "../vonage/signature.js";
import { parseInbound, parseJson, parseStatus } from "../vonage/webhooks.js";
import { requireAdmin } from "./admin-auth.js";
import { readBody } from "./body.js";
import { maskNumber, type AppDeps } from "./deps.js";
import { toResponse } from "./errors.js";

const startSchema = z.strictObject({
  to: z.string().regex(/^\+?[0-9]{5,20}$/, "must be the customer's number, digits only, country code first"),
  from: z.string().regex(/^\+?[0-9]{5,20}$/, "must be your WhatsApp Business number, digits only, country code first"),
});

export function createApp(deps: AppDeps): Hono {
  const menus = menuRepo(deps.stores.menus);
  const sessions = sessionRepo(deps.stores.sessions);
  let conversation: ConversationDeps | undefined;
  // Built on first use, so a bad configuration fails requests (500, logged) rather than the whole isolate.
  const conversationDeps = (): ConversationDeps => {
    if (conversation === undefined) {
      const config = deps.config();
      const messages = createMessagesClient({
        applicationId: config.applicationId,
        privateKey: config.privateKey,
        baseUrl: config.apiUrl,
        fetch: deps.fetch,
        now: deps.now,
        sleep: deps.sleep,
      });
      conversation = { sessions, menus, messages, now: deps.now, sessionTtlSeconds: config.sessionTtlSeconds };
    }
    return conversation;
  };

  /** Verifies the Vonage signature on the raw body, then parses it. */
  async function signedJson(request: Request): Promise<unknown> {
    const config = deps.config();
    const raw = await readBody(request);
    await verifyWebhookSignature(request.headers.get("Authorization") ?? undefined, raw, {
      secret: config.signatureSecret,
      maxAgeSeconds: config.webhookMaxAgeSeconds,
      now: deps.now(),
    });
    return parseJson(raw);
  }

  const app = new Hono();
  app.onError((err, c) => toResponse(err, c, deps.log));
  app.notFound((c) => c.json({ error: "ERR_NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.get("/healthz", (c) => {
    deps.config();
    return c.json({ status: "ok" });
  });

  app.post("/webhooks/inbound", async (c) => {
    const started = deps.now();
    const event = parseInbound(await signedJson(c.req.raw));
    if (event === null) return c.json({ outcome: "ignored", reason: "not a WhatsApp message" });
    const result = await handleInboundEvent(conversationDeps(), event);
    deps.log({
      level: "info",
      msg: "inbound",
      message_uuid: event.messageUuid,
      customer: maskNumber(event.customer),
      menu: result.menu,
      node: result.node,
      outcome: result.outcome,
      sent: result.sent.length,
      ms: deps.now() - started,
    });
    return c.json({ outcome: result.outcome, node: result.node });
  });

  app.post("/webhooks/status", async (c) => {
    const status = parseStatus(await signedJson(c.req.raw));
    deps.log({ level: "info", msg: "status", message_uuid: status.message_uuid, status: status.status });
    return c.body(null, 204);
  });

  app.post("/flows/:menuId/start", requireAdmin(() => deps.config().adminToken), async (c) => {
    const parsed = startSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
      throw new AppError("ERR_BODY_MALFORMED", 400, `expected {"to": "<customer>", "from": "<business number>"}: ${problems.join("; ")}`);
    }
    const who = { business: parsed.data.from.replace(/^\+/, ""), customer: parsed.data.to.replace(/^\+/, "") };
    const result = await startMenu(conversationDeps(), c.req.param("menuId"), who);
    deps.log({ level: "info", msg: "start", customer: maskNumber(who.customer), menu: result.menu, node: result.node, outcome: result.outcome });
    return c.json({ outcome: result.outcome, node: result.node, message_uuids: result.sent });
  });

  return app;
}
