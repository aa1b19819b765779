/**
 * The workbench's API beside the chat (mounted at `/api/workbench`): the held customer's session as the
 * worker's admin API returns it, its reset, the menu as graph data, and a live feed of what the local webhook
 * receiver took and what became of each edited menu file. Everything is read from the worker, never guessed.
 */
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { menuGraph } from "../src/menus/graph.js";
import { parseMenu } from "../src/menus/compile.js";
import type { ChatLog, Customer } from "./chat-log.js";
import { menuGraphData, type MenuGraphData } from "./menu-graph.js";
import { sameOriginOnly } from "./page-api.js";
import type { ReceivedWebhook, WebhookReceiver } from "./webhook-receiver.js";
import type { WorkerClient } from "./worker-client.js";

/** What became of one menu file that changed while `npm start` ran. */
export interface MenuFileEvent {
  at: string;
  /** As the terminal shows it, relative to where npm start runs. */
  file: string;
  outcome: "published" | "unchanged" | "invalid" | "removed";
  id?: string;
  version?: number;
  /** Every problem, each with its JSON path: nothing was published. */
  problems: string[];
  warnings: string[];
}

export interface WorkbenchSnapshot {
  /** Where the local receiver listens; null when none runs (the tests' rigs). */
  receiverUrl: string | null;
  webhooks: ReceivedWebhook[];
  menuFiles: MenuFileEvent[];
}

export interface MenuGraphResponse {
  id: string;
  version: number;
  graph: MenuGraphData;
  /** What `npx wa-menu graph` prints for it. */
  mermaid: string;
}

export interface WorkbenchOptions {
  log: ChatLog;
  worker: WorkerClient;
  business: Customer;
  receiver?: { receiver: WebhookReceiver; url: string };
}

export interface WorkbenchApi {
  app: Hono;
  /** Tells the page what happened to an edited menu file. */
  menuFile(event: MenuFileEvent): void;
  closeFeeds(): void;
}

const resetSchema = z.strictObject({ clearOptOut: z.boolean().default(false) });

/** The last ones are enough to see what an edit did. */
const MENU_FILE_EVENTS = 20;

export function createWorkbenchApi(options: WorkbenchOptions): WorkbenchApi {
  const { log, worker, business } = options;
  const app = new Hono();
  app.use("*", sameOriginOnly);
  const feeds = new Set<() => void>();
  const listeners = new Set<(event: string, data: unknown) => void>();
  const menuFiles: MenuFileEvent[] = [];
  // Versions are immutable: a version's graph is made once.
  const graphs = new Map<string, Promise<MenuGraphResponse | { error: string; status: number }>>();

  const tell = (event: string, data: unknown) => {
    for (const listener of listeners) listener(event, data);
  };
  options.receiver?.receiver.subscribe((hook) => tell("webhook", hook));

  const customerOf = (c: Context): string | null => {
    const number = c.req.param("number") ?? "";
    return log.hasCustomer(number) ? number : null;
  };
  const unknown = (c: Context) => c.json({ error: `no customer ${c.req.param("number") ?? ""}; add one first` }, 404);

  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      const snapshot: WorkbenchSnapshot = { receiverUrl: options.receiver?.url ?? null, webhooks: options.receiver?.receiver.received() ?? [], menuFiles: [...menuFiles] };
      let queue = stream.writeSSE({ event: "snapshot", data: JSON.stringify(snapshot), retry: 1000 });
      const listener = (event: string, data: unknown) => {
        queue = queue.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => undefined);
      };
      listeners.add(listener);
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      feeds.add(end);
      stream.onAbort(end);
      await ended;
      listeners.delete(listener);
      feeds.delete(end);
    }),
  );

  // The admin API's view, unchanged: what `GET /admin/sessions/{business}/{customer}` answers.
  app.get("/customers/:number/session", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknown(c);
    const result = await worker.admin("GET", `/sessions/${business.number}/${customer}`);
    // What a reset leaves (the customer's window and handled ids, no conversation, no opt-out) is shown as no session.
    const view = result.ok ? (result.body as { session?: { pending?: unknown; answers?: unknown[]; handover?: unknown } | null; optedOut?: boolean }) : null;
    const forgotten = view !== null && view.optedOut !== true && view.session?.pending === null && view.session.answers?.length === 0 && view.session.handover === undefined;
    if (result.ok) return c.json(forgotten ? { found: false } : { found: true, ...result.body });
    if (result.status === 404) return c.json({ found: false });
    return c.json({ error: result.message }, 502);
  });

  app.post("/customers/:number/reset", async (c) => {
    const customer = customerOf(c);
    if (customer === null) return unknown(c);
    const parsed = resetSchema.safeParse(await c.req.json().catch(() => ({})));
    if (!parsed.success) return c.json({ error: 'expected {"clearOptOut": true | false}' }, 400);
    const { clearOptOut } = parsed.data;
    const result = await worker.admin("DELETE", `/sessions/${business.number}/${customer}${clearOptOut ? "?optOut=clear" : ""}`);
    if (!result.ok) {
      log.notice(customer, "error", "Could not reset this customer", { detail: result.message });
      return c.json({ ok: false, error: result.message }, 502);
    }
    // In the chat too: older buttons now answer a conversation the worker has forgotten.
    const optOut = clearOptOut ? "its opt-out cleared too" : "any opt-out kept";
    log.notice(customer, "info", `Reset from the workbench: the worker forgot this conversation (${optOut})`);
    return c.json({ ok: true });
  });

  app.get("/menus/:id/graph", async (c) => {
    const id = c.req.param("id");
    const version = Number(c.req.query("version"));
    if (!Number.isInteger(version) || version < 1) return c.json({ error: "version must be a positive whole number" }, 400);
    const key = `${id}@${version}`;
    let made = graphs.get(key);
    if (made === undefined) {
      made = (async () => {
        const result = await worker.admin("GET", `/menus/${encodeURIComponent(id)}?version=${version}`);
        if (!result.ok) return { error: result.message, status: result.status === 404 ? 404 : 502 };
        try {
          // As the worker compiled it when it was published (local webhooks included, as the local worker allows).
          const menu = parseMenu(result.body["menu"], `menu ${key}`, { allowLocalWebhooks: true });
          return { id, version, graph: menuGraphData(menu), mermaid: menuGraph(menu) };
        } catch (e) {
          return { error: `menu ${key} as stored does not compile: ${e instanceof Error ? e.message : String(e)}`, status: 502 };
        }
      })();
      graphs.set(key, made);
      // A failure is not remembered: the worker may be back, or the version readable, a moment later.
      void made.then((r) => "error" in r && graphs.delete(key));
    }
    const answer = await made;
    return "error" in answer ? c.json({ error: answer.error }, answer.status === 404 ? 404 : 502) : c.json(answer);
  });

  return {
    app,
    menuFile(event) {
      menuFiles.push(event);
      if (menuFiles.length > MENU_FILE_EVENTS) menuFiles.shift();
      tell("menu-file", event);
    },
    closeFeeds() {
      for (const end of [...feeds]) end();
    },
  };
}
