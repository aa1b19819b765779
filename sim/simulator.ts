/**
 * The chat simulator as one Hono app: Vonage's `POST /v1/messages` (the fake, which the worker calls), the
 * page's files, and the page's API under `/api`. An accepted message becomes a chat bubble and its status
 * webhooks; a rejected one a red line in the chat it was meant for, so a menu mistake shows where it happens.
 * It keeps each customer's 24-hour window, so a free-form message to a customer who has not written lately is
 * refused (`rejected`, 1340) as WhatsApp refuses it, while a template gets through.
 */
import { Hono } from "hono";
import { createChatLog, type BusinessContent, type ChatLog, type Customer } from "./chat-log.js";
import { createDeliveryReceipts, type DeliveryReceipts } from "./delivery-receipts.js";
import type { ExampleBackend } from "./example-backend.js";
import { createFakeMessagesApi, type AcceptedMessage, type FakeMessagesApi } from "./messages-api.js";
import { createPageApi } from "./page-api.js";
import { createServiceWindows, type ServiceWindows } from "./service-window.js";
import { isTemplateBody, readTemplateMessage, showTemplate } from "./template-rules.js";
import type { TemplateRegistry } from "./templates.js";
import type { WebhookReceiver } from "./webhook-receiver.js";
import { createWorkbenchApi, type WorkbenchApi } from "./workbench-api.js";
import type { WorkerClient } from "./worker-client.js";

/** The page's files, read on every request so that an edit shows on reload. */
export type PageFile = "index.html" | "style.css" | "app.js" | "render.js" | "templates.js" | "workbench.js" | "workbench-graph.js" | "agent.js" | "location.js";

export interface SimulatorOptions {
  applicationId: string;
  /** The application's public key: the fake verifies the worker's RS256 JWT with it. */
  publicKey: CryptoKey;
  business: Customer;
  customers: Customer[];
  /** Menus the page offers to start. */
  menus: Array<{ id: string; name: string }>;
  worker: WorkerClient;
  readPage: (file: PageFile) => Promise<string>;
  /** The local receiver of the worker's webhooks, whose deliveries the workbench lists. */
  receiver?: { receiver: WebhookReceiver; url: string };
  /** Pause between status webhooks, so ticks visibly move; default 0. */
  statusDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The business's approved templates (`menus/templates.json` for `npm start`): a template that is not among them,
   * or fills them wrongly, is rejected as WhatsApp rejects it. Without, any well-formed template is delivered.
   */
  templates?: TemplateRegistry;
  /** The example business backend (`menus/booking.json` calls it), served under `/backend`. */
  backend?: ExampleBackend;
}

export interface Simulator {
  app: Hono;
  log: ChatLog;
  receipts: DeliveryReceipts;
  api: FakeMessagesApi;
  /** Each customer's 24-hour window: free-form messages reach only a customer who wrote in the last 24 hours. */
  windows: ServiceWindows;
  workbench: WorkbenchApi;
  /** The menus the page offers to start, from now on (a menu file was added, renamed or removed). */
  setMenus(menus: Array<{ id: string; name: string }>): void;
  /** Ends the page's live feeds, so a server can close. */
  closeFeeds(): void;
}

const CONTENT_TYPES: Record<PageFile, string> = {
  "index.html": "text/html; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "render.js": "text/javascript; charset=utf-8",
  "templates.js": "text/javascript; charset=utf-8",
  "workbench.js": "text/javascript; charset=utf-8",
  "workbench-graph.js": "text/javascript; charset=utf-8",
  "agent.js": "text/javascript; charset=utf-8",
  "location.js": "text/javascript; charset=utf-8",
};

/** `invalid_parameters` as `name: reason` lines; Vonage sends an array, one SDK types a single object. */
function problemLines(invalid: unknown): string[] {
  const list = Array.isArray(invalid) ? invalid : invalid === undefined || invalid === null ? [] : [invalid];
  return list.map((p: { name?: unknown; reason?: unknown }) => `${String(p.name)}: ${String(p.reason)}`);
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

  const windows = createServiceWindows();
  const contentOf = (body: Record<string, unknown>): BusinessContent => {
    if (body["message_type"] === "text") return { type: "text", text: String(body["text"]) };
    const read = isTemplateBody(body) ? readTemplateMessage(body).message : null;
    if (read !== null) return { type: "template", template: showTemplate(read, options.templates) };
    const interactive = (body["custom"] as { interactive?: unknown } | undefined)?.interactive;
    // A location request message too: the page draws its Send location button, which opens the location sheet.
    return { type: "interactive", interactive };
  };

  const api = createFakeMessagesApi({
    applicationId: options.applicationId,
    publicKey: options.publicKey,
    ...(options.templates === undefined ? {} : { templates: options.templates }),
    lastInbound: (customer) => windows.lastInbound(customer),
    onAccepted(message: AcceptedMessage) {
      log.put({ kind: "business", id: message.messageUuid, customer: String(message.body["to"]), at: new Date().toISOString(), content: contentOf(message.body), tick: "accepted", chosen: [] });
      receipts.accepted(message.messageUuid, message.rejection);
    },
  });

  async function reportRejection(raw: string, res: Response): Promise<void> {
    const problem = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    let to: unknown;
    try {
      to = (JSON.parse(raw) as Record<string, unknown>)["to"];
    } catch {
      to = undefined;
    }
    const title = `The Messages API rejected a message: ${res.status} ${String(problem["title"] ?? "")}`.trim();
    const more = { problems: problemLines(problem["invalid_parameters"]), ...(typeof problem["detail"] === "string" ? { detail: problem["detail"] } : {}) };
    // A body too broken to name its customer is shown in every chat rather than nowhere.
    const targets = typeof to === "string" && log.hasCustomer(to) ? [to] : log.customers().map((c) => c.number);
    for (const customer of targets) log.notice(customer, "error", title, more);
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

  const workbench = createWorkbenchApi({ log, worker, business, ...(options.receiver === undefined ? {} : { receiver: options.receiver }) });
  app.route("/api/workbench", workbench.app);
  const backend = options.backend;
  if (backend !== undefined) app.all("/backend/*", (c) => backend.handle(c.req.raw));

  const page = createPageApi({ log, receipts, worker, business, menus: options.menus, windows });
  app.route("/api", page.app);
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  const closeFeeds = () => {
    page.closeFeeds();
    workbench.closeFeeds();
  };
  return { app, log, receipts, api, windows, workbench, setMenus: page.setMenus, closeFeeds };
}
