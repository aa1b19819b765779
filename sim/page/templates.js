// @ts-check
/**
 * The page's part for WhatsApp templates and the 24-hour customer-service window: a template bubble with its
 * quick-reply buttons, and the bar that says whether free-form messages still reach the customer, with the control
 * that moves this customer's clock forward. The window's state comes from the simulator's feed, like everything else.
 */

import { businessMeta, h, icon, rejectedCaption } from "./render.js";

/** @typedef {import("../chat-log.js").BusinessEntry} BusinessEntry */
/** @typedef {import("../service-window.js").WindowState} WindowState */

/** A fast-forward mark, drawn rather than an emoji so that it shows without an emoji font. */
function fastForward() {
  const span = h("span", { class: "icon icon-forward", "aria-hidden": "true" });
  span.innerHTML = '<svg viewBox="0 0 16 16" width="12" height="12"><path fill="currentColor" d="M1 3v10l6.5-5zm7 0v10l6.5-5z"/></svg>'; // constant markup
  return span;
}

/** How far the clock control moves a customer's clock, in hours: within the window, just inside, past it. */
const STEPS = [1, 23, 25];

/** Each customer's window, by number, as the feed last told. @type {Map<string, WindowState>} */
const windows = new Map();
/** @type {ReturnType<typeof setTimeout> | undefined} */
let closing;

/** A customer's window by the simulator's clock (aged by the clock control), as the feed last told. @param {string} customer */
export const simulatedWindow = (customer) => windows.get(customer);

/**
 * Keeps the windows from the feed (its snapshot, then each `window` event) and redraws when one changes, or
 * closes by itself as time passes.
 * @param {EventSource} feed @param {() => void} redraw
 */
export function watchWindows(feed, redraw) {
  const changed = () => {
    clearTimeout(closing);
    const next = Math.min(...[...windows.values()].map((w) => (w.closesAt === null ? Infinity : Date.parse(w.closesAt))).filter((t) => t > Date.now()));
    // setTimeout takes at most about 24.8 days; a window is never that long.
    if (Number.isFinite(next)) closing = setTimeout(changed, next - Date.now() + 50);
    redraw();
  };
  // The time left is shown to the minute: redraw each minute while a window is open.
  setInterval(() => {
    if ([...windows.keys()].some(windowOpen)) redraw();
  }, 60_000);
  feed.addEventListener("snapshot", (ev) => {
    const snap = /** @type {{ windows?: WindowState[] }} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    windows.clear();
    for (const w of snap.windows ?? []) windows.set(w.customer, w);
    changed();
  });
  feed.addEventListener("window", (ev) => {
    const { window } = /** @type {{ window: WindowState }} */ (JSON.parse(/** @type {MessageEvent} */ (ev).data));
    windows.set(window.customer, window);
    changed();
  });
}

/** Whether free-form messages reach this customer now. @param {string} customer */
export function windowOpen(customer) {
  const closesAt = windows.get(customer)?.closesAt ?? null;
  return closesAt !== null && Date.parse(closesAt) > Date.now();
}

/** @param {number} ms */
function duration(ms) {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes} min` : `${hours} h ${minutes % 60} min`;
}

/**
 * The line above the chat saying whether the customer's window is open, with the clock control.
 * @param {string} customer @param {(hours: number) => void} onAdvance
 */
export function windowBar(customer, onAdvance) {
  const w = windows.get(customer);
  const wrote = w !== undefined && w.lastInboundAt !== null;
  const open = windowOpen(customer);
  const left = open && w?.closesAt ? Date.parse(w.closesAt) - Date.now() : 0;
  const state = open
    ? `24-hour window open: free-form messages reach this customer for ${duration(left)} more`
    : wrote
      ? "24-hour window closed: only templates can reach this customer"
      : "24-hour window closed (this customer has not written yet): only templates can reach this customer";
  // What a phone shows instead of the sentence, which would be cut there (a phone has no tooltips to read it in).
  const short = open ? `Open: ${duration(left)} left` : wrote ? "Closed: templates only" : "Closed: not written yet";
  return h(
    "div",
    { class: `window-bar ${open ? "open" : "closed"}`, "data-window": open ? "open" : "closed", role: "status" },
    h("span", { class: "window-state", title: state }, state),
    h("span", { class: "window-short", "aria-hidden": "true" }, short),
    h(
      "span",
      { class: "window-clock", role: "group", "aria-label": "Move this customer's clock forward" },
      ...STEPS.map((hours) =>
        h(
          "button",
          {
            type: "button",
            class: "window-step",
            "data-advance": String(hours),
            disabled: !wrote,
            title: wrote ? `Make this customer's last message ${hours} hours older` : "Nothing to age: this customer has not written yet",
            onclick: () => onAdvance(hours),
          },
          fastForward(),
          `+${hours} h`,
        ),
      ),
    ),
  );
}

/**
 * A template as WhatsApp shows it: the filled-in body, and its quick-reply buttons under the bubble.
 * @param {BusinessEntry} e
 * @param {{ tapping: Set<string>, onTapButton: (e: BusinessEntry, index: number) => void }} actions
 */
export function templateRow(e, actions) {
  if (e.content.type !== "template") return h("div", { class: "row in", "data-id": e.id });
  const t = e.content.template;
  const bubble = h("div", { class: "bubble in template", "data-template": `${t.name}/${t.language}` }, h("div", { class: "text" }, t.text), businessMeta(e));
  const buttons = t.buttons.map((b) => {
    const done = e.chosen.includes(String(b.index)) || actions.tapping.has(`${e.id}:button:${b.index}`) || e.rejected !== undefined;
    return h(
      "button",
      { type: "button", class: "choice", "data-button-index": String(b.index), disabled: done, title: "A quick reply of this template", onclick: () => actions.onTapButton(e, b.index) },
      icon("reply"),
      h("span", { class: "choice-title" }, b.text),
    );
  });
  return h("div", { class: "row in", "data-id": e.id }, h("div", { class: "group" }, bubble, buttons.length > 0 && h("div", { class: "choices" }, ...buttons), rejectedCaption(e)));
}
