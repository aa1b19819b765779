/**
 * Menus of any size for the benchmark: `nodes` questions, buttons and lists in turn, every one reachable,
 * each with an option that ends the conversation. Checked with the product's own compiler.
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
 * Puts a request node in front of every question but the first: each answer that leads on calls `backend` (a
 * signed POST with the answer in its body, one saved value), then asks the question.
 */
function withRequests(nodes: Record<string, MenuNodeDoc>, backend: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const via = (dest: unknown) => (typeof dest === "string" && dest !== id(0) ? `r-${dest}` : dest);
  for (const [key, node] of Object.entries(nodes)) {
    if (node.type !== "question" || !("next" in node)) continue;
    out[key] = { ...node, next: Object.fromEntries(Object.entries(node.next).map(([reply, dest]) => [reply, via(dest)])) };
    if (key !== id(0))
      out[`r-${key}`] = { type: "request", url: `${backend}/check`, body: { before: key, tapped: "{{answers.q0.id}}" }, save: { stock: "stock" }, next: key, failure: key, timeoutMs: 2000 };
  }
  return out;
}

/**
 * A valid menu document of `nodes` question nodes (at least 1); with `backend`, a request before each question
 * (see `withRequests`). Throws if the product's compiler disagrees.
 */
export function generateMenu(menuId: string, nodes: number, backend?: string): MenuDocument {
  const questions = Object.fromEntries(Array.from({ length: nodes }, (_, i) => [id(i), i % 2 === 0 ? buttonQuestion(i, nodes) : listQuestion(i, nodes)]));
  const doc = {
    id: menuId,
    name: `Benchmark menu of ${nodes} questions${backend === undefined ? "" : ", a request before each"}`,
    start: id(0),
    nodes: backend === undefined ? questions : withRequests(questions, backend),
  };
  const report = checkMenu(doc, { allowLocalWebhooks: true });
  if (report.menu === null) throw new Error(`generated menu ${menuId} is invalid: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return doc as MenuDocument;
}
