// @ts-check
/**
 * The chat simulator's page: draws the chats from the simulator's live feed (server-sent events) and turns
 * taps, list choices and typing into calls to the simulator's API, which sends them to the worker as Vonage
 * would. All state lives in the simulator; the page only draws it, so a reload or a second tab shows the same.
 */

/** @typedef {import("../chat-log.js").Entry} Entry */
/** @typedef {import("../chat-log.js").BusinessEntry} BusinessEntry */
/** @typedef {import("../chat-log.js").CustomerEntry} CustomerEntry */
/** @typedef {import("../chat-log.js").NoticeEntry} NoticeEntry */
/** @typedef {import("../chat-log.js").Customer} Customer */
/** @typedef {import("../chat-log.js").FeedSnapshot} FeedSnapshot */
/**
 * An interactive message as the page reads it; the simulator's Messages API has already checked its shape.
 * @typedef {{
 *   type?: string,
 *   header?: { type?: string, text?: string },
 *   body?: { text?: string },
 *   footer?: { text?: string },
 *   action?: {
 *     button?: string,
 *     buttons?: Array<{ reply?: { id?: string, title?: string } }>,
 *     sections?: Array<{ title?: string, rows?: Array<{ id?: string, title?: string, description?: string }> }>
 *   }
 * }} Interactive
 */

const state = {
  /** @type {FeedSnapshot | null} */
  snapshot: null,
  /** In arrival order; an update keeps its place. @type {Map<string, Entry>} */
  entries: new Map(),
  /** The customer whose phone the user holds. @type {string | null} */
  current: null,
  /** How many entries the current chat had when last drawn, to scroll only when one was added. */
  drawn: 0,
  /** Taps sent but not yet confirmed by the feed, so a double click sends one webhook. @type {Set<string>} */
  tapping: new Set(),
  /** The open list sheet. @type {{ messageUuid: string, rowId: string | null } | null} */
  sheet: null,
  readInFlight: false,
};

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el;
}

/**
 * Creates an element. `on*` attributes are listeners; `true`/`false` set or omit a boolean attribute.
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined | ((e: Event) => void)>} [attrs]
 * @param {Array<Node | string | null | undefined | false>} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (typeof value === "string") el.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

const ICONS = {
  clock: '<svg viewBox="0 0 16 16" width="14" height="14"><path fill="currentColor" d="M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13Zm0 1.3a5.2 5.2 0 1 1 0 10.4A5.2 5.2 0 0 1 8 2.8Zm-.6 1.9v3.8l3 1.8.6-1-2.4-1.5V4.7z"/></svg>',
  one: '<svg viewBox="0 0 16 11" width="16" height="11"><path fill="currentColor" d="M11.1.6 5 7.7 2.3 5.1 1 6.4l4.1 4 7.4-8.6z"/></svg>',
  two: '<svg viewBox="0 0 16 11" width="16" height="11"><path fill="currentColor" d="M11.1.6 5 7.7 2.3 5.1 1 6.4l4.1 4 7.4-8.6zm3.6 0L8.6 7.7l-.7-.7-1.3 1.5 2.1 2 7.4-8.6z"/></svg>',
  failed: '<svg viewBox="0 0 16 16" width="14" height="14"><circle cx="8" cy="8" r="7" fill="currentColor"/><path fill="#fff" d="M7.2 4h1.6v5H7.2zm0 6h1.6v1.6H7.2z"/></svg>',
  reply: '<svg viewBox="0 0 24 24" width="16" height="16"><path fill="currentColor" d="M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z"/></svg>',
  list: '<svg viewBox="0 0 24 24" width="16" height="16"><path fill="currentColor" d="M3 13h2v-2H3zm0 4h2v-2H3zm0-8h2V7H3zm4 4h14v-2H7zm0 4h14v-2H7zM7 7v2h14V7z"/></svg>',
};

/** @param {keyof typeof ICONS} name */
function icon(name) {
  const span = h("span", { class: `icon icon-${name}`, "aria-hidden": "true" });
  span.innerHTML = ICONS[name]; // constant markup, never data
  return span;
}

/** @param {string} iso */
const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** @param {string} path @param {unknown} [body] @returns {Promise<any>} */
async function post(path, body = {}) {
  let res;
  try {
    res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch {
    pageNotice("The simulator does not answer. Is `npm start` still running?");
    return null;
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    pageNotice(typeof json.error === "string" ? json.error : `The simulator answered ${res.status}`);
    return null;
  }
  return json;
}

/** A red line in the current chat that only this page knows about (the simulator refused a request). @param {string} title */
function pageNotice(title) {
  if (state.current === null) return;
  const id = `page-${crypto.randomUUID()}`;
  state.entries.set(id, { kind: "notice", level: "error", id, customer: state.current, at: new Date().toISOString(), title });
  draw();
}

const currentEntries = () => [...state.entries.values()].filter((e) => e.customer === state.current);

// ---- drawing ---------------------------------------------------------------------------------------------

function draw() {
  const snap = state.snapshot;
  if (snap === null) return;
  if (state.current === null || !snap.customers.some((c) => c.number === state.current)) {
    state.current = snap.customers[0]?.number ?? null;
  }
  drawSidebar(snap);
  drawHeader(snap);
  drawMessages(snap);
  markRead();
}

/** @param {FeedSnapshot} snap */
function drawSidebar(snap) {
  $("business-number").textContent = `+${snap.business.number}`;
  const items = snap.customers.map((c) => {
    const mine = [...state.entries.values()].filter((e) => e.customer === c.number);
    const last = mine.filter((e) => e.kind !== "notice").at(-1);
    const unread = c.number === state.current ? 0 : mine.filter((e) => e.kind === "business" && e.tick !== "read").length;
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: `customer${c.number === state.current ? " active" : ""}`,
          "data-customer": c.number,
          "aria-current": c.number === state.current ? "true" : undefined,
          onclick: () => switchTo(c.number),
        },
        h("span", { class: "customer-avatar", "aria-hidden": "true" }, c.name.slice(0, 1).toUpperCase()),
        h(
          "span",
          { class: "customer-text" },
          h("span", { class: "customer-name" }, c.name),
          h("span", { class: "customer-preview" }, last === undefined ? `+${c.number}` : preview(last)),
        ),
        unread > 0 && h("span", { class: "unread", "aria-label": `${unread} unread` }, String(unread)),
      ),
    );
  });
  $("customers").replaceChildren(...items);
}

/** @param {Entry} e */
function preview(e) {
  if (e.kind === "customer") return `You: ${e.content.type === "text" ? e.content.text : e.content.title}`;
  if (e.kind === "business") {
    if (e.content.type === "text") return e.content.text;
    const i = /** @type {Interactive} */ (e.content.interactive);
    return i.body?.text ?? "";
  }
  return e.title;
}

/** @param {FeedSnapshot} snap */
function drawHeader(snap) {
  const me = snap.customers.find((c) => c.number === state.current);
  $("business-name").textContent = snap.business.name;
  $("business-initials").textContent = snap.business.name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  $("chat-sub").textContent = me === undefined ? "" : `+${snap.business.number} · you are ${me.name} (+${me.number})`;
  $("menus").replaceChildren(
    ...snap.menus.map((m) => h("button", { type: "button", class: "chip", "data-menu": m.id, title: `Ask the worker to start "${m.id}" for this customer`, onclick: () => startMenu(m.id) }, m.name)),
  );
}

/** @param {FeedSnapshot} snap */
function drawMessages(snap) {
  const box = $("messages");
  const list = currentEntries();
  const rows = list.map((e) => (e.kind === "business" ? businessRow(e, snap) : e.kind === "customer" ? customerRow(e, snap) : noticeRow(e)));
  if (list.length === 0) rows.push(h("div", { class: "empty" }, "No messages yet. Type something to get the default menu, or start a menu above."));
  box.replaceChildren(...rows);
  if (list.length !== state.drawn) box.scrollTop = box.scrollHeight;
  state.drawn = list.length;
}

/** @param {BusinessEntry["tick"]} tick */
function tickIcon(tick) {
  const el = icon(tick === "accepted" ? "clock" : tick === "submitted" ? "one" : "two");
  el.classList.add("tick", `tick-${tick}`);
  el.setAttribute("data-tick", tick);
  el.removeAttribute("aria-hidden");
  el.setAttribute("aria-label", tick);
  el.setAttribute("role", "img");
  return el;
}

/** @param {BusinessEntry} e @param {FeedSnapshot} _snap */
function businessRow(e, _snap) {
  const meta = h("span", { class: "meta" }, h("time", {}, clock(e.at)), tickIcon(e.tick));
  if (e.content.type === "text") {
    return h("div", { class: "row in", "data-id": e.id }, h("div", { class: "bubble in" }, h("div", { class: "text" }, e.content.text), meta));
  }
  const i = /** @type {Interactive} */ (e.content.interactive);
  const bubble = h(
    "div",
    { class: "bubble in interactive" },
    i.header?.text !== undefined && h("div", { class: "i-header" }, i.header.text),
    h("div", { class: "text" }, i.body?.text ?? ""),
    i.footer?.text !== undefined && h("div", { class: "i-footer" }, i.footer.text),
    meta,
  );
  /** @type {HTMLElement[]} */
  let choices = [];
  if (i.type === "button") {
    choices = (i.action?.buttons ?? []).map((b) => {
      const id = b.reply?.id ?? "";
      const done = e.chosen.includes(id) || state.tapping.has(`${e.id}:${id}`);
      return h("button", { type: "button", class: "choice", "data-reply-id": id, disabled: done, onclick: () => tap(e, id) }, icon("reply"), b.reply?.title ?? "");
    });
  } else if (i.type === "list") {
    choices = [h("button", { type: "button", class: "choice list-open", onclick: () => openSheet(e) }, icon("list"), i.action?.button ?? "")];
  }
  return h("div", { class: "row in", "data-id": e.id }, h("div", { class: "group" }, bubble, choices.length > 0 && h("div", { class: "choices" }, ...choices)));
}

/** @param {CustomerEntry} e @param {FeedSnapshot} snap */
function customerRow(e, snap) {
  const status =
    e.delivery === "sending" ? icon("clock") : e.delivery === "failed" ? icon("failed") : icon("two");
  status.classList.add("delivery", `delivery-${e.delivery}`);
  status.setAttribute("data-delivery", e.delivery);
  const c = e.content;
  const bubble = h(
    "div",
    { class: "bubble out" },
    c.type === "reply" && h("div", { class: "quote" }, h("div", { class: "quote-name" }, snap.business.name), h("div", { class: "quote-text" }, c.quoted.text)),
    h("div", { class: "text" }, c.type === "text" ? c.text : c.title),
    c.type === "reply" && c.description !== undefined && h("div", { class: "reply-desc" }, c.description),
    h("span", { class: "meta" }, h("time", {}, clock(e.at)), status),
  );
  const caption = e.delivery === "failed" ? "not delivered" : e.outcome !== undefined ? `worker: ${e.outcome}` : "";
  return h("div", { class: "row out", "data-id": e.id }, h("div", { class: "group" }, bubble, caption !== "" && h("div", { class: `caption${e.delivery === "failed" ? " failed" : ""}`, "data-outcome": e.outcome }, caption)));
}

/** @param {NoticeEntry} e */
function noticeRow(e) {
  return h(
    "div",
    { class: "row center", "data-id": e.id },
    h(
      "div",
      { class: `notice ${e.level}`, role: e.level === "error" ? "alert" : "note" },
      h("div", { class: "notice-title" }, e.title),
      e.detail !== undefined && h("div", { class: "notice-detail" }, e.detail),
      e.problems !== undefined && h("ul", { class: "notice-problems" }, ...e.problems.map((p) => h("li", {}, p))),
    ),
  );
}

// ---- the list sheet --------------------------------------------------------------------------------------

/** @param {BusinessEntry} e */
function openSheet(e) {
  const i = /** @type {Interactive} */ (e.content.type === "interactive" ? e.content.interactive : {});
  state.sheet = { messageUuid: e.id, rowId: null };
  $("sheet-title").textContent = i.action?.button ?? "";
  const sections = (i.action?.sections ?? []).map((s) =>
    h(
      "section",
      { class: "sheet-section" },
      s.title !== undefined && h("h3", {}, s.title),
      ...(s.rows ?? []).map((r) =>
        h(
          "label",
          { class: "sheet-row" },
          h("span", { class: "sheet-row-text" }, h("span", { class: "sheet-row-title" }, r.title ?? ""), r.description !== undefined && h("span", { class: "sheet-row-desc" }, r.description)),
          h("input", { type: "radio", name: "sheet-row", value: r.id ?? "", onchange: () => chooseRow(r.id ?? "") }),
        ),
      ),
    ),
  );
  $("sheet-sections").replaceChildren(...sections);
  /** @type {HTMLButtonElement} */ ($("sheet-send")).disabled = true;
  $("sheet").hidden = false;
}

/** @param {string} rowId */
function chooseRow(rowId) {
  if (state.sheet === null) return;
  state.sheet.rowId = rowId;
  /** @type {HTMLButtonElement} */ ($("sheet-send")).disabled = false;
}

function closeSheet() {
  state.sheet = null;
  $("sheet").hidden = true;
}

async function sendSheet() {
  const sheet = state.sheet;
  if (sheet === null || sheet.rowId === null || state.current === null) return;
  closeSheet();
  await post(`/api/customers/${state.current}/replies`, { messageUuid: sheet.messageUuid, id: sheet.rowId });
}

// ---- actions ---------------------------------------------------------------------------------------------

/** @param {BusinessEntry} e @param {string} id */
async function tap(e, id) {
  const key = `${e.id}:${id}`;
  if (state.tapping.has(key)) return;
  state.tapping.add(key);
  draw();
  await post(`/api/customers/${e.customer}/replies`, { messageUuid: e.id, id });
  state.tapping.delete(key);
  draw();
}

/** @param {string} menuId */
async function startMenu(menuId) {
  if (state.current !== null) await post(`/api/customers/${state.current}/flows`, { menuId });
}

/** @param {string} number */
function switchTo(number) {
  state.current = number;
  state.drawn = -1;
  history.replaceState(null, "", `#${number}`);
  closeSheet();
  draw();
}

/** The customer looks at the chat: the simulator sends `read` for what was delivered to them. */
function markRead() {
  if (state.current === null || state.readInFlight || document.visibilityState !== "visible") return;
  if (!currentEntries().some((e) => e.kind === "business" && e.tick === "delivered")) return;
  state.readInFlight = true;
  void post(`/api/customers/${state.current}/read`).finally(() => {
    state.readInFlight = false;
  });
}

// ---- wiring ----------------------------------------------------------------------------------------------

function connect() {
  const feed = new EventSource("/api/events");
  const banner = $("connection");
  feed.addEventListener("snapshot", (ev) => {
    const snap = /** @type {FeedSnapshot} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    state.snapshot = snap;
    state.entries = new Map(snap.entries.map((e) => [e.id, e]));
    banner.hidden = true;
    draw();
  });
  feed.addEventListener("entry", (ev) => {
    const { entry } = /** @type {{ entry: Entry }} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    state.entries.set(entry.id, entry);
    draw();
  });
  feed.addEventListener("customers", (ev) => {
    const { customers } = /** @type {{ customers: Customer[] }} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    if (state.snapshot !== null) state.snapshot.customers = customers;
    draw();
  });
  feed.addEventListener("error", () => {
    banner.textContent = "Lost the simulator; reconnecting. Is `npm start` still running?";
    banner.hidden = false;
  });
}

function init() {
  const fromHash = location.hash.slice(1);
  if (/^[0-9]+$/.test(fromHash)) state.current = fromHash;

  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("text"));
    const text = input.value.trim();
    if (text === "" || state.current === null) return;
    input.value = "";
    await post(`/api/customers/${state.current}/messages`, { text });
  });
  $("add-customer").addEventListener("click", async () => {
    const added = await post("/api/customers");
    if (added !== null && typeof added.number === "string") switchTo(added.number);
  });
  $("sheet-close").addEventListener("click", closeSheet);
  $("sheet-send").addEventListener("click", () => void sendSheet());
  $("sheet").addEventListener("click", (ev) => {
    if (ev.target === ev.currentTarget) closeSheet(); // a click on the dimmed chat closes, as in WhatsApp
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") closeSheet();
  });
  document.addEventListener("visibilitychange", markRead);
  connect();
}

init();
