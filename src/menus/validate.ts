/** Validates a menu document once, when it is loaded or uploaded: schema, WhatsApp limits and routing. */
import type { z } from "zod";
import { MenuInvalidError, type MenuProblem } from "../errors.js";
import { LIMITS } from "./limits.js";
import { menuSchema, type Menu, type MenuNode, type QuestionNode } from "./schema.js";

export interface MenuReport {
  menu: Menu | null;
  /** Hard errors: the menu is refused while there is one. */
  errors: MenuProblem[];
  /** Advice: the menu works, but something in it is probably a mistake. */
  warnings: MenuProblem[];
}

/** `$.nodes.ask.action.buttons[1]`, or `$.nodes["odd key"]` for keys that are not identifiers. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "$";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** The reply ids a question offers, in the order WhatsApp shows them, with their titles. */
export function optionsOf(node: QuestionNode): Array<{ id: string; title: string; description?: string }> {
  const i = node.interactive;
  if (i.type === "button") return i.action.buttons.map((b) => ({ id: b.reply.id, title: b.reply.title }));
  return i.action.sections.flatMap((s) =>
    s.rows.map((r) => (r.description === undefined ? { id: r.id, title: r.title } : { id: r.id, title: r.title, description: r.description })),
  );
}

function zodProblems(error: z.ZodError): MenuProblem[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
}

/** Routing checks that need the whole menu: every option leads somewhere that exists. */
function routingProblems(menu: Menu): { errors: MenuProblem[]; warnings: MenuProblem[] } {
  const errors: MenuProblem[] = [];
  const warnings: MenuProblem[] = [];
  const nodes = menu.nodes;
  const exists = (id: string) => Object.hasOwn(nodes, id);

  if (!exists(menu.start)) errors.push({ path: "$.start", message: `start node "${menu.start}" does not exist` });

  for (const [id, node] of Object.entries(nodes)) {
    const base = ["nodes", id];
    if (node.type === "question") {
      const offered = new Set(optionsOf(node).map((o) => o.id));
      for (const option of offered) {
        if (!Object.hasOwn(node.next, option)) {
          errors.push({ path: jsonPath([...base, "next"]), message: `option "${option}" has no destination; add "${option}": "<node id>" or {"text": "..."}` });
        }
      }
      for (const [option, dest] of Object.entries(node.next)) {
        if (!offered.has(option)) {
          errors.push({ path: jsonPath([...base, "next", option]), message: `"${option}" is not the id of any button or row of this question` });
        } else if (typeof dest === "string" && !exists(dest)) {
          errors.push({ path: jsonPath([...base, "next", option]), message: `destination node "${dest}" does not exist` });
        }
      }
    } else if (node.next !== undefined && !exists(node.next)) {
      errors.push({ path: jsonPath([...base, "next"]), message: `destination node "${node.next}" does not exist` });
    }
  }
  if (errors.length > 0) return { errors, warnings };

  // Text nodes chained with `next` are sent in one go: they must reach a question or an end, briefly.
  for (const id of Object.keys(nodes)) {
    const seen = new Set<string>();
    let cur: string | undefined = id;
    while (cur !== undefined) {
      const node: MenuNode = nodes[cur]!;
      if (seen.has(cur)) {
        errors.push({ path: jsonPath(["nodes", id]), message: `text nodes loop back to "${cur}" without a question in between` });
        break;
      }
      seen.add(cur);
      if (seen.size > LIMITS.chainMax) {
        errors.push({ path: jsonPath(["nodes", id]), message: `more than ${LIMITS.chainMax} messages in a row from here; put a question in between` });
        break;
      }
      cur = node.type === "text" ? node.next : undefined;
    }
  }

  // Nodes no path from the start reaches are probably left over.
  const reached = new Set<string>();
  const queue = exists(menu.start) ? [menu.start] : [];
  while (queue.length > 0) {
    const cur = queue.pop()!;
    if (reached.has(cur)) continue;
    reached.add(cur);
    const node = nodes[cur]!;
    const targets = node.type === "question" ? Object.values(node.next) : [node.next];
    for (const t of targets) if (typeof t === "string") queue.push(t);
  }
  for (const id of Object.keys(nodes)) {
    if (!reached.has(id)) warnings.push({ path: jsonPath(["nodes", id]), message: `node "${id}" cannot be reached from the start node` });
  }
  return { errors, warnings };
}

/** Checks a menu document; never throws. */
export function checkMenu(input: unknown): MenuReport {
  const parsed = menuSchema.safeParse(input);
  if (!parsed.success) return { menu: null, errors: zodProblems(parsed.error), warnings: [] };
  const { errors, warnings } = routingProblems(parsed.data);
  return { menu: errors.length === 0 ? parsed.data : null, errors, warnings };
}

/** Parses a menu document or throws a MenuInvalidError listing every problem. */
export function parseMenu(input: unknown, source?: string): Menu {
  const report = checkMenu(input);
  if (report.menu === null) throw new MenuInvalidError(report.errors, source);
  return report.menu;
}
