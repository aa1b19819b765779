/**
 * Menus of any size for the benchmark: `nodes` questions, buttons and lists in turn, every one reachable,
 * each with an option that ends the conversation; optionally with data nodes (backend requests, a number input
 * and conditions). Checked with the product's own compiler.
 */
import { checkMenu } from "../src/menus/compile.js";
import type { MenuDocument, MenuNodeDoc } from "../src/menus/schema.js";

const id = (i: number) => `q${i}`;

function buttonQuestion(i: number, n: number): MenuNodeDoc {
  return {
    type: "question",
    interactive: {
      type: "button",
      header: { type: "text", text: `Step ${i + 1} of ${n}` },
      body: { text: `Question ${i + 1}: which way would you like to go from here? Pick one of the buttons below.` },
      footer: { text: "Reply any time within 24 hours" },
      action: {
        buttons: [
          { type: "reply", reply: { id: `b${i}-next`, title: "Next" } },
          { type: "reply", reply: { id: `b${i}-jump`, title: "Jump ahead" } },
          { type: "reply", reply: { id: `b${i}-done`, title: "Done" } },
        ],
      },
    },
    next: {
      [`b${i}-next`]: id((i + 1) % n),
      [`b${i}-jump`]: id((i * 7 + 3) % n),
      [`b${i}-done`]: { text: `Thank you! You finished at step ${i + 1}.` },
    },
  };
}

function listQuestion(i: number, n: number): MenuNodeDoc {
  const rows = (from: number, count: number) =>
    Array.from({ length: count }, (_, k) => ({ id: `r${i}-${from + k}`, title: `Option ${from + k + 1}`, description: `Goes on to another question (${from + k + 1})` }));
  const sections = [
    { title: "Carry on", rows: rows(0, 3) },
    { title: "Or", rows: [{ id: `r${i}-done`, title: "Finish here", description: "Ends the conversation" }] },
  ];
  const next: Record<string, string | { text: string }> = { [`r${i}-done`]: { text: `All set: you finished at step ${i + 1}.` } };
  for (const [k, row] of sections[0]!.rows.entries()) next[row.id] = id((i + 1 + k * 11) % n);
  return {
    type: "question",
    interactive: {
      type: "list",
      header: { type: "text", text: `Step ${i + 1} of ${n}` },
      body: { text: `Question ${i + 1}: choose from the list where to go next.` },
      action: { button: "Choose", sections },
    },
    next,
  };
}

/**
 * Puts a node made by `before` in front of every question but the first, named `prefix` + the question's id:
 * every answer that led to that question leads through it.
 */
function inFront(nodes: Record<string, unknown>, prefix: string, before: (question: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const via = (dest: unknown) => (typeof dest === "string" && dest !== id(0) ? `${prefix}${dest}` : dest);
  for (const [key, node] of Object.entries(nodes) as Array<[string, { type: string; next: unknown }]>) {
    const next = typeof node.next === "object" && node.next !== null ? Object.fromEntries(Object.entries(node.next).map(([reply, dest]) => [reply, via(dest)])) : via(node.next);
    out[key] = { ...node, next };
    if (key !== id(0)) out[`${prefix}${key}`] = before(key);
  }
  return out;
}

/** Each answer that leads on calls `backend` (a signed POST with the answer in its body, one saved value), then asks the question. */
const request = (backend: string) => (question: string) => ({
  type: "request",
  url: `${backend}/check`,
  body: { before: question, tapped: "{{answers.q0.id}}" },
  save: { stock: "stock" },
  next: question,
  failure: question,
  timeoutMs: 2000,
});

/** The first question becomes a number input (`people`, 1 to 20); a condition on it leads on to every other question. */
function withFlow(questions: Record<string, MenuNodeDoc>, n: number): Record<string, unknown> {
  const input = {
    type: "input",
    text: "How many people are coming? Write a number from 1 to 20.",
    var: "people",
    validate: { type: "number", min: 1, max: 20, integer: true },
    reprompt: "Please write a whole number from 1 to 20.",
    next: id(1 % n),
  };
  // Both exits lead to the question, so the customers need not know the number to know what comes next.
  const condition = (question: string) => ({ type: "condition", when: [{ if: { var: "people", gte: 10 }, next: question }], else: question });
  return inFront({ ...questions, [id(0)]: input }, "c-", condition);
}

export interface MenuOptions {
  /** A request to this backend before every question but the first. */
  backend?: string;
  /** A number input first and a condition before every other question (see `withFlow`). */
  flow?: boolean;
}

/** A valid menu document of `nodes` question nodes (at least 1), with data nodes as `options` says. Throws if the product's compiler disagrees. */
export function generateMenu(menuId: string, nodes: number, options: MenuOptions = {}): MenuDocument {
  const questions = Object.fromEntries(Array.from({ length: nodes }, (_, i) => [id(i), i % 2 === 0 ? buttonQuestion(i, nodes) : listQuestion(i, nodes)]));
  let all: Record<string, unknown> = questions;
  if (options.flow) all = withFlow(questions, nodes);
  if (options.backend !== undefined) all = inFront(all, "r-", request(options.backend));
  const extras = `${options.backend === undefined ? "" : ", a request before each"}${options.flow ? ", a number input and conditions" : ""}`;
  const doc = { id: menuId, name: `Benchmark menu of ${nodes} questions${extras}`, start: id(0), nodes: all };
  const report = checkMenu(doc, { allowLocalWebhooks: true });
  if (report.menu === null) throw new Error(`generated menu ${menuId} is invalid: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return doc as MenuDocument;
}
