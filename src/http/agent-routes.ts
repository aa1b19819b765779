/**
 * The agent's routes on a handed-over conversation (under `/admin`, Bearer ADMIN_TOKEN): a text to the customer,
 * handing back to the menu, and firing the customer's pending timer now (support, and local runs where the
 * simulator's clock is not the worker's).
 */
import type { Hono } from "hono/tiny";
import * as z from "zod/mini";
import "../zod-english.js";
import { handBack, agentReply } from "../conversation/handover.js";
import { handleTimer } from "../conversation/timers.js";
import { AppError } from "../errors.js";
import { catchUp, waitingTimer } from "../flow/session.js";
import { LIMITS } from "../menus/limits.js";
import { nodeIdSchema } from "../menus/schema.js";
import { parseJson } from "../vonage/webhooks.js";
import { blankJson } from "../utf8.js";
import { bad, jsonBody, sessionOf } from "./admin-routes.js";
import { readBody } from "./body.js";
import type { ServicesEnv } from "./wiring.js";

const replySchema = z.strictObject({ text: z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.text)) });
const handBackSchema = z.strictObject({ node: z.optional(nodeIdSchema) });

export function agentRoutes(app: Hono<ServicesEnv>): void {
  app.post("/sessions/:business/:customer/reply", async (c) => {
    const { business, customer } = sessionOf(c);
    const parsed = replySchema.safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw bad('the body must be {"text": "<1 to 4096 characters>"}', parsed.error);
    const result = await agentReply(c.var.services.conversation(c), business, customer, parsed.data.text);
    return c.json(result);
  });

  app.post("/sessions/:business/:customer/handback", async (c) => {
    const { business, customer } = sessionOf(c);
    // No body is {}: back to the start. A body that is not JSON (cut short, too large) is refused, not taken as {}.
    const bytes = await readBody(c.req.raw);
    const raw = blankJson(bytes) ? {} : parseJson(bytes, { utf8: "strict" });
    const parsed = handBackSchema.safeParse(raw ?? {});
    if (!parsed.success) throw bad('the body must be {} (back to the start) or {"node": "<node id>"}', parsed.error);
    const result = await handBack(c.var.services.conversation(c), business, customer, parsed.data.node);
    return c.json(result);
  });

  app.post("/sessions/:business/:customer/timer/fire", async (c) => {
    const { business, customer } = sessionOf(c);
    const { sessions } = c.var.services;
    const state = await sessions.load(business, customer);
    const timer = waitingTimer(catchUp(state.session, state.sent).session);
    if (timer === undefined) throw new AppError("ERR_NOT_FOUND", "this customer's conversation waits on no timer");
    const result = await handleTimer(c.var.services.conversation(c), { v: 1, business, customer, ...timer }, { force: true });
    return c.json(result);
  });
}
