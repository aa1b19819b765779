/**
 * The API the simulator's page calls: a live feed of the chats, and the customer's actions. A tap, a list
 * choice, a template's quick reply, typed text or a shared location becomes the inbound webhook Vonage would send, signed, and opens
 * that customer's 24-hour window; a menu start is the business's own call with the admin token. Whatever the
 * worker answers ends up in the chat, failures included. The page can also move a customer's clock forward.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { BusinessEntry, ChatEvent, ChatLog, Customer, CustomerContent, FeedSnapshot, SharedLocation } from "./chat-log.js";
import { bodyTextOf, choicesOf, isButtonMessage } from "./choices.js";
import type { DeliveryReceipts } from "./delivery-receipts.js";
import type { ServiceWindows, WindowState } from "./service-window.js";
import { buttonWebhook, locationWebhook, replyWebhook, textWebhook } from "./vonage-webhooks.js";
import { agentRoutes } from "./agent-api.js";
import { createDueTimers } from "./due-timers.js";
import type { WorkerClient, WorkerResult } from "./worker-client.js";

export interface PageApiOptions {
  log: ChatLog;
  receipts: DeliveryReceipts;
  worker: WorkerClient;
  business: Customer;
  menus: Array<{ id: string; name: string }>;
  windows: ServiceWindows;
}

export interface PageApi {
  /** Routes relative to where it is mounted (`/api`). */
  app: Hono;
  /** The menus the page offers to start, from now on; every open page redraws its chips. */
  setMenus(menus: Array<{ id: string; name: string }>): void;
  /** Ends every open live feed, so a server can close. */
  closeFeeds(): void;
}

const textSchema = z.strictObject({ text: z.string().trim().min(1, "type something first").max(4096, "WhatsApp takes at most 4096 characters") });
const replySchema = z.strictObject({ messageUuid: z.string().min(1), id: z.string().min(1) });
const flowSchema = z.strictObject({ menuId: z.string().min(1) });
const customerSchema = z.strictObject({ name: z.string().trim().min(1).max(40).optional() });
const buttonSchema = z.strictObject({ messageUuid: z.string().min(1), index: z.number().int().min(0) });
/** A place's name or address: optional, and left out of the webhook when empty, as WhatsApp leaves out what a pin lacks. */
const placeText = z.string().trim().max(1000, "at most 1000 characters").optional();
const locationSchema = z.strictObject({
  lat: z.number().min(-90, "a latitude is between -90 and 90").max(90, "a latitude is between -90 and 90"),
  long: z.number().min(-180, "a longitude is between -180 and 180").max(180, "a longitude is between -180 and 180"),
  name: placeText,
  address: placeText,
});
const clockSchema = z.strictObject({ hours: z.number().int().min(1, "move the clock by at least 1 hour").max(240, "move the clock by at most 240 hours at a time") });

/** A 4xx for the page, with a sentence it shows as is. */
const refuse = (c: Context, status: 400 | 403 | 404 | 409, message: string) => c.json({ error: message }, status);

async function bodyOf<T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: true; data: T } | { ok: false; message: string }> {
  const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, message: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") };
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" from a sandboxed frame, or garbage: never our own page
  }
}

/** This API signs webhooks and holds the admin token: only the simulator's own page, not another site, may call it. */
export const sameOriginOnly: MiddlewareHandler = async (c, next) => {
  const origin = c.req.header("Origin");
  if (c.req.method !== "GET" && origin !== undefined && hostOf(origin) !== c.req.header("Host")) {
    return refuse(c, 403, "only the simulator's own page may call its API");
  }
  return next();
};

export function createPageApi(options: PageApiOptions): PageApi {
  const { log, receipts, worker, business, windows } = options;
  const timers = createDueTimers({ worker, business: business.number });
  let menus = options.menus;
  const feeds = new Set<() => void>();
  const menuListeners = new Set<() => void>();
  const app = new Hono();

  /** Shows the customer's own bubble at once, then sends the webhook and marks the bubble with the outcome. */
  async function sendInbound(customer: string, content: CustomerContent, payload: Record<string, unknown>): Promise<WorkerResult> {
    const id = String(payload["message_uuid"]);
    log.put({ kind: "customer", id, customer, content, at: new Date().toISOString(), delivery: "sending" });
    // WhatsApp has the message whatever the worker makes of it: the window opens now.
    windows.wrote(customer);
    const result = await worker.inbound(payload);
    const sent = log.get(id);
    if (sent?.kind !== "customer") return result;
    if (result.ok) {
      const outcome = result.body["outcome"];
      log.put({ ...sent, delivery: "delivered", ...(typeof outcome === "string" ? { outcome } : {}) });
    } else {
      log.put({ ...sent, delivery: "failed" });
      log.notice(customer, "error", "The worker did not take this message", { detail: result.message });
    }
    return result;
  }

  app.use("*", sameOriginOnly);

  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      const windowsNow = log.customers().map((k) => windows.state(k.number));
      const snapshot: FeedSnapshot = { business, customers: log.customers(), menus, entries: log.entries(), windows: windowsNow };
      // `retry`: the page reconnects within a second when the simulator comes back.
      let queue = stream.writeSSE({ event: "snapshot", data: JSON.stringify(snapshot), retry: 1000 });
      // Writes go out in order even when events come faster than the socket drains.
      const write = (event: string, data: unknown) => {
        queue = queue.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => undefined);
      };
      const unsubscribeLog = log.subscribe((event: ChatEvent) => write(event.type, event));
      const unsubscribeWindows = windows.subscribe((window: WindowState) => write("window", { type: "window", window }));
      const menusChanged = () => write("menus", { menus });
      menuListeners.add(menusChanged);
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      feeds.add(end);
      stream.onAbort(end);
      await ended;
      unsubscribeLog();
      unsubscribeWindows();
      menuListeners.delete(menusChanged);
      feeds.delete(end);
    }),
  );

  app.post("/customers", async (c) => {
    const body = await bodyOf(c, customerSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const numbers = log.customers().map((k) => Number(k.number));
    const number = String(Math.max(Number(business.number) + 100, ...numbers) + 1);
    const customer = log.addCustomer({ number, name: body.data.name ?? `Customer ${log.customers().length + 1}` });
    return c.json(customer, 201);
  });

  const customerOf = (c: Context): string | null => {
    const number = c.req.param("number") ?? "";
    return log.hasCustomer(number) ? number : null;
  };
  /** Who a webhook is from: Vonage adds the customer's WhatsApp profile name to the guide's payloads. */
  const sender = (customer: string) => ({
    business: business.number,
    customer,
    profileName: log.customers().find((k) => k.number === customer)?.name ?? `+${customer}`,
  });
  const unknownCustomer = (c: Context) => refuse(c, 404, `no customer ${c.req.param("number") ?? ""}; add one first`);
  agentRoutes(app, { worker, business: business.number, log, customerOf });

  app.post("/customers/:number/messages", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, textSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const payload = textWebhook({ ...sender(customer), text: body.data.text });
    const result = await sendInbound(customer, { type: "text", text: body.data.text }, payload);
    return c.json({ ok: result.ok });
  });

  app.post("/customers/:number/locations", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, locationSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const { lat, long, name, address } = body.data;
    // Shared from the attach menu, as WhatsApp's Location: a pin quotes no message.
    const pin: SharedLocation = { lat, long, ...(name ? { name } : {}), ...(address ? { address } : {}) };
    const payload = locationWebhook({ ...sender(customer), ...pin });
    const result = await sendInbound(customer, { type: "location", ...pin }, payload);
    return c.json({ ok: result.ok });
  });

  app.post("/customers/:number/replies", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, replySchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const message = log.get(body.data.messageUuid);
    if (message?.kind !== "business" || message.customer !== customer || message.content.type !== "interactive") {
      return refuse(c, 404, "that message is not an interactive message in this chat");
    }
    const interactive = message.content.interactive;
    // Title and description come from the message itself, as WhatsApp fills them in.
    const choice = choicesOf(interactive).find((o) => o.id === body.data.id);
    if (choice === undefined) return refuse(c, 404, `the message has no button or row "${body.data.id}"`);
    if (message.rejected !== undefined) return refuse(c, 409, "that message never reached the customer: WhatsApp rejected it");
    // WhatsApp disables a tapped button (the others stay live); a list can be opened and answered again.
    if (isButtonMessage(interactive) && message.chosen.includes(choice.id)) return refuse(c, 409, `"${choice.title}" was already tapped`);
    log.put({ ...message, chosen: [...message.chosen, choice.id] } satisfies BusinessEntry);

    const payload = replyWebhook({ ...sender(customer), ...choice });
    const quoted = { messageUuid: message.id, text: bodyTextOf(interactive) };
    const result = await sendInbound(customer, { type: "reply", ...choice, quoted }, payload);
    return c.json({ ok: result.ok });
  });

  app.post("/customers/:number/buttons", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, buttonSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const message = log.get(body.data.messageUuid);
    if (message?.kind !== "business" || message.customer !== customer || message.content.type !== "template") {
      return refuse(c, 404, "that message is not a template in this chat");
    }
    const template = message.content.template;
    const button = template.buttons.find((b) => b.index === body.data.index);
    if (button === undefined) return refuse(c, 404, `the template has no quick-reply button ${body.data.index}`);
    if (message.rejected !== undefined) return refuse(c, 409, "that message never reached the customer: WhatsApp rejected it");
    // As with reply buttons: a tapped one is disabled, the others stay live.
    const key = String(button.index);
    if (message.chosen.includes(key)) return refuse(c, 409, `"${button.text}" was already tapped`);
    log.put({ ...message, chosen: [...message.chosen, key] } satisfies BusinessEntry);

    const payload = buttonWebhook({ ...sender(customer), payload: button.payload, text: button.text, contextUuid: message.id });
    const quoted = { messageUuid: message.id, text: template.text };
    const result = await sendInbound(customer, { type: "reply", id: button.payload, title: button.text, quoted }, payload);
    return c.json({ ok: result.ok });
  });

  app.post("/customers/:number/clock", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, clockSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    // Only this customer's last message gets older; the webhooks' own timestamps stay real time.
    const state = windows.advance(customer, body.data.hours * 3_600_000);
    // The worker's timers do not see this clock: what came due is fired through the admin API (sim/due-timers.ts).
    // Each notice is placed before its timer fires, so it comes before the message the timer sends; rewritten in
    // place with what the timer did, or with the worker's refusal.
    await timers.moved(customer, body.data.hours * 3_600_000, (timer) => {
      const pending = log.notice(customer, "info", `⏰ ${timer.kind === "handback" ? "the idle handover" : `a timer of "${timer.node}"`} came due ...`);
      return {
        fired: (what) => void log.put({ ...pending, title: `⏰ ${what}` }),
        failed: (message) => void log.put({ ...pending, level: "error", title: `⏰ the worker did not fire the timer of "${timer.node}"`, detail: message }),
      };
    });
    return c.json(state);
  });

  app.post("/customers/:number/flows", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, flowSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const name = menus.find((m) => m.id === body.data.menuId)?.name ?? body.data.menuId;
    // Placed before the call, because the worker sends the first question while it handles it; rewritten in
    // place once the worker answered, so the chat never claims a start the worker refused (an opt-out's 409).
    const pending = log.notice(customer, "info", `Starting the menu "${name}" ...`);
    // The simulator knows the customer's name, as a business's own records would: `{{profile.name}}` is filled.
    const result = await worker.startFlow(body.data.menuId, business.number, customer, log.customers().find((k) => k.number === customer)?.name);
    if (result.ok) log.put({ ...pending, title: `Started the menu "${name}"` });
    else log.put({ ...pending, level: "error", title: `Could not start the menu "${name}"`, detail: result.message });
    return c.json({ ok: result.ok });
  });

  app.post("/customers/:number/read", (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknownCustomer(c);
    receipts.read(customer);
    return c.json({ ok: true });
  });

  return {
    app,
    setMenus(next) {
      menus = next.map((m) => ({ ...m }));
      for (const told of menuListeners) told();
    },
    closeFeeds() {
      for (const end of [...feeds]) end();
    },
  };
}
