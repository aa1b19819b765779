/**
 * The chat simulator as one Hono app: Vonage's `POST /v1/messages` (the fake, which the worker calls), the
 * page's files, and the page's API under `/api`. An accepted message becomes a chat bubble and its status
 * webhooks; a rejected one a red line in the chat it was meant for, so a menu mistake shows where it happens.
 */
import { Hono } from "hono";
import { createChatLog, type ChatLog, type Customer } from "./chat-log.js";
import { createDeliveryReceipts, type DeliveryReceipts } from "./delivery-receipts.js";
import { createFakeMessagesApi, type AcceptedMessage, type FakeMessagesApi } from "./messages-api.js";
import { createPageApi } from "./page-api.js";
import type { WebhookReceiver } from "./webhook-receiver.js";
import { createWorkbenchApi, type WorkbenchApi } from "./workbench-api.js";
import type { WorkerClient } from "./worker-client.js";

/** The page's files, read on every request so that an edit shows on reload. */
export type PageFile = "index.html" | "style.css" | "app.js" | "render.js" | "workbench.js" | "workbench-graph.js";

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
}

export interface Simulator {
  app: Hono;
  log: ChatLog;
  receipts: DeliveryReceipts;
  api: FakeMessagesApi;
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
  "workbench.js": "text/javascript; charset=utf-8",
  "workbench-graph.js": "text/javascript; charset=utf-8",
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

  const api = createFakeMessagesApi({
    applicationId: options.applicationId,
    publicKey: options.publicKey,
    onAccepted(message: AcceptedMessage) {
      const body = message.body;
      const custom = body["custom"] as { interactive?: unknown } | undefined;
      log.put({
        kind: "business",
        id: message.messageUuid,
        customer: String(body["to"]),
        at: new Date().toISOString(),
        content: body["message_type"] === "text" ? { type: "text", text: String(body["text"]) } : { type: "interactive", interactive: custom?.interactive },
        tick: "accepted",
        chosen: [],
      });
      receipts.accepted(message.messageUuid);
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
  const page = createPageApi({ log, receipts, worker, business, menus: options.menus });
  app.route("/api", page.app);
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  const closeFeeds = () => {
    page.closeFeeds();
    workbench.closeFeeds();
  };
  return { app, log, receipts, api, workbench, setMenus: page.setMenus, closeFeeds };
}
