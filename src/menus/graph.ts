/** Draws a compiled menu as a Mermaid flowchart: questions, options on the edges, texts and closing texts. */
import { unreachable } from "../unreachable.js";
import type { CompiledMenu, Target } from "./compiled.js";

const LABEL_MAX = 60;

/** Mermaid label text: quoted, entity-escaped, shortened. */
function label(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const short = [...flat].length > LABEL_MAX ? `${[...flat].slice(0, LABEL_MAX - 1).join("")}…` : flat;
  return `"${short.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")}"`;
}

export function menuGraph(menu: CompiledMenu): string {
  // Mermaid ids are positional, so any node id (dots, dashes) is safe; the label shows the real id.
  const ids = new Map(Object.keys(menu.nodes).map((id, i) => [id, `n${i}`]));
  const lines = ["flowchart TD", `  start(((start))) --> ${ids.get(menu.start)}`];
  let ends = 0;
  const edge = (from: string, target: Target, text?: string) => {
    const arrow = text === undefined ? "-->" : `-->|${label(text)}|`;
    if ("node" in target) {
      lines.push(`  ${from} ${arrow} ${ids.get(target.node)}`);
      return;
    }
    const end = `e${ends++}`;
    lines.push(`  ${from} ${arrow} ${end}([${label(target.text)}])`);
    if (target.webhook !== undefined) lines.push(`  ${end} -.->|"answers"| ${end}w[/${label(target.webhook)}/]`);
  };

  for (const [id, node] of Object.entries(menu.nodes)) {
    const m = ids.get(id)!;
    switch (node.kind) {
      case "question": {
        const kind = node.interactive.type === "button" ? "buttons" : "list";
        lines.push(`  ${m}[${label(`${id} (${kind}): ${node.interactive.body.text}`)}]`);
        for (const o of node.options) edge(m, o.next, o.title);
        break;
      }
      case "text":
        lines.push(`  ${m}[/${label(`${id}: ${node.text}`)}/]`);
        if (node.next !== undefined) edge(m, { node: node.next });
        else if (node.webhook !== undefined) lines.push(`  ${m} -.->|"answers"| ${m}w[/${label(node.webhook)}/]`);
        break;
      default:
        unreachable(node);
    }
  }
  if (menu.settings.fallback) edge("fallback{{fallback}}", menu.settings.fallback);
  return `${lines.join("\n")}\n`;
}
