// @ts-check
/**
 * The chat simulator's page: draws the chats from the simulator's live feed (server-sent events) and turns
 * taps, list choices, typing and shared locations into calls to the simulator's API, which sends them to the worker as Vonage
 * would. All state lives in the simulator; the page only draws it, so a reload or a second tab shows the same.
 */

import { businessRow, customerRow, dayDivider, dayKey, dayLabel, h, keepingFocus, noticeRow, optionNumber, patch, preview } from "./render.js";
import { templateRow, watchWindows, windowBar } from "./templates.js";
import { chatChanged, holdCustomer, mountWorkbench, windowsChanged } from "./workbench.js";
import { holdAgentCustomer, mountAgentPane } from "./agent.js";
import { mountLocationSheet } from "./location.js";

/** @typedef {import("../chat-log.js").Entry} Entry */
/** @typedef {import("../chat-log.js").BusinessEntry} BusinessEntry */
/** @typedef {import("../chat-log.js").Customer} Customer */
/** @typedef {import("../chat-log.js").FeedSnapshot} FeedSnapshot */
/** @typedef {import("./render.js").Interactive} Interactive */

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
  /** On a phone-sized screen the customers are a drawer over the chat; the header's button opens it. */
  drawerOpen: false,
};

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el;
}

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

/** The location sheet (location.js), once mounted: a location request message's button opens it too. @type {{ open: () => void } | null} */
let locationSheet = null;

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
  patch($("window"), state.current === null ? [] : [windowBar(state.current, advanceClock)]);
  drawMessages(snap);
  markRead();
  holdCustomer(state.current, snap.customers.find((c) => c.number === state.current)?.name ?? "");
  holdAgentCustomer(state.current);
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
        h("span", { class: "customer-text" }, h("span", { class: "customer-name" }, c.name), h("span", { class: "customer-preview" }, last === undefined ? `+${c.number}` : preview(last))),
        unread > 0 && h("span", { class: "unread", "aria-label": `${unread} unread` }, String(unread)),
      ),
    );
  });
  patch($("customers"), items);
  // With the drawer shut, its button tells that another customer got something.
  const waiting = snap.customers.filter((c) => c.number !== state.current && [...state.entries.values()].some((e) => e.customer === c.number && e.kind === "business" && e.tick !== "read")).length;
  const badge = $("drawer-unread");
  badge.hidden = waiting === 0;
  badge.textContent = String(waiting);
  $("drawer-toggle").setAttribute("aria-label", waiting === 0 ? "Customers" : `Customers (${waiting} with unread messages)`);
}

/** @param {FeedSnapshot} snap */
function drawHeader(snap) {
  const me = snap.customers.find((c) => c.number === state.current);
  $("business-name").textContent = snap.business.name;
  $("business-initials").textContent = snap.business.name
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  $("chat-sub").textContent = me === undefined ? "" : `+${snap.business.number} · you are ${me.name} (+${me.number})`;
  patch(
    $("menus"),
    snap.menus.map((m) =>
      h(
        "button",
        // Named "Start ...", so a menu chip is never mistaken for a reply button with a similar title.
        { type: "button", class: "chip", "data-menu": m.id, "aria-label": `Start ${m.name}`, title: `Ask the worker to start "${m.id}" for this customer`, onclick: () => startMenu(m.id) },
        m.name,
      ),
    ),
  );
}

/** @param {FeedSnapshot} snap */
function drawMessages(snap) {
  const box = $("messages");
  const list = currentEntries();
  const actions = { tapping: state.tapping, onTap: tap, onOpenList: openSheet, onTapButton: tapButton, onRequestLocation: () => locationSheet?.open() };
  const business = (/** @type {BusinessEntry} */ b) => (b.content.type === "template" ? templateRow(b, actions) : businessRow(b, actions));
  /** @type {HTMLElement[]} */
  const rows = [];
  let day = "";
  for (const e of list) {
    // A divider where the chat crosses into another day, as WhatsApp draws them.
    if (dayKey(e.at) !== day) rows.push(dayDivider(dayLabel(e.at)));
    day = dayKey(e.at);
    rows.push(e.kind === "business" ? business(e) : e.kind === "customer" ? customerRow(e, snap.business.name) : noticeRow(e));
  }
  if (list.length === 0) rows.push(h("div", { class: "empty" }, "No messages yet. Type something to get the default menu, or start a menu above."));
  keepingFocus(box, () => patch(box, rows));
  if (list.length !== state.drawn) box.scrollTop = box.scrollHeight;
  state.drawn = list.length;
}

// ---- the list sheet --------------------------------------------------------------------------------------

/** @param {BusinessEntry} e */
function openSheet(e) {
  const i = /** @type {Interactive} */ (e.content.type === "interactive" ? e.content.interactive : {});
  state.sheet = { messageUuid: e.id, rowId: null };
  $("sheet-title").textContent = i.action?.button ?? "";
  // Rows are numbered across sections, as a typed number picks them.
  let n = 0;
  const sections = (i.action?.sections ?? []).map((s) =>
    h(
      "section",
      { class: "sheet-section" },
      s.title !== undefined && h("h3", {}, s.title),
      ...(s.rows ?? []).map((r) =>
        h(
          "label",
          { class: "sheet-row" },
          optionNumber(n++, "sheet-row-number"),
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

/** A tap on a template's quick-reply button. @param {BusinessEntry} e @param {number} index */
async function tapButton(e, index) {
  const key = `${e.id}:button:${index}`;
  if (state.tapping.has(key)) return;
  state.tapping.add(key);
  draw();
  await post(`/api/customers/${e.customer}/buttons`, { messageUuid: e.id, index });
  state.tapping.delete(key);
  draw();
}

/** Makes the current customer's last message older, to see what their 24-hour window allows. @param {number} hours */
async function advanceClock(hours) {
  if (state.current !== null) await post(`/api/customers/${state.current}/clock`, { hours });
}

/** The customer shares a location pin (the composer's location button). @param {import("../chat-log.js").SharedLocation} pin */
async function shareLocation(pin) {
  if (state.current !== null) await post(`/api/customers/${state.current}/locations`, pin);
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
  setDrawer(false);
  draw();
}

/** Opens or shuts the customer drawer (a phone-sized screen; on a wide one the list is always there). @param {boolean} open */
function setDrawer(open) {
  state.drawerOpen = open;
  $("app").classList.toggle("drawer-open", open);
  $("drawer-toggle").setAttribute("aria-expanded", String(open));
  if (open) /** @type {HTMLElement | null} */ (document.querySelector(".customer.active"))?.focus();
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
  watchWindows(feed, () => {
    draw();
    windowsChanged();
  });
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
    chatChanged(entry.customer);
  });
  feed.addEventListener("menus", (ev) => {
    const { menus } = /** @type {{ menus: FeedSnapshot["menus"] }} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    if (state.snapshot !== null) state.snapshot.menus = menus;
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
    if (added === null || typeof added.number !== "string") return;
    // The feed's "customers" event may come after this answer: know the new phone now, or the next render,
    // not finding it, would fall back to the first customer.
    const known = state.snapshot?.customers;
    if (known !== undefined && !known.some((c) => c.number === added.number)) known.push(added);
    switchTo(added.number);
  });
  $("drawer-toggle").addEventListener("click", () => setDrawer(!state.drawerOpen));
  $("drawer-close").addEventListener("click", () => setDrawer(false));
  $("drawer-backdrop").addEventListener("click", () => setDrawer(false));
  $("sheet-close").addEventListener("click", closeSheet);
  $("sheet-send").addEventListener("click", () => void sendSheet());
  $("sheet").addEventListener("click", (ev) => {
    if (ev.target === ev.currentTarget) closeSheet(); // a click on the dimmed chat closes, as in WhatsApp
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    closeSheet();
    setDrawer(false);
  });
  document.addEventListener("visibilitychange", markRead);
  locationSheet = mountLocationSheet({ send: shareLocation });
  mountWorkbench();
  mountAgentPane($("agent"));
  connect();
}

init();
