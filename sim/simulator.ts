/**
 * The chat simulator as one Hono app: Vonage's `POST /v1/messages` (the fake, which the worker calls), the
 * page, and the page's API. A tap or a typed message becomes the inbound webhook Vonage would send, signed;
 * an accepted message becomes a chat bubble and its status webhooks; a rejected one a red line in the chat.
 */
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { createChatLog, type BusinessEntry, type ChatEvent, type ChatLog, type Customer, type CustomerContent, type FeedSnapshot, type NoticeEntry } from "./chat-log.js";
import { bodyTextOf, choicesOf, isButtonMessage } from "./choices.js";
import { createDeliveryReceipts, type DeliveryReceipts } from "./delivery-receipts.js";
import { createFakeMessagesApi, type AcceptedMessage, type FakeMessagesApi } from "./messages-api.js";
import { replyWebhook, textWebhook } from "./vonage-webhooks.js";
import type { WorkerClient } from "./worker-client.js";

/** The page's files, read on every request so that an edit shows on reload. */
export type PageFile = "index.html" | "style.css" | "app.js";

export interface SimulatorOptions {
  applicationId: string;
  /** The application's public key: the fake verifies the worker's RS256 JWT with it. */
  publicKey: CryptoKey;
  business: { number: string; name: string };
  customers: Customer[];
  /** Menus the page offers to start. */
  menus: Array<{ id: string; name: string }>;
  worker: WorkerClient;
  readPage: (file: PageFile) => Promise<string>;
  /** Pause between status webhooks, so ticks visibly move; default 0. */
  statusDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Simulator {
  app: Hono;
  log: ChatLog;
  receipts: DeliveryReceipts;
  api: FakeMessagesApi;
  /** Ends the page's live feeds, so a server can close. */
  closeFeeds(): void;
}

const CONTENT_TYPES: Record<PageFile, string> = {
  "index.html": "text/html; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
};

const textSchema = z.strictObject({ text: z.string().trim().min(1, "type something first").max(4096, "WhatsApp takes at most 4096 characters") });
const replySchema = z.strictObject({ messageUuid: z.string().min(1), id: z.string().min(1) });
const flowSchema = z.strictObject({ menuId: z.string().min(1) });
const customerSchema = z.strictObject({ name: z.string().trim().min(1).max(40).optional() });

const now = () => new Date().toISOString();

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" from a sandboxed frame, or garbage: never our own page
  }
}

/** A 4xx for the page, with a sentence it shows as is. */
const refuse = (c: Context, status: 400 | 403 | 404 | 409, message: string) => c.json({ error: message }, status);

async function bodyOf<T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: true; data: T } | { ok: false; message: string }> {
  const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, message: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") };
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const { business, worker } = options;
  const log = createChatLog(options.customers);
  const receipts = createDeliveryReceipts({
    log,
    worker,
    business: business.number,
    ...(options.statusDelayMs === undefined ? {} : { delayMs: options.statusDelayMs }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  /** Ends each open live feed; called when the server stops. */
  const feeds = new Set<() => void>();

  const notice = (customer: string, level: NoticeEntry["level"], title: string, detail?: string, problems?: string[]) =>
    log.put({
      kind: "notice",
      level,
      id: crypto.randomUUID(),
      customer,
      at: now(),
      title,
      ...(detail === undefined ? {} : { detail }),
      ...(problems === undefined ? {} : { problems }),
    });

  const api = createFakeMessagesApi({
    applicationId: options.applicationId,
    publicKey: options.publicKey,
    onAccepted(message: AcceptedMessage) {
      const body = message.body;
      const customer = String(body["to"]);
      const custom = body["custom"] as { interactive?: unknown } | undefined;
      log.put({
        kind: "business",
        id: message.messageUuid,
        customer,
        at: now(),
        content: body["message_type"] === "text" ? { type: "text", text: String(body["text"]) } : { type: "interactive", interactive: custom?.interactive },
        tick: "accepted",
        chosen: [],
      });
      receipts.accepted(message.messageUuid);
    },
  });

  /** Puts a Messages API rejection in the chat it was meant for, so a menu mistake is seen where it happens. */
  async function reportRejection(raw: string, res: Response): Promise<void> {
    const problem = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    let to: unknown;
    try {
      to = (JSON.parse(raw) as Record<string, unknown>)["to"];
    } catch {
      to = undefined;
    }
    const invalid = problem["invalid_parameters"];
    const problems = (Array.isArray(invalid) ? invalid : invalid === undefined ? [] : [invalid]).map((p: { name?: unknown; reason?: unknown }) => `${String(p.name)}: ${String(p.reason)}`);
    const title = `The Messages API rejected a message: ${res.status} ${String(problem["title"] ?? "")}`.trim();
    const detail = typeof problem["detail"] === "string" ? problem["detail"] : undefined;
    const targets = typeof to === "string" && log.hasCustomer(to) ? [to] : log.customers().map((c) => c.number);
    for (const customer of targets) notice(customer, "error", title, detail, problems.length > 0 ? problems : undefined);
  }

  /** Shows the customer's own bubble at once, then sends the webhook and marks the bubble with the outcome. */
  async function sendInbound(entry: { id: string; customer: string; content: CustomerContent }, payload: Record<string, unknown>) {
    log.put({ kind: "customer", ...entry, at: now(), delivery: "sending" });
    const result = await worker.inbound(payload);
    const sent = log.get(entry.id);
    if (sent?.kind !== "customer") return result;
    if (result.ok) {
      const outcome = result.body["outcome"];
      log.put({ ...sent, delivery: "delivered", ...(typeof outcome === "string" ? { outcome } : {}) });
    } else {
      log.put({ ...sent, delivery: "failed" });
      notice(entry.customer, "error", "The worker did not take this message", result.message);
    }
    return result;
  }

  const app = new Hono();

  app.post("/v1/messages", async (c) => {
    const raw = await c.req.text();
    const res = await api.app.request("/v1/messages", { method: "POST", headers: c.req.raw.headers, body: raw });
    if (res.status >= 400) await reportRejection(raw, res.clone());
    return res;
  });

  for (const file of Object.keys(CONTENT_TYPES) as PageFile[]) {
    app.get(file === "index.html" ? "/" : `/${file}`, async (c) => c.body(await options.readPage(file), 200, { "Content-Type": CONTENT_TYPES[file], "Cache-Control": "no-store" }));
  }

  // The page's API signs webhooks and holds the admin token: only this page, not another site, may call it.
  app.use("/api/*", async (c, next) => {
    const origin = c.req.header("Origin");
    if (c.req.method !== "GET" && origin !== undefined && hostOf(origin) !== c.req.header("Host")) {
      return refuse(c, 403, "only the simulator's own page may call its API");
    }
    return next();
  });

  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      // Writes go out in order even when events come faster than the socket drains.
      const snapshot: FeedSnapshot = { business, customers: log.customers(), menus: options.menus, entries: log.entries() };
      // `retry`: the page reconnects within a second when the simulator comes back.
      let queue = stream.writeSSE({ event: "snapshot", data: JSON.stringify(snapshot), retry: 1000 });
      const unsubscribe = log.subscribe((event: ChatEvent) => {
        queue = queue.then(() => stream.writeSSE({ event: event.type, data: JSON.stringify(event) })).catch(() => undefined);
      });
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      feeds.add(end);
      stream.onAbort(end);
      await ended;
      unsubscribe();
      feeds.delete(end);
    }),
  );

  app.post("/api/customers", async (c) => {
    const body = await bodyOf(c, customerSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const numbers = log.customers().map((k) => Number(k.number));
    const number = String(Math.max(Number(business.number) + 100, ...numbers) + 1);
    const customer = log.addCustomer({ number, name: body.data.name ?? `Customer ${log.customers().length + 1}` });
    return c.json(customer, 201);
  });

  const withCustomer = (c: Context): string | null => {
    const number = c.req.param("number") ?? "";
    return log.hasCustomer(number) ? number : null;
  };
  const unknownCustomer = (c: Context) => refuse(c, 404, `no customer ${c.req.param("number") ?? ""}; add one first`);

  app.post("/api/customers/:number/messages", async (c) => {
    const customer = withCustomer(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, textSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const payload = textWebhook({ business: business.number, customer, text: body.data.text });
    const result = await sendInbound({ id: String(payload["message_uuid"]), customer, content: { type: "text", text: body.data.text } }, payload);
    return c.json({ ok: result.ok });
  });

  app.post("/api/customers/:number/replies", async (c) => {
    const customer = withCustomer(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, replySchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const message = log.get(body.data.messageUuid);
    if (message?.kind !== "business" || message.customer !== customer || message.content.type !== "interactive") {
      return refuse(c, 404, "that message is not an interactive message in this chat");
    }
    const interactive = message.content.interactive;
    const choice = choicesOf(interactive).find((o) => o.id === body.data.id);
    if (choice === undefined) return refuse(c, 404, `the message has no button or row "${body.data.id}"`);
    // WhatsApp disables a tapped button (the others stay live); a list can be opened and answered again.
    if (isButtonMessage(interactive) && message.chosen.includes(choice.id)) return refuse(c, 409, `"${choice.title}" was already tapped`);
    log.put({ ...message, chosen: [...message.chosen, choice.id] } satisfies BusinessEntry);

    const payload = replyWebhook({ business: business.number, customer, ...choice });
    const quoted = { messageUuid: message.id, text: bodyTextOf(interactive) };
    const result = await sendInbound({ id: String(payload["message_uuid"]), customer, content: { type: "reply", ...choice, quoted } }, payload);
    return c.json({ ok: result.ok });
  });

  app.post("/api/customers/:number/flows", async (c) => {
    const customer = withCustomer(c);
    if (customer === null) return unknownCustomer(c);
    const body = await bodyOf(c, flowSchema);
    if (!body.ok) return refuse(c, 400, body.message);
    const menu = options.menus.find((m) => m.id === body.data.menuId);
    // Before the call: the worker sends the first question while it handles it.
    notice(customer, "info", `Started the menu "${menu?.name ?? body.data.menuId}"`);
    const result = await worker.startFlow(body.data.menuId, business.number, customer);
    if (!result.ok) notice(customer, "error", `Could not start the menu "${body.data.menuId}"`, result.message);
    return c.json({ ok: result.ok });
  });

  app.post("/api/customers/:number/read", (c) => {
    const customer = withCustomer(c);
    if (customer === null) return unknownCustomer(c);
    receipts.read(customer);
    return c.json({ ok: true });
  });

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  return {
    app,
    log,
    receipts,
    api,
    closeFeeds() {
      for (const end of [...feeds]) end();
    },
  };
}
