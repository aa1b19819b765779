/**
 * What each node kind means to the checks and drawings that walk a menu, one exhaustive `switch` per fact.
 * A new kind in `CompiledNode` is a compile error here (and in `flow/render.ts` `walk`, `menus/graph.ts`,
 * `menus/compile.ts` `build`) until it is handled: see "Where things live" in the README.
 */
import { unreachable } from "../unreachable.js";
import type { CompiledNode } from "./compiled.js";

/** Every node kind, in the order the docs list them. */
export const NODE_KINDS = ["question", "text", "handover"] as const satisfies ReadonlyArray<CompiledNode["kind"]>;

/** The node that follows at once, without waiting for the customer (a text's `next`), if any. */
export function followedBy(node: CompiledNode): string | undefined {
  switch (node.kind) {
    case "question":
      return undefined;
    case "text":
      return node.next;
    case "handover":
      return undefined;
    default:
      return unreachable(node);
  }
}

/** Every node this one can lead to. */
export function successors(node: CompiledNode): string[] {
  switch (node.kind) {
    case "question":
      return node.options.flatMap((o) => ("node" in o.next ? [o.next.node] : []));
    case "text":
      return node.next === undefined ? [] : [node.next];
    case "handover":
      return [];
    default:
      return unreachable(node);
  }
}

/** The texts a node sends (for placeholder checks), with the JSON path of each. */
export function textsOf(id: string, node: CompiledNode): Array<[PropertyKey[], string]> {
  switch (node.kind) {
    case "question":
      return [[["nodes", id], node.interactive.body.text], ...node.options.flatMap((o): Array<[PropertyKey[], string]> => ("text" in o.next ? [[["nodes", id, "next", o.id], o.next.text]] : []))];
    case "text":
      return [[["nodes", id, "text"], node.text]];
    case "handover":
      return node.text === undefined ? [] : [[["nodes", id, "text"], node.text]];
    default:
      return unreachable(node);
  }
}
