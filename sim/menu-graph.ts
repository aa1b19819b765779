/**
 * A compiled menu as data the workbench page draws without a graph library: one card per node, in the order a
 * customer meets them, each with its ways out (the options, a text's `next`) to another node or to a closing text.
 * The same graph as `wa-menu graph`'s Mermaid (src/menus/graph.ts), commands and fallback included.
 */
import type { CompiledMenu, CompiledNode, ConditionTest, MenuSettings, Target } from "../src/menus/compiled.js";
import { unreachable } from "../src/unreachable.js";

/** Where a way leads: a node, or a closing text that ends the conversation (`end` as a completion names it). */
export type GraphTarget = { node: string } | { end: string; text: string; webhook?: string };

export interface GraphWay {
  /** Option titles or command words that take it; none for a text's plain `next`. */
  labels: string[];
  /** The option ids that take it, so a session's answer can be found on it. */
  options: string[];
  to: GraphTarget;
}

export interface GraphCard {
  id: string;
  kind: CompiledNode["kind"];
  /** How a question is sent. */
  style?: "buttons" | "list";
  text: string;
  /** A text node that ends the conversation, and where its answers go. */
  ends?: { webhook?: string };
  ways: GraphWay[];
  /** Not reachable from the start by answers (only by a command, a fallback, or not at all). */
  unreachable?: true;
}

export interface MenuGraphData {
  id: string;
  start: string;
  cards: GraphCard[];
  /** Typed at any time: where each command leads. */
  commands: Array<{ command: keyof MenuSettings["commands"]; words: string[]; to: GraphTarget | { back: true } | { stop: string } }>;
  fallback: { afterAttempts: number; to: GraphTarget };
}

function target(t: Target, end: string): GraphTarget {
  if ("node" in t) return { node: t.node };
  return { end, text: t.text, ...(t.webhook === undefined ? {} : { webhook: t.webhook }) };
}

function card(menu: CompiledMenu, id: string): GraphCard {
  const node = menu.nodes[id]!;
  switch (node.kind) {
    case "question": {
      const dynamic = node.dynamic;
      if (dynamic !== undefined) {
        // Options built from a list variable: every one leads to the same place.
        const ways: GraphWay[] = [{ labels: [`any option of ${dynamic.list}`], options: [], to: target(dynamic.next, id) }];
        if (dynamic.empty !== undefined) ways.push({ labels: [`${dynamic.list} empty`], options: [], to: target(dynamic.empty, `${id}/empty`) });
        return { id, kind: "question", style: "list", text: node.interactive.body.text, ways };
      }
      // Options leading to the same node share one way, as the Mermaid graph draws them on one edge.
      const ways: GraphWay[] = [];
      for (const o of node.options) {
        const to = target(o.next, `${id}/${o.id}`);
        const same = "node" in to ? ways.find((w) => "node" in w.to && w.to.node === to.node) : undefined;
        if (same !== undefined) {
          same.labels.push(o.title);
          same.options.push(o.id);
        } else ways.push({ labels: [o.title], options: [o.id], to });
      }
      return { id, kind: "question", style: node.interactive.type === "button" ? "buttons" : "list", text: node.interactive.body.text, ways };
    }
    case "text":
      return {
        id,
        kind: "text",
        text: node.text,
        ways: node.next === undefined ? [] : [{ labels: [], options: [], to: { node: node.next } }],
        ...(node.next === undefined ? { ends: node.webhook === undefined ? {} : { webhook: node.webhook } } : {}),
      };
    case "input":
      return { id, kind: "input", text: node.text, ways: [{ labels: [`a valid ${node.rule.type}, kept in ${node.var}`], options: [], to: target(node.next, `${id}/next`) }] };
    case "request": {
      const failure = node.failure === null ? { text: menu.settings.texts.requestFailed, webhook: undefined } : node.failure;
      return {
        id,
        kind: "request",
        text: `${node.method} ${node.url}`,
        ways: [
          { labels: ["ok"], options: [], to: target(node.next, `${id}/next`) },
          { labels: ["failure"], options: [], to: target("node" in failure ? failure : { text: failure.text }, `${id}/failure`) },
        ],
      };
    }
    case "condition":
      return {
        id,
        kind: "condition",
        text: "branches on variables",
        ways: [
          ...node.when.map((w, i) => ({ labels: [describeTest(w.test)], options: [], to: target(w.next, `${id}/when.${i}`) })),
          { labels: ["else"], options: [], to: target(node.else, `${id}/else`) },
        ],
      };
    case "handover":
      return { id, kind: "handover", text: node.text ?? menu.settings.handover?.text ?? "a person takes over", ways: [] };
    default:
      return unreachable(node);
  }
}

/** A condition's test in a few words, as the way's label. */
function describeTest(t: ConditionTest): string {
  const subject = t.list !== undefined ? `items of ${t.list}` : (t.var ?? "?");
  const ops = Object.entries(t)
    .filter(([k]) => k !== "var" && k !== "list")
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`);
  return `${subject} ${ops.join(", ")}`.trim();
}

export function menuGraphData(menu: CompiledMenu): MenuGraphData {
  // Breadth first from the start: the cards read top to bottom in the order a customer can meet them.
  const order: string[] = [];
  const queue = [menu.start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (order.includes(id) || menu.nodes[id] === undefined) continue;
    order.push(id);
    for (const way of card(menu, id).ways) if ("node" in way.to) queue.push(way.to.node);
  }
  const cards = order.map((id) => card(menu, id));
  for (const id of Object.keys(menu.nodes)) if (!order.includes(id)) cards.push({ ...card(menu, id), unreachable: true });

  const { commands, fallback, maxAttempts, texts } = menu.settings;
  const names = Object.keys(commands) as Array<keyof MenuSettings["commands"]>;
  return {
    id: menu.id,
    start: menu.start,
    cards,
    commands: names
      .filter((name) => commands[name].length > 0)
      .map((name) => {
        const words = commands[name];
        switch (name) {
          case "restart":
          case "start":
            return { command: name, words, to: { node: menu.start } };
          case "back":
            return { command: name, words, to: { back: true as const } };
          case "stop":
            return { command: name, words, to: { stop: texts.stopped } };
          case "agent":
            return { command: name, words, to: target({ text: menu.settings.handover?.text ?? "a person takes over" }, "agent") };
          default:
            return unreachable(name);
        }
      }),
    fallback: { afterAttempts: maxAttempts, to: target(fallback ?? { text: texts.giveUp }, "fallback") },
  };
}
