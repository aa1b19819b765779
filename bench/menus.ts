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

/** A valid menu document of `nodes` question nodes (at least 1). Throws if the product's compiler disagrees. */
export function generateMenu(menuId: string, nodes: number): MenuDocument {
  const doc = {
    id: menuId,
    name: `Benchmark menu of ${nodes} questions`,
    start: id(0),
    nodes: Object.fromEntries(Array.from({ length: nodes }, (_, i) => [id(i), i % 2 === 0 ? buttonQuestion(i, nodes) : listQuestion(i, nodes)])),
  };
  const report = checkMenu(doc);
  if (report.menu === null) throw new Error(`generated menu ${menuId} is invalid: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return doc;
}
