// @ts-check
/**
 * Draws a menu's graph in the workbench without a graph library (the simulator works offline): one card per
 * node in the order a customer meets them, each listing its ways out to another card or to a closing text. The
 * card the customer is at is highlighted, the answers they gave are ticked on their ways, and where it ended is marked.
 */

import { h } from "./render.js";

/** @typedef {import("../workbench-api.js").MenuGraphResponse} MenuGraphResponse */
/** @typedef {import("../menu-graph.js").GraphWay} GraphWay */
/** @typedef {import("../menu-graph.js").GraphTarget} GraphTarget */
/** @typedef {import("../menu-graph.js").GraphCard} GraphCard */
/** @typedef {import("../../src/flow/types.js").Session} Session */

/** The card last highlighted, so the view scrolls to it only when it moves. @type {string | null} */
let shownAt = null;

/** @param {string} node */
const cardId = (node) => `wb-node-${node.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** @param {string} node */
function jumpTo(node) {
  const card = document.getElementById(cardId(node));
  if (card === null) return;
  card.scrollIntoView({ block: "nearest", behavior: "smooth" });
  card.classList.remove("flash");
  void card.offsetWidth; // restarts the animation
  card.classList.add("flash");
}

/**
 * Where a finished conversation ended: the way its last answer took, followed through texts that lead on.
 * @param {MenuGraphResponse["graph"]} graph @param {Session} session
 * @returns {{ node: string, option: string | null } | null}
 */
function endOf(graph, session) {
  const last = session.answers.at(-1);
  if (session.pending !== null || last === undefined) return null;
  const way = graph.cards.find((c) => c.id === last.node)?.ways.find((w) => w.options.includes(last.id));
  if (way === undefined) return null;
  if (!("node" in way.to)) return { node: last.node, option: last.id };
  // A text node ended it, maybe after others that lead on to it.
  let at = way.to.node;
  for (let hops = 0; hops < graph.cards.length; hops++) {
    const next = graph.cards.find((c) => c.id === at)?.ways[0]?.to;
    if (next === undefined || !("node" in next)) break;
    at = next.node;
  }
  return { node: at, option: null };
}

/** @param {GraphTarget | { back: true } | { stop: string }} to */
function target(to) {
  if ("node" in to) {
    const node = to.node;
    return h("button", { type: "button", class: "wb-to", title: `Show ${node}`, onclick: () => jumpTo(node) }, node);
  }
  if ("back" in to) return h("span", { class: "wb-end" }, "the previous question");
  if ("stop" in to) return h("span", { class: "wb-end" }, h("span", { class: "wb-end-mark" }, "opts out: "), to.stop);
  return h(
    "span",
    { class: "wb-end" },
    h("span", { class: "wb-end-mark" }, "ends: "),
    to.text,
    to.webhook !== undefined && h("span", { class: "wb-webhook", title: to.webhook }, `posts the answers to ${to.webhook}`),
  );
}

/**
 * @param {GraphWay} way @param {string | undefined} chosen the option answered here, if any
 * @param {boolean} endedHere
 */
function wayRow(way, chosen, endedHere) {
  const taken = chosen !== undefined && way.options.includes(chosen);
  return h(
    "li",
    { class: `wb-way${taken ? " taken" : ""}${endedHere ? " ended-here" : ""}`, "data-options": way.options.join(" ") },
    taken && h("span", { class: "wb-tick", "aria-label": "answered" }, "✓"),
    h("span", { class: "wb-way-labels" }, way.labels.length === 0 ? "then" : way.labels.join(" / ")),
    h("span", { class: "wb-arrow", "aria-hidden": "true" }, "→"),
    target(way.to),
    endedHere && h("span", { class: "wb-here" }, "ended here"),
  );
}

/**
 * @param {GraphCard} card @param {string} start @param {Session | null} session
 * @param {{ node: string, option: string | null } | null} end
 */
function cardOf(card, start, session, end) {
  const current = session?.pending?.node === card.id;
  const chosen = session?.answers.findLast((a) => a.node === card.id)?.id;
  const endedHere = end !== null && end.option === null && end.node === card.id;
  const kind = card.kind === "question" ? (card.style ?? "question") : "text";
  return h(
    "li",
    {
      id: cardId(card.id),
      class: `wb-node${current ? " current" : ""}${chosen !== undefined ? " answered" : ""}${endedHere ? " ended" : ""}${card.unreachable ? " unreachable" : ""}`,
      "data-node": card.id,
      "aria-current": current ? "step" : undefined,
    },
    h(
      "div",
      { class: "wb-node-head" },
      h("code", { class: "wb-node-id" }, card.id),
      h("span", { class: "wb-kind" }, kind),
      card.id === start && h("span", { class: "wb-kind start" }, "start"),
      card.unreachable && h("span", { class: "wb-kind" }, "not reached by answers"),
      current && h("span", { class: "wb-here" }, "waiting here"),
      endedHere && h("span", { class: "wb-here" }, "ended here"),
    ),
    h("p", { class: "wb-node-text" }, card.text),
    card.ways.length > 0 && h("ul", { class: "wb-ways" }, ...card.ways.map((w) => wayRow(w, chosen, end !== null && end.node === card.id && end.option !== null && w.options.includes(end.option)))),
    card.ends !== undefined &&
      h(
        "p",
        { class: "wb-end" },
        h("span", { class: "wb-end-mark" }, "ends the conversation"),
        card.ends.webhook !== undefined && h("span", { class: "wb-webhook" }, `posts the answers to ${card.ends.webhook}`),
      ),
  );
}

/** Brings the highlighted card into view (the tab was hidden when it moved). */
export function scrollToCurrent() {
  document.querySelector(".wb-node.current, .wb-node.ended, .wb-way.ended-here")?.scrollIntoView({ block: "nearest" });
}

/**
 * The graph tab's content.
 * @param {MenuGraphResponse | null} response @param {Session | null} session
 * @returns {Node[]}
 */
export function drawGraph(response, session) {
  if (session === null) return [h("p", { class: "wb-empty" }, "No conversation: start a menu (or type something) to see its graph here.")];
  if (response === null) return [h("p", { class: "wb-error" }, `The worker has no version ${session.menuVersion} of ${session.menuId}.`)];
  const { graph } = response;
  const end = endOf(graph, session);
  const at = session.pending?.node ?? end?.node ?? null;
  const out = [
    h(
      "p",
      { class: "wb-graph-title" },
      h("code", {}, `${response.id}`),
      ` version ${response.version}: `,
      session.pending === null ? "the conversation ended" : h("span", {}, "the customer is at ", h("code", { "data-current-node": session.pending.node }, session.pending.node)),
    ),
    h("ol", { class: "wb-graph" }, ...graph.cards.map((c) => cardOf(c, graph.start, session, end))),
    h(
      "section",
      { class: "wb-node wb-anytime" },
      h("div", { class: "wb-node-head" }, h("span", { class: "wb-kind" }, "typed at any time")),
      h(
        "ul",
        { class: "wb-ways" },
        ...graph.commands.map((c) =>
          h("li", { class: "wb-way" }, h("span", { class: "wb-way-labels" }, c.words.join(" / ")), h("span", { class: "wb-arrow", "aria-hidden": "true" }, "→"), target(c.to)),
        ),
        h(
          "li",
          { class: "wb-way" },
          h("span", { class: "wb-way-labels" }, `${graph.fallback.afterAttempts} answer${graph.fallback.afterAttempts === 1 ? "" : "s"} matching nothing`),
          h("span", { class: "wb-arrow", "aria-hidden": "true" }, "→"),
          target(graph.fallback.to),
        ),
      ),
    ),
    h("details", { class: "wb-raw" }, h("summary", {}, "Mermaid, as npx wa-menu graph prints it"), h("pre", {}, response.mermaid)),
  ];
  if (at !== shownAt) {
    shownAt = at;
    // Once drawn: the card the customer moved to comes into view.
    if (at !== null) requestAnimationFrame(() => document.getElementById(cardId(at))?.scrollIntoView({ block: "nearest" }));
  }
  return out;
}
