/**
 * Simulated customers for the benchmark: each walks a menu the way a person would (taps buttons and list
 * rows, sometimes types something that answers nothing, and Vonage sometimes delivers a webhook twice),
 * and knows what the product must answer, so the benchmark also proves it measured correct work.
 */
import type { CompiledMenu, Target } from "../src/menus/compiled.js";
import type { Random } from "../sim/random.js";
import { replyWebhook, textWebhook } from "../sim/vonage-webhooks.js";

export interface Customer {
  number: string;
  /** The question the product waits on for this customer; null when no conversation is running. */
  node: string | null;
  /** Answers in a row that matched nothing: the menu gives up after `maxAttempts`. */
  attempts: number;
  /** The body of the last webhook delivered, to deliver again as a duplicate. */
  last: string | null;
}

export interface Mix {
  /** Share of webhooks delivered a second time. */
  duplicates: number;
  /** Share of answers typed instead of tapped (and matching no option). */
  typed: number;
}

export interface Step {
  body: string;
  /** What the product answers: its `outcome` and the node it then waits on. */
  expect: { outcome: string; node: string | null };
  /** Applies the step to the customer once it was answered. */
  commit(): void;
}

/** The question a target leads to, past any text nodes; null when it ends the conversation. */
export function questionAt(menu: CompiledMenu, target: Target | undefined): string | null {
  let at = target !== undefined && "node" in target ? target.node : undefined;
  for (let guard = 0; at !== undefined && guard < 64; guard++) {
    const node = menu.nodes[at]!;
    if (node.kind === "question") return at;
    // Between questions the benchmark's menus chain text nodes, or a request whose every exit leads on.
    at = node.kind === "text" ? node.next : node.kind === "request" && "node" in node.next ? node.next.node : undefined;
  }
  return null;
}

export function nextStep(menu: CompiledMenu, business: string, c: Customer, mix: Mix, rng: Random): Step {
  const base = { business, customer: c.number, messageUuid: rng.uuid() };
  const step = (payload: Record<string, unknown>, outcome: string, node: string | null, attempts: number): Step => {
    const body = JSON.stringify(payload);
    return {
      body,
      expect: { outcome, node },
      commit: () => {
        c.node = node;
        c.attempts = attempts;
        c.last = body;
      },
    };
  };

  if (c.last !== null && rng.chance(mix.duplicates)) {
    const body = c.last;
    return { body, expect: { outcome: "duplicate", node: c.node }, commit: () => undefined };
  }
  const start = questionAt(menu, { node: menu.start });
  if (c.node === null) return step(textWebhook({ ...base, text: "hi" }), "started", start, 0);
  const node = menu.nodes[c.node];
  if (node?.kind !== "question") throw new Error(`customer ${c.number} waits on ${c.node}, which is not a question`);
  if (rng.chance(mix.typed)) {
    // Asked again until the menu's patience runs out; then it ends with its give-up text.
    const gaveUp = c.attempts + 1 >= menu.settings.maxAttempts;
    return step(
      textWebhook({ ...base, text: "what are my options again?" }),
      gaveUp ? "gave_up" : "reprompted",
      gaveUp ? questionAt(menu, menu.settings.fallback ?? undefined) : c.node,
      gaveUp ? 0 : c.attempts + 1,
    );
  }
  const option = rng.pick(node.options);
  const reply = { ...base, id: option.id, title: option.title, ...(option.description === undefined ? {} : { description: option.description }) };
  const next = questionAt(menu, option.next);
  return step(replyWebhook(reply), next === null ? "completed" : "advanced", next, 0);
}
