/**
 * What each node kind means to the checks and drawings that walk a menu, one exhaustive `switch` per fact.
 * A new kind in `CompiledNode` is a compile error here (and in `flow/render.ts` `walk`, `menus/graph.ts`,
 * `menus/compile.ts` `build`) until it is handled: see "Where things live" in docs/architecture.md.
 */
import { unreachable } from "../unreachable.js";
import type { CompiledNode, Target } from "./compiled.js";

/** Every node kind, in the order the docs list them. */
export const NODE_KINDS = ["question", "text", "input", "request", "condition", "handover"] as const satisfies ReadonlyArray<CompiledNode["kind"]>;

/** True for the kinds a conversation waits at for the customer. */
export function waits(node: CompiledNode): boolean {
  switch (node.kind) {
    case "question":
    case "input":
      return true;
    case "text":
    case "request":
    case "condition":
    case "handover":
      return false;
    default:
      return unreachable(node);
  }
}

/** Where a node leads, with the JSON path of each destination (relative to the node). */
export function exitsOf(node: CompiledNode): Array<[PropertyKey[], Target]> {
  switch (node.kind) {
    case "question":
      return node.dynamic
        ? [[["options", "next"], node.dynamic.next], ...(node.dynamic.empty ? ([[["options", "empty"], node.dynamic.empty]] as Array<[PropertyKey[], Target]>) : [])]
        : node.options.map((o): [PropertyKey[], Target] => [["next", o.id], o.next]);
    case "text":
      return node.next === undefined ? [] : [[["next"], { node: node.next }]];
    case "input":
      return [[["next"], node.next]];
    case "request":
      return [[["next"], node.next], ...(node.failure ? ([[["failure"], node.failure]] as Array<[PropertyKey[], Target]>) : [])];
    case "condition":
      return [...node.when.map((w, i): [PropertyKey[], Target] => [["when", i, "next"], w.next]), [["else"], node.else]];
    case "handover":
      return [];
    default:
      return unreachable(node);
  }
}

const nodeIds = (exits: Array<[PropertyKey[], Target]>) => exits.flatMap(([, t]) => ("node" in t ? [t.node] : []));

/** The nodes that follow at once, without waiting for the customer (a text's `next`, a request's or a condition's exits). */
export function followedBy(node: CompiledNode): string[] {
  return waits(node) ? [] : nodeIds(exitsOf(node));
}

/** Every node this one can lead to. */
export function successors(node: CompiledNode): string[] {
  return nodeIds(exitsOf(node));
}

/** Messages a node sends when the conversation reaches it. */
export function messagesOf(node: CompiledNode): number {
  switch (node.kind) {
    case "question":
    case "text":
    case "input":
    case "handover":
      return 1;
    case "request":
    case "condition":
      return 0;
    default:
      return unreachable(node);
  }
}

/** The texts a node sends or sends on (for placeholder checks), with the JSON path of each. */
export function textsOf(id: string, node: CompiledNode): Array<[PropertyKey[], string]> {
  const closing = exitsOf(node).flatMap(([path, t]): Array<[PropertyKey[], string]> => ("text" in t ? [[["nodes", id, ...path], t.text]] : []));
  switch (node.kind) {
    case "question":
      return [
        [["nodes", id], node.interactive.body.text],
        ...(node.interactive.header?.type === "text" ? [[["nodes", id, "header"], node.interactive.header.text] as [PropertyKey[], string]] : []),
        ...(node.interactive.footer === undefined ? [] : [[["nodes", id, "footer"], node.interactive.footer.text] as [PropertyKey[], string]]),
        ...repromptOf(id, node.reprompt),
        ...closing,
      ];
    case "text":
      return [[["nodes", id, "text"], node.text]];
    case "input":
      return [[["nodes", id, "text"], node.text], ...repromptOf(id, node.reprompt), ...closing];
    case "request":
      return [[["nodes", id, "url"], node.url], ...stringsIn(node.body, ["nodes", id, "body"]), ...closing];
    case "condition":
      return closing;
    case "handover":
      return node.text === undefined ? [] : [[["nodes", id, "text"], node.text]];
    default:
      return unreachable(node);
  }
}

const repromptOf = (id: string, reprompt: string | undefined): Array<[PropertyKey[], string]> => (reprompt === undefined ? [] : [[["nodes", id, "reprompt"], reprompt]]);

/** The strings of a JSON value, with their paths. */
function stringsIn(value: unknown, path: PropertyKey[]): Array<[PropertyKey[], string]> {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, i]));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  return [];
}

/** The variables a node sets when the conversation passes it (lists included). */
export function setsOf(node: CompiledNode): { vars: string[]; lists: string[] } {
  switch (node.kind) {
    case "question":
      return { vars: node.dynamic?.var === undefined ? [] : [node.dynamic.var], lists: [] };
    case "text":
    case "condition":
    case "handover":
      return { vars: [], lists: [] };
    case "input":
      return { vars: [node.var], lists: [] };
    case "request":
      return { vars: Object.keys(node.save), lists: Object.keys(node.lists) };
    default:
      return unreachable(node);
  }
}

/** The variables and lists a node reads (besides placeholders in its texts). */
export function readsOf(node: CompiledNode): { vars: string[]; lists: string[] } {
  switch (node.kind) {
    case "question":
      return { vars: [], lists: node.dynamic ? [node.dynamic.list] : [] };
    case "text":
    case "input":
    case "request":
    case "handover":
      return { vars: [], lists: [] };
    case "condition":
      return { vars: node.when.flatMap((w) => (w.test.var === undefined ? [] : [w.test.var])), lists: node.when.flatMap((w) => (w.test.list === undefined ? [] : [w.test.list])) };
    default:
      return unreachable(node);
  }
}
