/**
 * The README and docs/ link to each other's sections and to files of the project: a section renamed or a file
 * moved must not leave a reader at a dead link. Anchors are the heading slugs GitHub makes: lower case, punctuation
 * other than `-` and `_` dropped, each space a `-`.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** The anchors of a markdown file: one per heading (GitHub's `-1`, `-2` for repeats) and each `<a id="...">`. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    if (!fenced) for (const m of line.matchAll(/<a (?:id|name)="([^"]+)"/g)) out.add(m[1]!);
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading === null) continue;
    const base = slug(heading[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every inline link `[text](target)` outside code fences and code spans, with its line. */
function links(markdown: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  let fenced = false;
  markdown.split("\n").forEach((line, i) => {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced) return;
    for (const m of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

const documents = async (): Promise<string[]> => ["README.md", ...(await readdir("docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];

describe("links between the README and docs/", () => {
  it("makes anchors as GitHub does", () => {
    expect([...anchors('# A b\n## Templates and the 24-hour window\n### The `wa-menu` CLI\n```\n# not a heading\n```\n## A b\n- <a id="rate"></a>Rate\n')]).toEqual([
      "a-b",
      "templates-and-the-24-hour-window",
      "the-wa-menu-cli",
      "a-b-1",
      "rate",
    ]);
    expect(links("[a](#x) `[b](#code)` [c](docs/y.md#z)\n```\n[d](#fenced)\n```")).toEqual([
      { target: "#x", line: 1 },
      { target: "docs/y.md#z", line: 1 },
    ]);
  });

  it("every link to a file of the project or to a section leads somewhere", async () => {
    const dead: string[] = [];
    for (const doc of await documents()) {
      const text = await readFile(doc, "utf8");
      for (const { target, line } of links(text)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [file = "", anchor] = target.split("#");
        const to = file === "" ? doc : path.normalize(path.join(path.dirname(doc), decodeURIComponent(file)));
        if (!(await exists(to))) dead.push(`${doc}:${line}: ${target} (no ${to})`);
        else if (anchor !== undefined && to.endsWith(".md") && !anchors(await readFile(to, "utf8")).has(anchor)) dead.push(`${doc}:${line}: ${target} (no section #${anchor} in ${to})`);
      }
    }
    expect(dead).toEqual([]);
  });
});
