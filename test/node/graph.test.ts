/** The Mermaid graph: labels that cannot break the syntax, commands and fallback drawn, parallel edges merged. */
import { describe, expect, it } from "vitest";
import { parseMenu } from "../../src/menus/compile.js";
import { menuGraph } from "../../src/menus/graph.js";

const SPECIAL = ["#", '"', "<", ">", "|", ";", "`", "{", "}", "[", "]", "&"];

/** Every quoted label of a graph (a label can hold no raw `"`, so the first `"` after the opening one ends it). */
const labels = (graph: string) => [...graph.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);

/** What Mermaid shows for a label: its entity codes decoded. */
const NAMED: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">" };
const shown = (text: string) => text.replace(/#(\w+);/g, (_, code: string) => (/^\d+$/.test(code) ? String.fromCodePoint(Number(code)) : NAMED[code]!));

/** The graph with every label replaced by `L`: what is left is Mermaid syntax only. */
const skeleton = (graph: string) => graph.replace(/"[^"]*"/g, '"L"');

const TRICKY = 'Room #5; "best" <deal> | {x} [y] `z` & co';

function graphOf(doc: Record<string, unknown>): string {
  return menuGraph(parseMenu({ id: "specials", start: "ask", ...doc }, "test", { allowLocalWebhooks: true }));
}

describe("menu graph", () => {
  const graph = graphOf({
    nodes: {
      ask: {
        type: "question",
        text: TRICKY,
        options: [
          { id: "a", title: 'Pick #1; "A" <b>', next: "info" },
          { id: "b", title: "Or | this; `one`", next: "info" },
          { id: "c", title: "[x] {y} & z", next: { text: 'Done #2; "ok" <3 |', webhook: "https://example.com/hook?a=1&b=2#x" } },
        ],
      },
      info: { type: "text", text: 'Info #quot; a|b <c> "d"', next: "ask" },
    },
    settings: {
      maxAttempts: 1,
      commands: { restart: ["over;"], back: ["<back>"], stop: ['"halt"'], start: ["go|on"] },
      texts: { stopped: "Bye #1; {{profile.name}}", giveUp: "No [luck] | `try` again" },
    },
  });

  it("escapes every character Mermaid treats specially, in node and edge labels alike", () => {
    for (const text of labels(graph)) {
      const raw = text.replace(/#\w+;/g, "");
      for (const c of SPECIAL) expect(raw, `label ${text}`).not.toContain(c);
    }
    // Nothing is lost: decoded, the labels show the menu's text as written (a literal "#quot;" too).
    const decoded = labels(graph).map(shown);
    expect(decoded).toContain(`ask (buttons): ${TRICKY}`);
    expect(decoded).toContain('info: Info #quot; a|b <c> "d"');
    expect(decoded).toContain('Pick #1; "A" <b> / Or | this; `one`');
    expect(decoded).toContain("https://example.com/hook?a=1&b=2#x");
    expect(decoded).toContain('"halt" / stop / unsubscribe');
  });

  it("keeps Mermaid's syntax outside the labels intact", () => {
    expect(skeleton(graph).split("\n")).toEqual([
      "flowchart TD",
      "  start(((start))) --> n0",
      '  n0["L"]',
      '  n0 -->|"L"| n1',
      '  n0 -->|"L"| e0(["L"])',
      '  e0 -.->|"L"| e0w[/"L"/]',
      '  n1[/"L"/]',
      "  n1 --> n0",
      '  commands{{"L"}}',
      '  commands -.->|"L"| back("L")',
      '  commands -.->|"L"| stopped(["L"])',
      '  commands -.->|"L"| n0',
      '  fallback{{"L"}}',
      '  fallback -.-> e1(["L"])',
      "",
    ]);
  });

  it("draws the commands where they lead and the fallback after maxAttempts", () => {
    const lines = graph.split("\n").map(shown);
    expect(lines).toContain('  commands -.->|"over; / go|on"| n0');
    expect(lines).toContain('  commands -.->|"<back>"| back("the previous question")');
    // A menu's stop words add to the defaults: STOP opts out under every menu.
    expect(lines).toContain('  commands -.->|""halt" / stop / unsubscribe"| stopped(["opted out: Bye #1; {{profile.name}}"])');
    expect(lines).toContain('  fallback{{"after 1 answer that matches nothing"}}');
    expect(lines).toContain('  fallback -.-> e1(["No [luck] | `try` again"])');
  });

  it("uses the default commands and leads a fallback to its node", () => {
    const g = graphOf({
      nodes: {
        ask: { type: "question", text: "Pick", options: [{ id: "a", title: "A", next: { text: "done" } }] },
        help: { type: "text", text: "Call us", next: "ask" },
      },
      settings: { fallback: "help" },
    });
    expect(g).toContain('  commands -.->|"menu / restart / start"| n0\n');
    expect(g).toContain('  commands -.->|"back"| back("the previous question")\n');
    expect(g).toContain('  commands -.->|"stop / unsubscribe"| stopped(["opted out: You will not get any more messages from us. Writ…"])\n');
    expect(g).toContain('  fallback{{"after 3 answers that match nothing"}}\n  fallback -.-> n1\n');
  });

  it("merges options that lead to the same node into one edge, and keeps each ending apart", () => {
    const g = graphOf({
      nodes: {
        ask: {
          type: "question",
          text: "Pick",
          options: [
            { id: "a", title: "Alpha", next: "more" },
            { id: "b", title: "Bravo", next: { text: "bye" } },
            { id: "c", title: "Charlie", next: "more" },
            { id: "d", title: "Delta", next: { text: "bye" } },
          ],
        },
        more: { type: "text", text: "More" },
      },
    });
    const edges = g.split("\n").filter((l) => l.startsWith("  n0 -->"));
    expect(edges).toEqual(['  n0 -->|"Alpha / Charlie"| n1', '  n0 -->|"Bravo"| e0(["bye"])', '  n0 -->|"Delta"| e1(["bye"])']);
  });

  it("shortens a long label between whole characters: an emoji family at the cut is left out whole, not cut in two", () => {
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}";
    const g = graphOf({ nodes: { ask: { type: "question", text: "Go?", options: [{ id: "go", title: "Go", next: "info" }] }, info: { type: "text", text: `${"a".repeat(50)}${family} after` } } });
    const label = labels(g)
      .map(shown)
      .find((l) => l.startsWith("info: "));
    expect(label).toBe(`info: ${"a".repeat(50)}…`);
  });
});
