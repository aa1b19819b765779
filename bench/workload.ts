/**
 * Simulated customers for the benchmark: each walks a menu the way a person would (taps buttons and list
 * rows, types a number where an input asks for one, sometimes types something that answers nothing, and Vonage
 * sometimes delivers a webhook twice), and knows what the product must answer, so the benchmark also proves it
 * measured correct work.
 */
import type { CompiledMenu, Target } from "../src/menus/compiled.js";
import type { Random } from "../sim/random.js";
import { replyWebhook, textWebhook } from "../sim/vonage-webhooks.js";

export interface Customer {
  number: string;
  /** The question (or input) the product waits on for this customer; null when no conversation is running. */
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
  /** Share of the numbers written to an input that are out of its range (re-asked like a wrong answer). */
  outOfRange: number;
}

/** The benchmark's workload: what share of webhooks are duplicates, typed answers, numbers out of range. */
export const BENCH_MIX: Mix = { duplicates: 0.04, typed: 0.08, outOfRange: 0.2 };

export interface Step {
  body: string;
  /** What the product answers: its `outcome` and the node it then waits on. */
  expect: { outcome: string; node: string | null };
  /** Applies the step to the customer once it was answered. */
  commit(): void;
}

/** The question or input a target leads to, past any text, request and condition nodes; null when it ends the conversation. */
export function questionAt(menu: CompiledMenu, target: Target | undefined): string | null {
  let at = target !== undefined && "node" in target ? target.node : undefined;
  for (let guard = 0; at !== undefined && guard < 64; guard++) {
    const node = menu.nodes[at]!;
    switch (node.kind) {
      case "question":
      case "input":
        return at;
      case "text":
        at = node.next;
        break;
      // Between questions the benchmark's menus chain requests whose every exit leads on...
      case "request":
        at = "node" in node.next ? node.next.node : undefined;
        break;
      // ...and conditions whose every exit leads to the same question, so a customer need not know the variables.
      case "condition": {
        const exits = new Set([...node.when.map((w) => questionAt(menu, w.next)), questionAt(menu, node.else)]);
        if (exits.size !== 1) throw new Error(`condition ${at} leads to different questions (${[...exits].join(", ")}); the workload cannot tell which`);
        return [...exits][0]!;
      }
      default:
        return null;
    }
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
  if (node?.kind !== "question" && node?.kind !== "input") throw new Error(`customer ${c.number} waits on ${c.node}, which is not a question`);
  // Asked again until the menu's patience runs out; then it ends with its give-up text.
  const wrong = (text: string) => {
    const gaveUp = c.attempts + 1 >= menu.settings.maxAttempts;
    return step(textWebhook({ ...base, text }), gaveUp ? "gave_up" : "reprompted", gaveUp ? questionAt(menu, menu.settings.fallback ?? undefined) : c.node, gaveUp ? 0 : c.attempts + 1);
  };
  if (rng.chance(mix.typed)) return wrong("what are my options again?");
  if (node.kind === "input") {
    if (node.rule.type !== "number" || node.rule.min === undefined || node.rule.max === undefined) throw new Error(`input ${c.node}: the workload writes numbers within a min and a max`);
    if (rng.chance(mix.outOfRange)) return wrong(String(node.rule.max + 1 + rng.int(100)));
    const value = node.rule.min + rng.int(node.rule.max - node.rule.min + 1);
    const next = questionAt(menu, node.next);
    return step(textWebhook({ ...base, text: String(value) }), next === null ? "completed" : "advanced", next, 0);
  }
  const option = rng.pick(node.options);
  const reply = { ...base, id: option.id, title: option.title, ...(option.description === undefined ? {} : { description: option.description }) };
  const next = questionAt(menu, option.next);
  return step(replyWebhook(reply), next === null ? "completed" : "advanced", next, 0);
}
