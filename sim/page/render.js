// @ts-check
/**
 * Builds the chat's DOM from the simulator's entries: bubbles, location pins, ticks, reply buttons, notices, day dividers. Pure drawing:
 * what a click does is passed in, so the look can change without touching how the page talks to the simulator.
 */

/** @typedef {import("../chat-log.js").Entry} Entry */
/** @typedef {import("../chat-log.js").BusinessEntry} BusinessEntry */
/** @typedef {import("../chat-log.js").CustomerEntry} CustomerEntry */
/** @typedef {import("../chat-log.js").NoticeEntry} NoticeEntry */
/**
 * An interactive message as the page reads it; the simulator's Messages API has already checked its shape.
 * @typedef {{
 *   type?: string,
 *   header?: { type?: string, text?: string, image?: Media, video?: Media, document?: Media },
 *   body?: { text?: string },
 *   footer?: { text?: string },
 *   action?: {
 *     button?: string,
 *     buttons?: Array<{ reply?: { id?: string, title?: string } }>,
 *     sections?: Array<{ title?: string, rows?: Array<{ id?: string, title?: string, description?: string }> }>
 *   }
 * }} Interactive
 */
/** @typedef {{ link?: string, filename?: string }} Media */

/**
 * Creates an element. `on*` attributes are listeners; `true`/`false` set or omit a boolean attribute.
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined | ((e: Event) => void)>} [attrs]
 * @param {Array<Node | string | null | undefined | false>} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
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
  clock:
    '<svg viewBox="0 0 16 16" width="14" height="14"><path fill="currentColor" d="M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13Zm0 1.3a5.2 5.2 0 1 1 0 10.4A5.2 5.2 0 0 1 8 2.8Zm-.6 1.9v3.8l3 1.8.6-1-2.4-1.5V4.7z"/></svg>',
  one: '<svg viewBox="0 0 16 11" width="16" height="11"><path fill="currentColor" d="M11.1.6 5 7.7 2.3 5.1 1 6.4l4.1 4 7.4-8.6z"/></svg>',
  two: '<svg viewBox="0 0 16 11" width="16" height="11"><path fill="currentColor" d="M11.1.6 5 7.7 2.3 5.1 1 6.4l4.1 4 7.4-8.6zm3.6 0L8.6 7.7l-.7-.7-1.3 1.5 2.1 2 7.4-8.6z"/></svg>',
  failed: '<svg viewBox="0 0 16 16" width="14" height="14"><circle cx="8" cy="8" r="7" fill="currentColor"/><path fill="#fff" d="M7.2 4h1.6v5H7.2zm0 6h1.6v1.6H7.2z"/></svg>',
  reply: '<svg viewBox="0 0 24 24" width="16" height="16"><path fill="currentColor" d="M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z"/></svg>',
  list: '<svg viewBox="0 0 24 24" width="16" height="16"><path fill="currentColor" d="M3 13h2v-2H3zm0 4h2v-2H3zm0-8h2V7H3zm4 4h14v-2H7zm0 4h14v-2H7zM7 7v2h14V7z"/></svg>',
  image:
    '<svg viewBox="0 0 24 24" width="24" height="24"><rect x="3" y="4" width="18" height="16" rx="2" fill="none" stroke="currentColor" stroke-width="1.6"/><circle cx="9" cy="9.5" r="1.8" fill="currentColor"/><path d="M4 18l5-5 3.5 3.5L15 14l5 4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/></svg>',
  video: '<svg viewBox="0 0 24 24" width="24" height="24"><circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M10 8v8l6-4z" fill="currentColor"/></svg>',
  pin: '<svg viewBox="0 0 24 24" width="24" height="24"><path fill="currentColor" d="M12 22 6.2 12.8A7 7 0 1 1 17.8 12.8z"/><circle cx="12" cy="9" r="2.6" fill="#fff"/></svg>',
  document:
    '<svg viewBox="0 0 24 24" width="24" height="24"><path d="M6 2.8h8l4.2 4.2v14.2H6z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/><path d="M14 2.8V7h4.2M8.5 12h7M8.5 15h7M8.5 18h4.5" fill="none" stroke="currentColor" stroke-width="1.4"/></svg>',
};

/** @param {keyof typeof ICONS} name */
export function icon(name) {
  const span = h("span", { class: `icon icon-${name}`, "aria-hidden": "true" });
  span.innerHTML = ICONS[name]; // constant markup, never data
  return span;
}

/**
 * Puts `next` in `box` as its children, keeping each child already there that equals the one drawn in its place.
 * The page draws everything again on every status; a button replaced between the press and the release of a click
 * would lose that click (and a hover or focus), so only what changed is replaced.
 * @param {HTMLElement} box
 * @param {HTMLElement[]} next
 */
export function patch(box, next) {
  next.forEach((el, i) => {
    const old = box.childNodes[i];
    if (old === undefined) box.append(el);
    else if (!old.isEqualNode(el)) box.replaceChild(el, old);
  });
  while (box.childNodes.length > next.length) box.lastChild?.remove();
}

/**
 * The element drawn in place of `gone` when the chat was drawn again: the one with its classes (and reply id) in the
 * row of the same message; null when that message or button is no longer there.
 * @param {Element} gone
 * @returns {HTMLElement | null}
 */
export function redrawn(gone) {
  const row = /** @type {HTMLElement | null} */ (gone.closest("[data-id]"));
  if (row === null || gone.classList.length === 0) return null;
  const reply = gone.getAttribute("data-reply-id");
  const own = [...gone.classList].map((c) => `.${CSS.escape(c)}`).join("") + (reply === null ? "" : `[data-reply-id="${CSS.escape(reply)}"]`);
  return document.querySelector(`[data-id="${CSS.escape(row.dataset["id"] ?? "")}"] ${own}`);
}

/**
 * Runs `draw`, which replaces what `box` holds, and gives the focus back to the element drawn in place of the one
 * that had it there: a keyboard user's place in the chat survives a status coming in.
 * @param {HTMLElement} box
 * @param {() => void} draw
 */
export function keepingFocus(box, draw) {
  const focused = document.activeElement !== null && box.contains(document.activeElement) ? document.activeElement : null;
  draw();
  if (focused !== null && !focused.isConnected) /** @type {HTMLElement | null} */ (redrawn(focused))?.focus({ preventScroll: true });
}

/** @param {string} iso */
export const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** The calendar day (in the viewer's time zone) a moment falls on, to tell when a chat crosses into the next. @param {string} iso */
export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * What a day divider says, as WhatsApp does: Today, Yesterday, a weekday within the week, else the date.
 * @param {string} iso @param {Date} [now]
 */
export function dayLabel(iso, now = new Date()) {
  const d = new Date(iso);
  const midnight = (/** @type {Date} */ x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  // Rounded: a day with a daylight-saving change is 23 or 25 hours long.
  const days = Math.round((midnight(now) - midnight(d)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days > 1 && days < 7) return d.toLocaleDateString([], { weekday: "long" });
  return d.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" });
}

/** @param {string} label */
export function dayDivider(label) {
  return h("div", { class: "row center day", role: "separator", "aria-label": label }, h("span", { class: "day-divider" }, label));
}

/** The one line a chat list shows for its last message. @param {Entry} e */
export function preview(e) {
  if (e.kind === "customer") {
    const c = e.content;
    return `You: ${c.type === "text" ? c.text : c.type === "reply" ? c.title : `📍 ${c.name ?? "Location"}`}`;
  }
  if (e.kind === "business") {
    if (e.content.type === "text") return e.content.text;
    if (e.content.type === "template") return e.content.template.text;
    const i = /** @type {Interactive} */ (e.content.interactive);
    return i.body?.text ?? "";
  }
  return e.title;
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

const MEDIA_KINDS = /** @type {const} */ (["image", "video", "document"]);

/** The last part of a link's path, which WhatsApp shows when a document has no file name. @param {string} link */
function fileNameOf(link) {
  try {
    return decodeURIComponent(new URL(link).pathname.split("/").filter(Boolean).at(-1) ?? "") || link;
  } catch {
    return link;
  }
}

/**
 * An image, video or document header as a placeholder naming the kind and the file; never fetched, so the
 * simulator stays offline. The link is in the tooltip.
 * @param {NonNullable<Interactive["header"]>} header
 */
function mediaHeader(header) {
  const kind = MEDIA_KINDS.find((k) => k === header.type);
  if (kind === undefined) return null;
  const media = header[kind] ?? {};
  const link = media.link ?? "";
  const name = media.filename ?? fileNameOf(link);
  return h(
    "div",
    { class: `i-media i-media-${kind}`, "data-media": kind, title: link, role: "img", "aria-label": `${kind}: ${name}` },
    icon(kind),
    h("span", { class: "i-media-kind" }, kind),
    h("span", { class: "i-media-name" }, name),
  );
}

/** A business message's time and tick; a red mark instead of the tick when WhatsApp rejected it. @param {BusinessEntry} e */
export function businessMeta(e) {
  let status = tickIcon(e.tick);
  if (e.rejected !== undefined) {
    status = icon("failed");
    status.classList.add("tick", "tick-rejected");
    status.setAttribute("data-tick", "rejected");
    status.removeAttribute("aria-hidden");
    status.setAttribute("aria-label", "not delivered");
    status.setAttribute("role", "img");
  }
  return h("span", { class: "meta" }, h("time", {}, clock(e.at)), status);
}

/** Under a message WhatsApp rejected: that it never arrived, and why (the status webhook's error). @param {BusinessEntry} e */
export function rejectedCaption(e) {
  if (e.rejected === undefined) return false;
  return h("div", { class: "caption failed", "data-rejected": String(e.rejected.code) }, `not delivered: ${e.rejected.detail} (${e.rejected.code})`);
}

/**
 * A message from the business: text, or an interactive bubble with its buttons (or list button, or a location
 * request's Send location button, which opens the location sheet) under it.
 * @param {BusinessEntry} e
 * @param {{ tapping: Set<string>, onTap: (e: BusinessEntry, id: string) => void, onOpenList: (e: BusinessEntry) => void, onRequestLocation: () => void }} actions
 */
export function businessRow(e, actions) {
  const meta = businessMeta(e);
  if (e.content.type === "text") {
    const bubble = h("div", { class: "bubble in" }, h("div", { class: "text" }, e.content.text), meta);
    return h("div", { class: "row in", "data-id": e.id }, e.rejected === undefined ? bubble : h("div", { class: "group" }, bubble, rejectedCaption(e)));
  }
  const i = /** @type {Interactive} */ (e.content.type === "interactive" ? e.content.interactive : {});
  const bubble = h(
    "div",
    { class: "bubble in interactive" },
    i.header?.type === "text" && i.header.text !== undefined && h("div", { class: "i-header" }, i.header.text),
    i.header !== undefined && i.header.type !== "text" && mediaHeader(i.header),
    h("div", { class: "text" }, i.body?.text ?? ""),
    i.footer?.text !== undefined && h("div", { class: "i-footer" }, i.footer.text),
    meta,
  );
  /** @type {HTMLElement[]} */
  let choices = [];
  if (i.type === "button") {
    choices = (i.action?.buttons ?? []).map((b, n) => {
      const id = b.reply?.id ?? "";
      // A message WhatsApp rejected never reached the phone: nothing in it can be tapped.
      const done = e.chosen.includes(id) || actions.tapping.has(`${e.id}:${id}`) || e.rejected !== undefined;
      return h(
        "button",
        { type: "button", class: "choice", "data-reply-id": id, disabled: done, title: `Tap, or type ${n + 1}`, onclick: () => actions.onTap(e, id) },
        optionNumber(n),
        icon("reply"),
        h("span", { class: "choice-title" }, b.reply?.title ?? ""),
      );
    });
  } else if (i.type === "list") {
    choices = [h("button", { type: "button", class: "choice list-open", disabled: e.rejected !== undefined, onclick: () => actions.onOpenList(e) }, icon("list"), i.action?.button ?? "")];
  } else if (i.type === "location_request_message") {
    // WhatsApp's button, which opens the location picker; it stays live after a pin was sent, as on the phone.
    choices = [
      h(
        "button",
        {
          type: "button",
          class: "choice location-request",
          "aria-haspopup": "dialog",
          "aria-controls": "location-sheet",
          disabled: e.rejected !== undefined,
          onclick: () => actions.onRequestLocation(),
        },
        icon("pin"),
        "Send location",
      ),
    ];
  }
  return h("div", { class: "row in", "data-id": e.id }, h("div", { class: "group" }, bubble, choices.length > 0 && h("div", { class: "choices" }, ...choices), rejectedCaption(e)));
}

/**
 * The number a customer may type for an option (1 for the first), shown small beside it. Left out of the
 * button's accessible name, which stays the option's title as on WhatsApp.
 * @param {number} index
 */
export function optionNumber(index, className = "choice-number") {
  return h("span", { class: className, "aria-hidden": "true" }, `${index + 1}.`);
}

/**
 * A shared location as WhatsApp shows it: a map with the pin, then the place's name and address when the pin has
 * them. The map is drawn, never fetched, so the simulator stays offline; the coordinates are written under it.
 * @param {import("../chat-log.js").SharedLocation} pin
 */
function locationCard(pin) {
  const where = `${pin.lat}, ${pin.long}`;
  return h(
    "div",
    { class: "location", "data-lat": String(pin.lat), "data-long": String(pin.long) },
    h("div", { class: "location-map", role: "img", "aria-label": `Map with a pin at ${where}` }, icon("pin")),
    pin.name !== undefined && h("div", { class: "location-name" }, pin.name),
    pin.address !== undefined && h("div", { class: "location-address" }, pin.address),
    h("div", { class: "location-coords" }, where),
  );
}

/**
 * A message from the customer: typed text, the answer to a button or row (quoting the question), or a location pin.
 * @param {CustomerEntry} e
 * @param {string} businessName
 */
export function customerRow(e, businessName) {
  const status = e.delivery === "sending" ? icon("clock") : e.delivery === "failed" ? icon("failed") : icon("two");
  status.classList.add("delivery", `delivery-${e.delivery}`);
  status.setAttribute("data-delivery", e.delivery);
  const c = e.content;
  const bubble = h(
    "div",
    { class: `bubble out${c.type === "location" ? " location-bubble" : ""}` },
    c.type === "reply" && h("div", { class: "quote" }, h("div", { class: "quote-name" }, businessName), h("div", { class: "quote-text" }, c.quoted.text)),
    c.type === "location" ? locationCard(c) : h("div", { class: "text" }, c.type === "text" ? c.text : c.title),
    c.type === "reply" && c.description !== undefined && h("div", { class: "reply-desc" }, c.description),
    h("span", { class: "meta" }, h("time", {}, clock(e.at)), status),
  );
  const caption = e.delivery === "failed" ? "not delivered" : e.outcome !== undefined ? `worker: ${e.outcome}` : "";
  return h(
    "div",
    { class: "row out", "data-id": e.id },
    h("div", { class: "group" }, bubble, caption !== "" && h("div", { class: `caption${e.delivery === "failed" ? " failed" : ""}`, "data-outcome": e.outcome }, caption)),
  );
}

/** A line from the simulator: red for an error, yellow for a note. @param {NoticeEntry} e */
export function noticeRow(e) {
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
