// @ts-check
/**
 * The workbench beside the chat: the held customer's session as the worker's admin API returns it, the menu as a
 * graph with the node the customer is at, a reset, and the webhooks the local receiver took. It reads everything
 * from the simulator (which asks the worker) after every change the chat's feed reports, so it never guesses.
 */

import { clock, dayKey, h } from "./render.js";
import { simulatedWindow } from "./templates.js";
import { drawGraph, scrollToCurrent } from "./workbench-graph.js";

/** @typedef {import("../workbench-api.js").WorkbenchSnapshot} WorkbenchSnapshot */
/** @typedef {import("../workbench-api.js").MenuFileEvent} MenuFileEvent */
/** @typedef {import("../workbench-api.js").MenuGraphResponse} MenuGraphResponse */
/** @typedef {import("../webhook-receiver.js").ReceivedWebhook} ReceivedWebhook */
/** @typedef {import("../../src/flow/types.js").Session} Session */
/** @typedef {import("../../src/flow/types.js").SentRecord} SentRecord */
/** What the admin API answers for a customer, or that it has nothing. @typedef {{ found: false } | { found: true, session: Session | null, optedOut: boolean, sent: SentRecord | null, window?: { open: boolean, closesAt: string | null, lastInboundAt?: string, closedAt?: string }, timers?: Array<import("../../src/flow/types.js").Timer>, handover?: import("../../src/flow/types.js").Handover | null }} SessionView */

const TABS = /** @type {const} */ (["session", "graph", "webhooks"]);
/** @typedef {typeof TABS[number]} Tab */
const OPEN_KEY = "workbench-open";

const wb = {
  /** @type {string | null} */
  customer: null,
  name: "",
  /** @type {Tab} */
  tab: "session",
  /** @type {SessionView | null} */
  view: null,
  /** @type {string | null} */
  error: null,
  /** The graph of the session's menu version, fetched once per version. @type {Map<string, Promise<MenuGraphResponse | null>>} */
  graphs: new Map(),
  /** @type {MenuGraphResponse | null} */
  graph: null,
  /** @type {WorkbenchSnapshot} */
  feed: { receiverUrl: null, webhooks: [], menuFiles: [] },
  /** Answers to older requests are dropped: only the last one asked is drawn. */
  asked: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  timer: undefined,
  resetting: false,
  /** How many menu-file events the user dismissed: the box shows again for the next one. */
  filesDismissed: 0,
};

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el;
}

/** @param {string} path @returns {Promise<any>} */
async function getJson(path) {
  const res = await fetch(path);
  const json = await res.json().catch(() => ({}));
  if (!res.ok && res.status !== 404) throw new Error(typeof json.error === "string" ? json.error : `the simulator answered ${res.status}`);
  return res.ok ? json : null;
}

// ---- the panel and its toggle ------------------------------------------------------------------------------

const isOpen = () => $("app").classList.contains("workbench-open");

/** @param {boolean} open */
function setOpen(open) {
  $("app").classList.toggle("workbench-open", open);
  const toggle = $("workbench-toggle");
  toggle.setAttribute("aria-expanded", String(open));
  toggle.setAttribute("title", open ? "Hide the workbench" : "Show the workbench: session, graph, webhooks");
  localStorage.setItem(OPEN_KEY, String(open));
  if (open) refreshSoon(0);
}

/** @param {Tab} tab */
function setTab(tab) {
  wb.tab = tab;
  draw();
  if (tab === "graph") scrollToCurrent();
}

function build() {
  const panel = $("workbench");
  panel.replaceChildren(
    h(
      "header",
      { class: "wb-header" },
      h("div", { class: "wb-title" }, h("h2", {}, "Workbench"), h("div", { id: "wb-who", class: "wb-who" })),
      h("button", { type: "button", class: "wb-close", "aria-label": "Close the workbench", onclick: () => setOpen(false) }, "×"),
    ),
    h("div", { id: "wb-files", class: "wb-files" }),
    h(
      "div",
      { class: "wb-tabs", role: "tablist", "aria-label": "Workbench" },
      ...TABS.map((t) =>
        h(
          "button",
          { type: "button", role: "tab", id: `wb-tab-${t}`, class: "wb-tab", "aria-controls": `wb-panel-${t}`, "data-tab": t, onclick: () => setTab(t) },
          t === "graph" ? "Graph" : t === "session" ? "Session" : "Webhooks",
        ),
      ),
    ),
    ...TABS.map((t) => h("section", { id: `wb-panel-${t}`, class: "wb-panel", role: "tabpanel", "aria-labelledby": `wb-tab-${t}` })),
  );
}

// ---- refreshing ------------------------------------------------------------------------------------------

/** Asks for the session again a moment later, once a burst of chat updates (a message and its ticks) is over. */
function refreshSoon(delayMs = 150) {
  clearTimeout(wb.timer);
  wb.timer = setTimeout(() => void refresh(), delayMs);
}

async function refresh() {
  const customer = wb.customer;
  if (customer === null || !isOpen()) return;
  const asked = ++wb.asked;
  try {
    /** @type {SessionView} */
    const view = await getJson(`/api/workbench/customers/${customer}/session`);
    const session = view.found ? view.session : null;
    const graph = session === null ? null : await graphOf(session.menuId, session.menuVersion);
    if (asked !== wb.asked) return;
    wb.view = view;
    wb.graph = graph;
    wb.error = null;
  } catch (e) {
    if (asked !== wb.asked) return;
    wb.error = e instanceof Error ? e.message : String(e);
  }
  draw();
}

/** @param {string} id @param {number} version */
function graphOf(id, version) {
  const key = `${id}@${version}`;
  let made = wb.graphs.get(key);
  if (made === undefined) {
    made = getJson(`/api/workbench/menus/${encodeURIComponent(id)}/graph?version=${version}`);
    wb.graphs.set(key, made);
    made.catch(() => wb.graphs.delete(key));
  }
  return made;
}

/** @param {boolean} clearOptOut */
async function reset(clearOptOut) {
  if (wb.customer === null || wb.resetting) return;
  wb.resetting = true;
  draw();
  try {
    const res = await fetch(`/api/workbench/customers/${wb.customer}/reset`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ clearOptOut }) });
    if (!res.ok) wb.error = ((await res.json().catch(() => ({}))).error ?? `the simulator answered ${res.status}`).toString();
  } catch {
    wb.error = "The simulator does not answer. Is `npm start` still running?";
  } finally {
    wb.resetting = false;
  }
  await refresh();
}

// ---- drawing ---------------------------------------------------------------------------------------------

function draw() {
  $("wb-who").textContent = wb.customer === null ? "" : `${wb.name} (+${wb.customer})`;
  for (const t of TABS) {
    const selected = t === wb.tab;
    const tab = $(`wb-tab-${t}`);
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`wb-panel-${t}`).hidden = !selected;
  }
  const hooks = wb.feed.webhooks.length;
  $("wb-tab-webhooks").textContent = hooks === 0 ? "Webhooks" : `Webhooks (${hooks})`;
  drawFiles();
  drawSession();
  const session = wb.view?.found ? wb.view.session : null;
  $("wb-panel-graph").replaceChildren(...drawGraph(wb.graph, session));
  drawWebhooks();
}

/**
 * The window as WhatsApp would count it. The worker counts from the customer's last message in real time; the
 * clock control ages that message in the simulator only (its fake WhatsApp refuses by it), so once a customer's clock
 * was moved on, the simulator's count is what their next message meets, and the worker's is said beside it.
 * @param {NonNullable<SessionView & { found: true }>["window"] & {}} w
 * @param {import("../service-window.js").WindowState | undefined} simulated
 */
function windowFact(w, simulated) {
  const aged = simulated?.lastInboundAt != null && w.lastInboundAt !== undefined && Date.parse(simulated.lastInboundAt) < Date.parse(w.lastInboundAt) - 1000;
  if (w.open && aged && simulated !== undefined) {
    if (simulated.open) return { open: true, said: `open until ${when(/** @type {string} */ (simulated.closesAt))} by the simulator's clock: free-form messages reach them` };
    const until = w.closesAt === null ? "" : ` until ${when(w.closesAt)}`;
    return { open: false, said: `closed by the simulator's clock: only templates reach them (the worker, on real time, counts it open${until}; WhatsApp refuses its next free-form message, 1340)` };
  }
  if (w.open) return { open: true, said: `open until ${when(/** @type {string} */ (w.closesAt))}: free-form messages reach them` };
  return { open: false, said: w.closedAt !== undefined ? `closed (WhatsApp said so at ${when(w.closedAt)}): only templates reach them` : "closed: only templates reach them" };
}

/** A moment of today as its time; of another day with the day too (a window closes tomorrow). @param {string} iso */
const when = (iso) => (dayKey(iso) === dayKey(new Date().toISOString()) ? clock(iso) : `${new Date(iso).toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })} ${clock(iso)}`);

/** @param {string} term @param {Node | string} value */
const fact = (term, value, attrs = {}) => [h("dt", {}, term), h("dd", attrs, value)];

function drawSession() {
  const panel = $("wb-panel-session");
  const view = wb.view;
  /** @type {Array<Node>} */
  const out = [];
  if (wb.error !== null) out.push(h("p", { class: "wb-error", role: "alert" }, wb.error));
  if (view === null) {
    out.push(h("p", { class: "wb-muted" }, "Reading the session ..."));
  } else if (!view.found) {
    out.push(h("p", { class: "wb-empty", "data-session": "none" }, `The worker has no session for ${wb.name}: the next message starts the default menu.`));
  } else {
    const s = view.session;
    const pending = s?.pending ?? null;
    const facts = [
      ...fact("Menu", s === null ? "none (only the opt-out is stored)" : `${s.menuId} · version ${s.menuVersion}`),
      ...fact("Waiting at", s === null ? "-" : pending === null ? "nothing: the conversation ended" : h("span", {}, h("code", {}, pending.node), ` since ${clock(pending.at)}`), {
        "data-pending-node": pending?.node ?? "",
      }),
      ...fact("Attempts", String(s?.attempts ?? 0)),
      ...fact("Opted out", view.optedOut ? "yes: nothing is sent until they write a start word" : "no", { "data-opted-out": String(view.optedOut) }),
    ];
    const w = view.window;
    if (w !== undefined) {
      const { open, said } = windowFact(w, wb.customer === null ? undefined : simulatedWindow(wb.customer));
      facts.push(...fact("24-hour window", said, { "data-window": open ? "open" : "closed" }));
    }
    const timer = view.timers?.[0];
    if (timer !== undefined) facts.push(...fact("Timer", `${timer.kind === "reminder" ? `reminder ${timer.count + 1}` : "idle hand-back"} due ${clock(timer.due)}`, { "data-timer": timer.kind }));
    const handover = view.handover ?? null;
    facts.push(...fact("Handed over", handover === null ? "no: the bot answers" : `yes, since ${clock(handover.since)}: messages go to the agent`, { "data-handover": String(handover !== null) }));
    const vars = Object.entries(s?.vars ?? {});
    if (vars.length > 0) facts.push(...fact("Variables", h("span", {}, ...vars.flatMap(([k, v], i) => [i > 0 ? ", " : "", h("code", {}, k), ` = ${v}`]))));
    if (s !== null) facts.push(...fact("Conversation", `started ${clock(s.startedAt)}, last step ${clock(s.updatedAt)}`));
    if (pending?.failed !== undefined)
      facts.push(...fact("Not delivered", `${pending.failed.status}${pending.failed.code === undefined ? "" : ` ${pending.failed.code}`}: ${pending.failed.title ?? ""}`));
    if (view.sent?.refused !== undefined) facts.push(...fact("Refused", `${view.sent.refused.status} ${view.sent.refused.title}`));
    if (view.sent !== null) facts.push(...fact("Sent record", `step ${view.sent.step}: ${view.sent.done} done, ${view.sent.uuids.length} message${view.sent.uuids.length === 1 ? "" : "s"}`));
    out.push(h("dl", { class: "wb-facts" }, ...facts));
    const answers = s?.answers ?? [];
    out.push(
      h("h3", {}, "Answers"),
      answers.length === 0
        ? h("p", { class: "wb-muted" }, "none yet")
        : h("ol", { class: "wb-answers" }, ...answers.map((a) => h("li", {}, h("code", {}, a.node), " → ", h("strong", {}, a.title), h("span", { class: "wb-muted" }, ` (${a.id}, ${clock(a.at)})`)))),
    );
    out.push(
      h(
        "details",
        { class: "wb-raw" },
        h("summary", {}, "As the admin API returns it"),
        h("pre", {}, JSON.stringify({ session: s, optedOut: view.optedOut, sent: view.sent, window: view.window, timers: view.timers, handover: view.handover }, null, 2)),
      ),
    );
  }
  const clear = /** @type {HTMLInputElement} */ (h("input", { type: "checkbox", id: "wb-clear-opt-out" }));
  out.push(
    h(
      "div",
      { class: "wb-reset" },
      h(
        "button",
        { type: "button", class: "wb-button danger", disabled: wb.resetting || wb.customer === null, onclick: () => void reset(clear.checked) },
        wb.resetting ? "Resetting ..." : "Reset this customer",
      ),
      h("label", { for: "wb-clear-opt-out" }, clear, " also clear the opt-out"),
      h("p", { class: "wb-muted" }, "Deletes the stored conversation through the admin API; the chat keeps its messages."),
    ),
  );
  panel.replaceChildren(...out);
}

function drawFiles() {
  const last = wb.feed.menuFiles.at(-1);
  const box = $("wb-files");
  box.hidden = last === undefined || wb.feed.menuFiles.length <= wb.filesDismissed;
  if (last === undefined) return;
  const said =
    last.outcome === "published"
      ? `published ${last.id} as version ${last.version}`
      : last.outcome === "unchanged"
        ? `unchanged (${last.id} version ${last.version})`
        : last.outcome === "removed"
          ? "removed: still published in local KV"
          : `not published: ${last.problems.length} problem${last.problems.length === 1 ? "" : "s"}`;
  box.className = `wb-files ${last.outcome === "invalid" ? "bad" : "good"}`;
  box.setAttribute("data-outcome", last.outcome);
  box.replaceChildren(
    h(
      "div",
      {},
      h("div", {}, h("time", {}, clock(last.at)), " ", h("code", {}, last.file), ` ${said}`),
      last.problems.length > 0 && h("ul", {}, ...last.problems.map((p) => h("li", {}, p))),
      last.warnings.length > 0 && h("ul", { class: "wb-muted" }, ...last.warnings.map((w) => h("li", {}, `warning: ${w}`))),
    ),
    h(
      "button",
      {
        type: "button",
        class: "wb-dismiss",
        "aria-label": "Dismiss",
        onclick: () => {
          wb.filesDismissed = wb.feed.menuFiles.length;
          box.hidden = true;
        },
      },
      "×",
    ),
  );
}

function drawWebhooks() {
  const panel = $("wb-panel-webhooks");
  const url = wb.feed.receiverUrl;
  const intro = h(
    "p",
    { class: "wb-muted" },
    url === null
      ? "No local receiver runs here."
      : `The local receiver at ${url} takes the worker's webhooks (menus naming https://example.com/... reach it) and verifies each with the dev COMPLETION_WEBHOOK_SECRET.`,
  );
  const hooks = [...wb.feed.webhooks].reverse();
  panel.replaceChildren(
    intro,
    hooks.length === 0
      ? h("p", { class: "wb-empty" }, "Nothing received yet: finish a menu whose closing text names a webhook.")
      : h(
          "ol",
          { class: "wb-hooks" },
          ...hooks.map((w) =>
            h(
              "li",
              { class: `wb-hook ${w.verified ? "verified" : "unverified"}`, "data-verified": String(w.verified), "data-webhook-id": w.webhookId ?? "" },
              h(
                "div",
                { class: "wb-hook-head" },
                h("time", { datetime: w.at }, new Date(w.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })),
                h("span", { class: "wb-badge" }, w.verified ? "✓ verified" : "✗ not verified"),
                h("code", {}, `${w.method} ${w.path}`),
                h("span", { class: "wb-muted" }, `→ ${w.status}`),
                w.repeat && h("span", { class: "wb-badge repeat", title: "This webhook-id arrived before: deduplicate on it" }, "repeat"),
              ),
              h("div", { class: "wb-hook-id" }, "webhook-id ", h("code", {}, w.webhookId ?? "(none)")),
              w.problem !== undefined && h("p", { class: "wb-error" }, w.problem),
              h("pre", { class: "wb-json" }, typeof w.body === "string" ? w.body : JSON.stringify(w.body, null, 2)),
            ),
          ),
        ),
  );
}

// ---- wiring ----------------------------------------------------------------------------------------------

function connect() {
  const feed = new EventSource("/api/workbench/events");
  feed.addEventListener("snapshot", (ev) => {
    wb.feed = /** @type {WorkbenchSnapshot} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    draw();
  });
  feed.addEventListener("webhook", (ev) => {
    wb.feed.webhooks.push(/** @type {ReceivedWebhook} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data)));
    wb.feed.webhooks = wb.feed.webhooks.slice(-100);
    draw();
  });
  feed.addEventListener("menu-file", (ev) => {
    wb.feed.menuFiles.push(/** @type {MenuFileEvent} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data)));
    draw();
  });
}

/**
 * The customer the user holds; the chat calls this whenever it draws. A new one is read at once.
 * @param {string | null} customer @param {string} name
 */
export function holdCustomer(customer, name) {
  wb.name = name;
  if (customer === wb.customer) return;
  wb.customer = customer;
  wb.view = null;
  wb.graph = null;
  draw();
  refreshSoon(0);
}

/** A customer's window changed by the simulator's clock: drawn again, from what the page holds. */
export function windowsChanged() {
  if (wb.view !== null) draw();
}

/** Something happened in a chat (a message in or out, a tick, a notice): the held customer's session may have moved. @param {string} customer */
export function chatChanged(customer) {
  if (customer === wb.customer) refreshSoon();
}

export function mountWorkbench() {
  build();
  // Open from the start where the chat keeps a phone's width beside it (unless closed there before); on a narrower
  // screen it waits behind the header's button (and under 1000 px covers the chat when opened).
  const roomy = window.matchMedia("(min-width: 1280px)").matches;
  setOpen(roomy && localStorage.getItem(OPEN_KEY) !== "false");
  $("workbench-toggle").addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && isOpen() && !window.matchMedia("(min-width: 1000px)").matches) setOpen(false);
  });
  connect();
}
