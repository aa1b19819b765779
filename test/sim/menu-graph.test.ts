/** The graph data the workbench draws: every node once, ways merged as the Mermaid graph merges edges, ends named as completions name them. */
import { describe, expect, it } from "vitest";
import { menuGraphData } from "../../sim/menu-graph.js";
import { parseMenu } from "../../src/menus/compile.js";

const graphOf = (doc: Record<string, unknown>) => menuGraphData(parseMenu({ id: "shop", start: "ask", ...doc }, "test", { allowLocalWebhooks: true }));

describe("menu graph data", () => {
  it("ends at texts with their webhooks, lists nodes only a fallback reaches, and draws the commands a menu sets", () => {
    const graph = graphOf({
      nodes: {
        ask: {
          type: "question",
          text: "Pick",
          options: [
            { id: "a", title: "A", next: "thanks" },
            { id: "b", title: "B", next: { text: "Bye", webhook: "https://example.com/b" } },
          ],
        },
        thanks: { type: "text", text: "Thanks", webhook: "https://example.com/thanks" },
        help: { type: "text", text: "Let us help", next: "ask" },
      },
      settings: { maxAttempts: 1, fallback: "help", commands: { restart: ["again"] } },
    });
    expect(graph.cards).toEqual([
      {
        id: "ask",
        kind: "question",
        style: "buttons",
        text: "Pick",
        ways: [
          { labels: ["A"], options: ["a"], to: { node: "thanks" } },
          { labels: ["B"], options: ["b"], to: { end: "ask/b", text: "Bye", webhook: "https://example.com/b" } },
        ],
      },
      { id: "thanks", kind: "text", text: "Thanks", ways: [], ends: { webhook: "https://example.com/thanks" } },
      { id: "help", kind: "text", text: "Let us help", ways: [{ labels: [], options: [], to: { node: "ask" } }], unreachable: true },
    ]);
    expect(graph.commands[0]).toEqual({ command: "restart", words: ["again"], to: { node: "ask" } });
    expect(graph.fallback).toEqual({ afterAttempts: 1, to: { node: "help" } });
  });
});
