/**
 * Simulated customers for the benchmark: each walks a menu the way a person would (taps buttons and list
 * rows, sometimes types instead, and Vonage sometimes delivers a webhook twice), and knows what the product
 * must answer, so the benchmark also proves it measured correct work.
 */
import type { Destination, Menu } from "../src/menus/schema.js";
import { optionsOf } from "../src/menus/validate.js";
import type { Random } from "../sim/random.js";
import { replyWebhook, textWebhook } from "../sim/vonage-webhooks.js";

export interface Customer {
  number: string;
  /** The question the product waits on for this customer; null when no conversation is running. */
  node: string | null;
  /** The body of the last webhook delivered, to deliver again as a duplicate. */
  last: string | null;
}

export interface Mix {
  /** Share of webhooks delivered a second time. */
  duplicates: number;
  /** Share of answers typed instead of tapped. */
  typed: number;
}

export interface Step {
  body: string;
  /** What the product answers: its `outcome` and the node it then waits on. */
  expect: { outcome: string; node: string | null };
  /** Applies the step to the customer once it was answered as expected. */
  commit(): void;
}

/** The question a destination leads to, past any text nodes; null when it ends the conversation. */
export function questionAt(menu: Menu, dest: Destination | undefined): string | null {
  let at = dest;
  for (let guard = 0; typeof at === "string" && guard < 64; guard++) {
    const node = menu.nodes[at]!;
    if (node.type === "question") return at;
    at = node.next;
  }
  return null;
}

export function nextStep(menu: Menu, business: string, c: Customer, mix: Mix, rng: Random): Step {
  const base = { business, customer: c.number, messageUuid: rng.uuid() };
  const step = (payload: Record<string, unknown>, outcome: string, node: string | null): Step => {
    const body = JSON.stringify(payload);
    return { body, expect: { outcome, node }, commit: () => ((c.node = node), (c.last = body)) };
  };

  if (c.last !== null && rng.chance(mix.duplicates)) {
    const body = c.last;
    return { body, expect: { outcome: "duplicate", node: c.node }, commit: () => undefined };
  }
  if (c.node === null) return step(textWebhook({ ...base, text: "hi" }), "started", questionAt(menu, menu.start));
  const node = menu.nodes[c.node];
  if (node?.type !== "question") throw new Error(`customer ${c.number} waits on ${c.node}, which is not a question`);
  if (rng.chance(mix.typed)) return step(textWebhook({ ...base, text: "what are my options again?" }), "reprompted", c.node);
  const option = rng.pick(optionsOf(node));
  const reply = { ...base, id: option.id, title: option.title, ...(option.description === undefined ? {} : { description: option.description }) };
  const next = questionAt(menu, node.next[option.id]);
  return step(replyWebhook(reply), next === null ? "completed" : "advanced", next);
}
