// @ts-check
/**
 * The agent pane: shown while the customer you hold is handed over to a person (a handover node, or the agent
 * command). It plays the business's agent system: its text goes to the customer through the worker's admin
 * route (refused outside the 24-hour window), and it hands the customer back to the menu. The customer's own
 * messages stay in the chat, each marked `worker: relayed`.
 */

import { h } from "./render.js";

/** @type {{ customer: string | null, handover: { since: string, webhook: string } | null, root: HTMLElement | null }} */
const pane = { customer: null, handover: null, root: null };

/** @param {string} path @param {unknown} [body] */
async function call(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, init).catch(() => null);
  return res === null ? null : { ok: res.ok, json: await res.json().catch(() => ({})) };
}

async function refresh() {
  const customer = pane.customer;
  if (customer === null || pane.root === null) return;
  const answer = await call(`/api/customers/${customer}/agent`);
  if (customer !== pane.customer) return;
  pane.handover = answer?.ok ? (answer.json.handover ?? null) : null;
  draw();
}

/** What the pane shows, so that a refresh which changes none of it leaves the pane, and what the agent is typing, alone. */
let drawn = "";

function draw() {
  const root = pane.root;
  if (root === null) return;
  const shows = pane.handover === null || pane.customer === null ? "" : JSON.stringify([pane.customer, pane.handover.since, pane.handover.webhook]);
  if (shows === drawn) return;
  drawn = shows;
  root.hidden = pane.handover === null;
  if (pane.handover === null || pane.customer === null) return root.replaceChildren();
  const customer = pane.customer;
  const input = /** @type {HTMLInputElement} */ (h("input", { type: "text", class: "agent-text", placeholder: "Answer as the agent", "aria-label": "Agent's answer" }));
  const node = /** @type {HTMLInputElement} */ (h("input", { type: "text", class: "agent-node", placeholder: "node (empty: the start)", "aria-label": "Node to hand back to" }));
  const send = async () => {
    if (input.value.trim() === "") return;
    const answer = await call(`/api/customers/${customer}/agent/reply`, { text: input.value });
    if (answer?.ok) input.value = "";
  };
  const back = async () => {
    await call(`/api/customers/${customer}/agent/handback`, node.value.trim() === "" ? {} : { node: node.value.trim() });
    await refreshSoon();
  };
  /** @param {() => Promise<void>} act */
  const submit = (act) => (/** @type {Event} */ e) => {
    e.preventDefault();
    void act();
  };
  root.replaceChildren(
    h("h2", { class: "agent-title" }, "Agent"),
    h("p", { class: "agent-state" }, `Handed over since ${new Date(pane.handover.since).toLocaleTimeString()}: the bot is quiet, the customer's messages go to ${pane.handover.webhook}`),
    h("form", { class: "agent-reply", onsubmit: submit(send) }, input, h("button", { type: "submit" }, "Send")),
    h("form", { class: "agent-back", onsubmit: submit(back) }, node, h("button", { type: "submit" }, "Hand back")),
  );
}

/** Mounts the pane in `root`. @param {HTMLElement} root */
export function mountAgentPane(root) {
  pane.root = root;
  root.hidden = true;
}

let inFlight = false;
let again = false;

/** One refresh at a time; a call while one runs asks for one more after it, so the last change is always seen. */
async function refreshSoon() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  try {
    do {
      again = false;
      await refresh();
    } while (again);
  } finally {
    inFlight = false;
  }
}

/**
 * The customer whose phone the user holds (or none); called whenever the chat is drawn, so a handover (or a hand
 * back) shows as soon as its message reaches the chat, without polling the worker. @param {string | null} customer
 */
export function holdAgentCustomer(customer) {
  if (customer !== pane.customer) {
    pane.customer = customer;
    pane.handover = null;
    draw();
  }
  void refreshSoon();
}
