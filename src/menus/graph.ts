/**
 * Draws a compiled menu as a Mermaid flowchart: questions, options on the edges, texts and closing texts, and
 * where the typed commands and the fallback lead.
 */
import { clip } from "../flow/clip.js";
import { unreachable } from "../unreachable.js";
import type { CompiledMenu, ConditionTest, MenuSettings, Target } from "./compiled.js";

const LABEL_MAX = 60;

/**
 * What Mermaid reads as syntax even inside a quoted label: `"` ends it, `#...;` is an entity code, `;` ends a
 * statement, a backtick starts a markdown string, brackets and `|` delimit shapes and edge labels, `& < >` are
 * HTML. Each becomes an entity code, in one pass so that a code is never escaped again.
 */
const ENTITIES: Record<string, string> = {
  "#": "#35;",
  "&": "#amp;",
  '"': "#quot;",
  "<": "#lt;",
  ">": "#gt;",
  ";": "#59;",
  "`": "#96;",
  "{": "#123;",
  "}": "#125;",
  "[": "#91;",
  "]": "#93;",
  "|": "#124;",
};
const SPECIAL = /[#&"<>;`{}[\]|]/g;

/** Joins alternatives that lead to the same place (the options of one edge, the words of a command). */
const OR = " / ";

/** Mermaid label text: each part flattened and shortened (before escaping, so no code is cut), joined, quoted. */
function label(text: string | string[]): string {
  const parts = (typeof text === "string" ? [text] : text).map((t) => {
    const flat = t.replace(/\s+/g, " ").trim();
    return clip(flat, LABEL_MAX);
  });
  return `"${parts.join(OR).replace(SPECIAL, (c) => ENTITIES[c]!)}"`;
}

/** One way out of a node: where it leads and what takes it (option titles, command words; none for a plain next). */
interface Way {
  target: Target;
  texts: string[];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function menuGraph(menu: CompiledMenu): string {
  // Mermaid ids are positional, so any node id (dots, dashes) is safe; the label shows the real id.
  const ids = new Map(Object.keys(menu.nodes).map((id, i) => [id, `n${i}`]));
  const lines = ["flowchart TD", `  start(((start))) --> ${ids.get(menu.start)}`];
  let ends = 0;

  /** Draws `ways` from `from`; ways to the same node share one edge, its label listing them all. */
  const edges = (from: string, ways: Way[], arrow: "-->" | "-.->") => {
    const merged: Way[] = [];
    for (const way of ways) {
      const { target } = way;
      const same = "node" in target ? merged.find((m) => "node" in m.target && m.target.node === target.node) : undefined;
      if (same) same.texts.push(...way.texts);
      else merged.push({ target, texts: [...way.texts] });
    }
    for (const { target, texts } of merged) {
      const link = texts.length === 0 ? arrow : `${arrow}|${label(texts)}|`;
      if ("node" in target) {
        lines.push(`  ${from} ${link} ${ids.get(target.node)}`);
        continue;
      }
      const end = `e${ends++}`;
      lines.push(`  ${from} ${link} ${end}([${label(target.text)}])`);
      if (target.webhook !== undefined) lines.push(`  ${end} -.->|"answers"| ${end}w[/${label(target.webhook)}/]`);
    }
  };

  for (const [id, node] of Object.entries(menu.nodes)) {
    const m = ids.get(id)!;
    switch (node.kind) {
      case "question": {
        if (node.dynamic !== undefined) {
          lines.push(`  ${m}[${label(`${id} (options from ${node.dynamic.list}): ${node.interactive.body.text}`)}]`);
          edges(m, [{ target: node.dynamic.next, texts: ["any option"] }, ...(node.dynamic.empty ? [{ target: node.dynamic.empty, texts: ["no options"] }] : [])], "-->");
          break;
        }
        const kind = node.interactive.type === "button" ? "buttons" : "list";
        lines.push(`  ${m}[${label(`${id} (${kind}): ${node.interactive.body.text}`)}]`);
        edges(
          m,
          node.options.map((o) => ({ target: o.next, texts: [o.title] })),
          "-->",
        );
        break;
      }
      case "text":
        lines.push(`  ${m}[/${label(`${id}: ${node.text}`)}/]`);
        if (node.next !== undefined) edges(m, [{ target: { node: node.next }, texts: [] }], "-->");
        else if (node.webhook !== undefined) lines.push(`  ${m} -.->|"answers"| ${m}w[/${label(node.webhook)}/]`);
        break;
      case "input":
        lines.push(`  ${m}>${label(`${id} (input, ${node.rule.type}): ${node.text}`)}]`);
        edges(m, [{ target: node.next, texts: [`valid: vars.${node.var}`] }], "-->");
        break;
      case "request": {
        lines.push(`  ${m}[(${label(`${id} (request): ${node.method} ${node.url}`)})]`);
        const failure = node.failure ?? { text: menu.settings.texts.requestFailed };
        edges(
          m,
          [
            { target: node.next, texts: ["ok"] },
            { target: failure, texts: ["failure"] },
          ],
          "-->",
        );
        break;
      }
      case "condition":
        lines.push(`  ${m}{${label(`${id} (condition)`)}}`);
        edges(m, [...node.when.map((w) => ({ target: w.next, texts: [describeTest(w.test)] })), { target: node.else, texts: ["else"] }], "-->");
        break;
      case "handover":
        lines.push(`  ${m}[\\${label(`${id}: a person takes over`)}/]`);
        break;
      default:
        unreachable(node);
    }
  }
  if (menu.template !== undefined) {
    // Outside the 24-hour window the conversation opens with the approved template; its quick replies lead into the menu.
    const t = menu.template;
    lines.push(`  template[[${label(`template ${t.name} (${t.language}): outside the 24-hour window`)}]]`);
    edges("template", [...t.options.map((o) => ({ target: o.next, texts: [o.title] })), { target: t.next, texts: [t.options.length > 0 ? "anything else" : "any answer"] }], "-->");
  }
  drawCommands(menu, lines, edges);
  const { maxAttempts, fallback, texts } = menu.settings;
  lines.push(`  fallback{{${label(`after ${plural(maxAttempts, "answer that matches", "answers that match")} nothing`)}}}`);
  edges("fallback", [{ target: fallback ?? { text: texts.giveUp }, texts: [] }], "-.->");
  return `${lines.join("\n")}\n`;
}

/** A condition's test in words, for its edge: `count > 0`, `zone in A, B`. */
function describeTest(t: ConditionTest): string {
  const subject = t.list === undefined ? `vars.${t.var}` : `${t.list} items`;
  const parts: string[] = [];
  if (t.exists !== undefined) parts.push(t.exists ? "is set" : "is not set");
  if (t.equals !== undefined) parts.push(`= ${String(t.equals)}`);
  if (t.in !== undefined) parts.push(`in ${t.in.join(", ")}`);
  for (const [op, sign] of [
    ["gt", ">"],
    ["gte", "≥"],
    ["lt", "<"],
    ["lte", "≤"],
  ] as const) {
    const v = t[op];
    if (v !== undefined) parts.push(`${sign} ${v}`);
  }
  if (t.matches !== undefined) parts.push(`matches ${t.matches}`);
  return `${subject} ${parts.join(" and ")}`;
}

/** The words a customer can type at any time (`settings.commands`), drawn from one node to where each leads. */
function drawCommands(menu: CompiledMenu, lines: string[], edges: (from: string, ways: Way[], arrow: "-.->") => void): void {
  const { commands, texts } = menu.settings;
  const names = Object.keys(commands) as Array<keyof MenuSettings["commands"]>;
  if (names.every((name) => commands[name].length === 0)) return;
  lines.push(`  commands{{"typed at any time"}}`);
  const ways: Way[] = [];
  for (const name of names) {
    const words = commands[name];
    if (words.length === 0) continue;
    switch (name) {
      // Both begin the menu again at its start (start also after a stop: it opts the customer back in).
      case "restart":
      case "start":
        ways.push({ target: { node: menu.start }, texts: words });
        break;
      case "back":
        lines.push(`  commands -.->|${label(words)}| back(${label("the previous question")})`);
        break;
      case "stop":
        lines.push(`  commands -.->|${label(words)}| stopped([${label(`opted out: ${texts.stopped}`)}])`);
        break;
      case "agent":
        lines.push(`  commands -.->|${label(words)}| agent[\\${label("a person takes over")}/]`);
        break;
      default:
        unreachable(name);
    }
  }
  edges("commands", ways, "-.->");
}
