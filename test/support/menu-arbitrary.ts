/**
 * fast-check arbitraries for menu documents, raw and shorthand questions alike: mostly well-formed, with strings near WhatsApp's limits
 * (emoji and other multi-unit characters on both sides of them), blank strings, too many buttons, rows
 * and sections, media headers and odd links, missing and dangling routes. Plenty are valid, plenty not.
 */
import fc from "fast-check";

/** Characters of 1 to 4 UTF-16 units and 1 or 2 code points, so lengths land on both sides of a limit. */
const char = fc.constantFrom("a", "Z", "7", " ", "é", "ß", "😀", "👍🏽", "中", "\u200b", "-", "'");

function text(max: number): fc.Arbitrary<string> {
  const ordinary = fc.string({ minLength: 1, maxLength: Math.min(max, 30) }).map((s) => (s.trim() === "" ? `x${s}` : s));
  const nearLimit = fc.integer({ min: Math.max(1, max - 2), max: max + 1 }).chain((n) => fc.string({ unit: char, minLength: n, maxLength: n }));
  return fc.oneof({ weight: 200, arbitrary: ordinary }, { weight: 3, arbitrary: nearLimit }, { weight: 1, arbitrary: fc.constantFrom("", "  ", "\n\t") });
}

const replyId = (max: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((s) => (s.trim() === "" ? `id${s}` : s)) },
    { weight: 1, arbitrary: fc.constantFrom("a", "b") },
    { weight: 1, arbitrary: fc.integer({ min: max - 1, max: max + 1 }).map((n) => "i".repeat(n)) },
  );

/** Mostly `min`..`max` items; now and then one too few or one too many. */
const count = (min: number, max: number) => fc.oneof({ weight: 30, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(Math.max(0, min - 1), max + 1) });
const some = <T>(item: fc.Arbitrary<T>, min: number, max: number) => count(min, max).chain((n) => fc.array(item, { minLength: n, maxLength: n }));

const nodeIds = ["n0", "n1", "n2", "n3"];
const nodeId = fc.oneof({ weight: 80, arbitrary: fc.constantFrom(...nodeIds) }, { weight: 1, arbitrary: fc.constantFrom("missing", "bad id!", "") });

const link = fc.oneof(
  { weight: 3, arbitrary: fc.webUrl({ validSchemes: ["https"] }) },
  { weight: 1, arbitrary: fc.constantFrom("https:example.com/a.png", "https:/example.com/a.png", "HTTPS://example.com/a.png", "http://example.com/a.png", "https://", "not a url") },
);
const mediaHeader = fc.constantFrom("image", "video", "document").chain((type) => fc.record({ type: fc.constant(type), [type]: fc.record({ link }) }));
const textHeader = fc.record({ type: fc.constant("text"), text: text(60) });
const header = fc.oneof({ weight: 12, arbitrary: textHeader }, { weight: 1, arbitrary: mediaHeader });
const footer = fc.record({ text: text(60) });

const buttonInteractive = fc.record(
  {
    type: fc.constant("button"),
    header,
    body: fc.record({ text: text(1024) }),
    footer,
    action: fc.record({
      buttons: some(fc.record({ type: fc.constant("reply"), reply: fc.record({ id: replyId(256), title: text(20) }) }), 1, 3),
    }),
  },
  { requiredKeys: ["type", "body", "action"] },
);

const row = fc.record({ id: replyId(200), title: text(24), description: text(72) }, { requiredKeys: ["id", "title"] });
const listInteractive = fc.record(
  {
    type: fc.constant("list"),
    header,
    body: fc.record({ text: text(1024) }),
    footer,
    action: fc.record({
      button: text(20),
      sections: fc.oneof(
        { weight: 20, arbitrary: some(fc.record({ title: text(24), rows: some(row, 1, 3) }), 1, 3) },
        { weight: 1, arbitrary: some(fc.record({ title: text(24), rows: some(row, 0, 3) }, { requiredKeys: ["rows"] }), 0, 10) },
      ),
    }),
  },
  { requiredKeys: ["type", "body", "action"] },
);

type Json = Record<string, unknown>;
const optionIds = (i: Json): string[] => {
  const action = i["action"] as { buttons?: Array<{ reply: { id: string } }>; sections?: Array<{ rows: Array<{ id: string }> }> };
  return action.buttons ? action.buttons.map((b) => b.reply.id) : (action.sections ?? []).flatMap((s) => s.rows.map((r) => r.id));
};

const destination = fc.oneof({ weight: 3, arbitrary: nodeId }, { weight: 2, arbitrary: fc.record({ text: text(4096) }) });

const questionNode = fc.oneof(buttonInteractive, listInteractive).chain((interactive) =>
  fc.tuple(fc.array(destination, { minLength: optionIds(interactive).length, maxLength: optionIds(interactive).length }), fc.nat(20)).map(([dests, drop]) => {
    const next: Json = {};
    for (const [i, id] of optionIds(interactive).entries()) next[id] = dests[i];
    // Now and then a route goes missing, or one is added that no option has.
    if (drop === 0) delete next[Object.keys(next)[0] ?? ""];
    if (drop === 1) next["stray"] = "n0";
    return { type: "question", interactive, next };
  }),
);

/** The shorthand: text plus options, which the compiler renders as buttons when they fit, else as a list. */
const shorthandQuestion = fc.record(
  {
    type: fc.constant("question"),
    text: text(1024),
    header: text(60),
    footer: text(60),
    button: text(20),
    options: some(
      fc.record({ id: replyId(200), title: text(24), description: text(72), next: destination, synonyms: fc.array(text(40), { maxLength: 3 }) }, { requiredKeys: ["id", "title", "next"] }),
      1,
      10,
    ),
  },
  { requiredKeys: ["type", "text", "options"] },
);

const textNode = fc.record({ type: fc.constant("text"), text: text(4096), next: nodeId }, { requiredKeys: ["type", "text"] });

/** A menu document: an id, a start and up to four nodes, mostly questions. */
export const menuDocument = fc.record(
  {
    id: fc.oneof({ weight: 30, arbitrary: fc.constant("fuzz") }, { weight: 1, arbitrary: fc.string({ maxLength: 70 }) }),
    start: fc.oneof({ weight: 30, arbitrary: fc.constant("n0") }, { weight: 1, arbitrary: nodeId }),
    // Every node id is mostly present, so routes mostly lead somewhere.
    nodes: fc
      .tuple(...nodeIds.map(() => fc.option(fc.oneof({ weight: 3, arbitrary: questionNode }, { weight: 2, arbitrary: shorthandQuestion }, { weight: 1, arbitrary: textNode }), { freq: 12 })))
      .map((nodes) => Object.fromEntries(nodes.flatMap((n, i) => (n === null ? [] : [[nodeIds[i]!, n]])))),
    name: fc.string({ maxLength: 210 }),
  },
  { requiredKeys: ["id", "start", "nodes"] },
);

type Path = (string | number)[];

/** Every path to a value inside `value` (not the root). */
function pathsIn(value: unknown, at: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, v]) => [[...at, key], ...pathsIn(v, [...at, key])]);
}

/**
 * A menu document with one value somewhere in it left out, or replaced by null or by a value of another type: what a
 * hand-written menu gets wrong (a button message without its buttons, `"options": null`), which the well-formed
 * generator above never does.
 */
export const damagedMenuDocument = fc.tuple(menuDocument, fc.nat(), fc.constantFrom<unknown>(undefined, null, 0, 4, "abcd", true, [], {})).map(([doc, n, replacement]) => {
  const paths = pathsIn(doc);
  if (paths.length === 0) return doc;
  const path = paths[n % paths.length]!;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((v, key) => v[key] as Record<string | number, unknown>, copy);
  const key = path.at(-1)!;
  // Left out: a key deleted, an array's item removed (JSON has no hole). Replaced: by a value of its own (a fresh [] or
  // {} each time, so that no run sees what another did to it).
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else parent[key] = structuredClone(replacement);
  return copy;
});
