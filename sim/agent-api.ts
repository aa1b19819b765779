/**
 * The agent pane's API (under the page's `/api`): what a person at the business sees and does for a handed-over
 * customer, through the worker's admin routes as an agent system would. The customer's relayed messages stay in
 * the chat (and, signed, in the workbench's webhook inspector when the menu's handover names the local receiver).
 */
import type { Context, Hono } from "hono";
import * as z from "zod";
import type { ChatLog } from "./chat-log.js";
import type { WorkerClient } from "./worker-client.js";

const replySchema = z.strictObject({ text: z.string().trim().min(1, "type the agent's answer first").max(4096) });
const handBackSchema = z.strictObject({ node: z.string().trim().min(1).max(64).optional() });

export interface AgentApiOptions {
  worker: WorkerClient;
  business: string;
  log: ChatLog;
  /** The page API's own check that the number is one of its customers. */
  customerOf(c: Context): string | null;
}

export function agentRoutes(app: Hono, options: AgentApiOptions): void {
  const { worker, business, log } = options;
  const path = (customer: string) => `/sessions/${business}/${customer}`;
  const unknown = (c: Context) => c.json({ error: `no customer ${c.req.param("number") ?? ""}` }, 404);
  const refused = (c: Context, customer: string, message: string) => {
    log.notice(customer, "error", `Agent: ${message}`);
    return c.json({ error: message }, 409);
  };

  app.get("/customers/:number/agent", async (c) => {
    const customer = options.customerOf(c);
    if (customer === null) return unknown(c);
    const view = await worker.admin("GET", path(customer));
    const handover = view.ok ? (view.body["handover"] ?? null) : null;
    return c.json({ handover });
  });

  app.post("/customers/:number/agent/reply", async (c) => {
    const customer = options.customerOf(c);
    if (customer === null) return unknown(c);
    const parsed = replySchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]?.message ?? "a text is needed" }, 400);
    const result = await worker.admin("POST", `${path(customer)}/reply`, { text: parsed.data.text });
    return result.ok ? c.json({ ok: true }) : refused(c, customer, result.message);
  });

  app.post("/customers/:number/agent/handback", async (c) => {
    const customer = options.customerOf(c);
    if (customer === null) return unknown(c);
    const parsed = handBackSchema.safeParse((await c.req.json().catch(() => ({}))) ?? {});
    if (!parsed.success) return c.json({ error: "node must be a node id of the customer's menu" }, 400);
    // Said before the worker is asked: the hand-back sends the menu's question while it answers, and the chat shows
    // what happened in the order it happened.
    log.notice(customer, "info", "Agent: handing back to the menu");
    const result = await worker.admin("POST", `${path(customer)}/handback`, parsed.data.node === undefined ? {} : { node: parsed.data.node });
    if (!result.ok) return refused(c, customer, result.message);
    return c.json({ ok: true });
  });
}
