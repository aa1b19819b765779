/**
 * The data nodes alone, pure: condition tests, input validators, paging, what the compiler refuses and warns about,
 * and the engine stopping at a request and going on with its result. No KV, no network.
 */
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { holds } from "../../src/flow/conditions.js";
import { decideInbound, type MenuRef } from "../../src/flow/engine.js";
import { checkInput } from "../../src/flow/inputs.js";
import { MORE_ID, pageOf } from "../../src/flow/options.js";
import { ASKED_MAX, effectCount, LIST_ITEMS_MAX, LIST_TEXT_MAX, LISTS_MAX, SHOWN_KEPT, UNDO_MAX, VAR_VALUE_MAX, VARS_MAX } from "../../src/flow/session.js";
import { boundUndo, undoSize } from "../../src/flow/vars.js";
import type { FetchResult, InboundEvent, Session } from "../../src/flow/types.js";
import { checkMenu, parseMenu } from "../../src/menus/compile.js";
import { patternProblem } from "../../src/menus/compile-flow.js";
import { menuGraph } from "../../src/menus/graph.js";
import type { ConditionTest, DynamicOptions, InputRule } from "../../src/menus/compiled.js";

const T0 = "2026-11-30T12:00:00.000Z";
const who = { business: "447700900000", customer: "447700900001" };
let booking: MenuRef;

beforeAll(async () => {
  booking = { menu: parseMenu(JSON.parse(await readFile("menus/booking.json", "utf8"))), version: 1 };
});

const session = (vars: Record<string, string> = {}, lists: Session["lists"] = {}): Session => ({
  v: 1,
  menuId: "m",
  menuVersion: 1,
  ...who,
  vars,
  lists,
  pending: null,
  asked: [],
  answers: [],
  attempts: 0,
  handled: [],
  startedAt: T0,
  updatedAt: T0,
});

describe("condition tests", () => {
  const s = session({ n: "750", word: "gold", flag: "TRUE", empty: "" }, { slots: [{ id: "a", title: "A" }], none: [] });
  const rows: Array<[ConditionTest, boolean]> = [
    [{ var: "word", equals: "gold" }, true],
    [{ var: "word", equals: "Gold" }, false],
    [{ var: "n", equals: 750 }, true],
    [{ var: "flag", equals: true }, true],
    [{ var: "word", in: ["red", "gold"] }, true],
    [{ var: "n", in: [1, 750] }, true],
    [{ var: "n", gt: 749 }, true],
    [{ var: "n", gt: 750 }, false],
    [{ var: "n", gte: 750, lte: 750 }, true],
    [{ var: "n", lt: 750 }, false],
    [{ var: "word", gt: 1 }, false],
    [{ var: "word", matches: "^g.l" }, true],
    [{ var: "word", exists: true }, true],
    [{ var: "unset", exists: false }, true],
    [{ var: "empty", exists: false }, true],
    [{ var: "unset", equals: "x" }, false],
    [{ var: "constructor", exists: true }, false],
    [{ list: "slots", gt: 0 }, true],
    [{ list: "none", gt: 0 }, false],
    [{ list: "none", exists: false }, true],
    [{ list: "unset", lt: 1 }, false],
  ];
  for (const [test, want] of rows) it(`${JSON.stringify(test)} is ${want}`, () => expect(holds(test, s)).toBe(want));
});

describe("input validators", () => {
  const text = (t: string) => ({ kind: "text", text: t }) as const;
  const rows: Array<[InputRule, string, string | null]> = [
    [{ type: "text", minLength: 2, maxLength: 5 }, "  ab  ", "ab"],
    [{ type: "text", minLength: 2, maxLength: 5 }, "abcdef", null],
    [{ type: "number", integer: true, min: 1, max: 10 }, "7", "7"],
    [{ type: "number", integer: false }, "2,5", "2.5"],
    // "1,000" is a thousand in one country and one in another: asked again, never taken as 1 (or as 1000).
    [{ type: "number", integer: true }, "1,000", null],
    [{ type: "number", integer: false }, "1.000", null],
    [{ type: "number", integer: true }, "1,000,000", "1000000"],
    [{ type: "number", integer: true }, "1.000.000", "1000000"],
    [{ type: "number", integer: true }, "1 000", "1000"],
    [{ type: "number", integer: true }, "1'000", "1000"],
    [{ type: "number", integer: false }, "1,234.5", "1234.5"],
    [{ type: "number", integer: false }, "1.234,5", "1234.5"],
    [{ type: "number", integer: false }, "0,500", "0.5"],
    [{ type: "number", integer: false }, "1234,567", "1234.567"],
    [{ type: "number", integer: false }, "1,2.5", null],
    [{ type: "number", integer: false }, "-3,5", "-3.5"],
    [{ type: "number", integer: true }, "2.5", null],
    [{ type: "number", integer: false, max: 3 }, "4", null],
    [{ type: "number", integer: false }, "1e5", null],
    [{ type: "email" }, "ada@example.org", "ada@example.org"],
    [{ type: "email" }, "ada@localhost", null],
    [{ type: "phone" }, "+44 7700 900123", "447700900123"],
    [{ type: "phone" }, "0044 (0)7700 900123", "447700900123"],
    [{ type: "phone" }, "12345", null],
    // A national number ("07700 ...", no country code) is no number country code first: no country code starts with 0.
    [{ type: "phone" }, "07700 900123", null],
    [{ type: "phone" }, "+0 7700 900123", null],
    [{ type: "date" }, "2026-02-28", "2026-02-28"],
    [{ type: "date" }, "29/02/2026", null],
    [{ type: "date", min: "today" }, "29.11.2026", null],
    [{ type: "date", min: "today" }, "30-11-2026", "2026-11-30"],
    [{ type: "choice", values: ["Small", "Large"] }, "large", "Large"],
    [{ type: "choice", values: ["Small", "Large"] }, "2", "Large"],
    [{ type: "choice", values: ["Small", "Large"] }, "medium", null],
    [{ type: "regex", pattern: "^[0-9]{4}$", flags: "" }, "1234", "1234"],
    [{ type: "regex", pattern: "^[0-9]{4}$", flags: "" }, "12345", null],
    [{ type: "regex", pattern: "^a+$", flags: "" }, "a".repeat(300), null],
    [{ type: "location", request: false }, "at home", null],
    // Invisible marks (an RTL keyboard, a copy) are not part of an answer; digits as other scripts and IMEs type them count.
    [{ type: "text", minLength: 1, maxLength: 5 }, "\u200b\u200e", null],
    [{ type: "email" }, "ada@example.org\u200e", "ada@example.org"],
    [{ type: "number", integer: true }, "\u200f12\u200e", "12"],
    [{ type: "number", integer: true }, "\uff11\uff12", "12"],
    [{ type: "number", integer: false }, "\u0663\u066b\u0665", "3.5"],
    [{ type: "number", integer: true }, "\u06f4\u06f2", "42"],
    [{ type: "phone" }, "\u202a+44 7700 900123\u202c", "447700900123"],
    [{ type: "date" }, "\u0662\u0664/\u0661\u0662/\u0662\u0660\u0662\u0666", "2026-12-24"],
    [{ type: "choice", values: ["Small", "Large"] }, "\u200f2", "Large"],
    [{ type: "regex", pattern: "^[0-9]{4}$", flags: "" }, "1234\u200e", "1234"],
  ];
  for (const [rule, input, want] of rows) {
    it(`${rule.type}: "${input.slice(0, 20)}" -> ${want}`, () => {
      const got = checkInput(rule, text(input), T0);
      expect(got.ok ? got.value : null).toBe(want);
    });
  }
  it('date: "today" is the day in the menu\'s time zone: at 23:30 UTC it is still today in New York, already tomorrow in Tokyo', () => {
    const late = "2026-11-30T23:30:00.000Z";
    const fromToday = { type: "date", min: "today" } as const;
    expect(checkInput(fromToday, text("30-11-2026"), late).ok).toBe(true);
    expect(checkInput(fromToday, text("30-11-2026"), late, "America/New_York").ok).toBe(true);
    expect(checkInput(fromToday, text("30-11-2026"), late, "Asia/Tokyo").ok).toBe(false);
    expect(checkInput({ type: "date", max: "today" }, text("01-12-2026"), late, "Asia/Tokyo").ok).toBe(true);
    expect(checkInput({ type: "date", max: "today" }, text("01-12-2026"), late, "America/New_York").ok).toBe(false);
  });

  it("location: a shared pin, titled by its name", () => {
    expect(checkInput({ type: "location", request: true }, { kind: "location", lat: 1.5, long: -2, name: "Office" }, T0)).toEqual({ ok: true, value: "1.5,-2", title: "Office" });
  });
});

describe("patterns", () => {
  it("refuses patterns that backtrack badly, and broken ones", () => {
    expect(patternProblem("^(a+)+$")).toMatch(/quantifies a group/);
    expect(patternProblem("(\\d*x?)*")).toMatch(/quantifies a group/);
    expect(patternProblem("(a)\\1")).toMatch(/backreference/);
    expect(patternProblem("([a-z")).toMatch(/not a valid regular expression/);
    expect(patternProblem("^[A-Z]{2}\\d{1,2} ?\\d[A-Z]{2}$")).toBeNull();
    expect(patternProblem("^(ab)+$")).toBeNull();
  });
});

describe("paging", () => {
  const dynamic: DynamicOptions = { list: "l", next: { text: "x" }, titles: "clip", more: "More…" };
  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, title: `Item ${i}` }));
  it("up to 10 fit one message; beyond, pages of 9 with More…, the last page up to 10", () => {
    expect(pageOf(items(10), dynamic, 0)?.shown).toHaveLength(10);
    const pages = [0, 1, 2].map((p) => pageOf(items(25), dynamic, p)!.shown.map((o) => o.id));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 7]);
    expect(pages[0]!.at(-1)).toBe(MORE_ID);
    expect(pages[1]![0]).toBe("i9");
    expect(pages[2]).toEqual(
      items(25)
        .slice(18)
        .map((o) => o.id),
    );
    expect(pageOf([], dynamic, 0)).toBeNull();
  });

  it("clips a long title or description between whole characters: never inside a family emoji, a flag or an accented letter", () => {
    const family = "👨\u200d👩\u200d👧\u200d👦";
    const shaded = `${"Shaded, ".repeat(8)}by the`;
    const shown = pageOf(
      [
        { id: "f", title: `Family picnic table ${family} by the lake`, description: `${shaded}🇲🇦 lake` },
        { id: "c", title: `Creme brulee for two${"e\u0301".repeat(5)}` },
      ],
      dynamic,
      0,
    )!.shown;
    expect(shown).toEqual([
      { id: "f", title: "Family picnic table …", description: `${shaded}…` },
      { id: "c", title: "Creme brulee for twoe\u0301…" },
    ]);
  });

  it("leaves out a backend's item with the More… row's id: tapping it would page, not choose it", () => {
    const list = [{ id: MORE_ID, title: "Next week" }, ...items(2)];
    expect(pageOf(list, dynamic, 0)?.shown.map((o) => o.id)).toEqual(["i0", "i1"]);
    expect(pageOf([{ id: MORE_ID, title: "Next week" }], dynamic, 0)).toBeNull();
  });
});

describe("the compiler", () => {
  const menu = (nodes: Record<string, unknown>, extra: Record<string, unknown> = {}) => checkMenu({ id: "m", start: Object.keys(nodes)[0], nodes, ...extra });
  const messages = (r: ReturnType<typeof checkMenu>, which: "errors" | "warnings") => r[which].map((p) => `${p.path}: ${p.message}`).join("\n");

  it("takes settings.timezone as an IANA zone the runtime knows, and refuses another with the rule", () => {
    const nodes = { a: { type: "input", text: "When?", var: "day", validate: { type: "date", min: "today" }, next: { text: "ok" } } };
    expect(menu(nodes, { settings: { timezone: "Europe/Paris" } }).menu?.settings.timeZone).toBe("Europe/Paris");
    expect(menu(nodes, { settings: { timezone: "UTC" } }).menu?.settings.timeZone).toBeUndefined();
    expect(messages(menu(nodes, { settings: { timezone: "Europe/Atlantis" } }), "errors")).toMatch(/\$\.settings\.timezone: must be an IANA time zone such as "Europe\/London"/);
  });

  it("refuses request URLs that are not https on a public host, placeholders in the host, a GET with a body", () => {
    const r = menu({
      a: { type: "request", url: "http://backend.example.com/x", next: "b", failure: "b" },
      b: { type: "request", url: "https://{{vars.host}}/x", next: "c", failure: "c" },
      c: { type: "request", method: "GET", url: "https://10.0.0.1/x", body: { a: 1 }, next: "d", failure: "d" },
      d: { type: "text", text: "end" },
    });
    const text = messages(r, "errors");
    expect(text).toMatch(/\$\.nodes\.a\.url: url must be an https URL/);
    expect(text).toMatch(/\$\.nodes\.b\.url: placeholders may be used in the path and query only/);
    // One problem for that URL: not also the stand-in host's ("names x, a name without a domain").
    expect(r.errors.filter((e) => e.path === "$.nodes.b.url")).toHaveLength(1);
    expect(text).toMatch(/\$\.nodes\.c\.url: url names 10\.0\.0\.1, a private/);
    expect(text).toMatch(/\$\.nodes\.c\.body: a GET request has no body/);
  });

  it("refuses a date input whose min is after its max (no answer could pass) or whose bound is no day of the calendar", () => {
    const date = (validate: Record<string, unknown>) => menu({ d: { type: "input", text: "Which day?", var: "day", validate: { type: "date", ...validate }, next: { text: "ok" } } });
    const swapped = date({ min: "2027-01-31", max: "2027-01-01" });
    expect(swapped.menu).toBeNull();
    expect(messages(swapped, "errors")).toBe("$.nodes.d.validate: min 2027-01-31 is after max 2027-01-01, so no date would ever be accepted; swap them");
    expect(messages(date({ max: "2027-02-30" }), "errors")).toBe('$.nodes.d.validate.max: max "2027-02-30" is not a day of the calendar; write a real date as YYYY-MM-DD, or "today"');
    for (const ok of [
      { min: "today", max: "2028-02-29" },
      { min: "2027-01-01", max: "2027-01-01" },
      { min: "2027-06-01", max: "today" },
    ])
      expect(date(ok).errors).toEqual([]);
  });

  it("refuses a choice input's value that is also a command, which typing it would never choose (as for an option title)", () => {
    const r = menu({
      seat: { type: "input", text: "Front or back?", var: "seat", validate: { type: "choice", values: ["Front", "Back"] }, next: "done" },
      done: { type: "text", text: "ok" },
    });
    expect(r.menu).toBeNull();
    expect(messages(r, "errors")).toMatch(/\$\.nodes\.seat\.validate\.values\[1\]: value "Back" would be read as the back command "back"; rename the value or change settings\.commands\.back/);
  });

  it("refuses an option whose reply id is the More… row's, which no tap or typed title could ever choose", () => {
    const shorthand = menu({ a: { type: "question", text: "?", options: [{ id: MORE_ID, title: "More", next: { text: "x" } }] } });
    expect(messages(shorthand, "errors")).toMatch(/\$\.nodes\.a\.options\[0\]: option id "wa-menu:more" is reserved for the More… row of dynamic questions; choose another id/);
    const raw = menu({
      a: {
        type: "question",
        interactive: { type: "button", body: { text: "?" }, action: { buttons: [{ type: "reply", reply: { id: MORE_ID, title: "More" } }] } },
        next: { [MORE_ID]: { text: "x" } },
      },
    });
    expect(messages(raw, "errors")).toMatch(/option id "wa-menu:more" is reserved/);
  });

  it("refuses a dynamic question whose empty exit loops back to it without a question in between: an empty list would send that text again and again", () => {
    const nodes = (empty: unknown, extra: Record<string, unknown> = {}) => ({
      load: { type: "request", url: "https://backend.example.com/slots", lists: { slots: { path: "slots", id: "id", title: "label" } }, next: "pick", failure: { text: "Down." } },
      pick: { type: "question", text: "Which slot?", options: { from: "slots", next: { text: "Booked." }, ...(empty === undefined ? {} : { empty }) } },
      ...extra,
    });
    const looped = menu(nodes("none", { none: { type: "text", text: "No free slots right now.", next: "pick" } }));
    expect(looped.menu).toBeNull();
    expect(messages(looped, "errors")).toMatch(/loop back to "(pick|none)" without a question in between/);
    // Through the menu's fallback, which an empty list without its own exit takes.
    const viaFallback = menu(nodes(undefined, { none: { type: "text", text: "No free slots right now.", next: "pick" } }), { settings: { fallback: "none" } });
    expect(messages(viaFallback, "errors")).toMatch(/loop back to "(pick|none)" without a question in between/);
    // Asking again in between is a wait: accepted, as are an empty exit that ends and one that leads to a question.
    const asks = { again: { type: "question", text: "No free slots. Try again?", options: [{ id: "retry", title: "Try again", next: "load" }] } };
    expect(menu(nodes("again", asks)).errors).toEqual([]);
    expect(menu(nodes({ text: "No free slots." })).errors).toEqual([]);
  });

  it("refuses a menu whose declared and set variables are more than a conversation holds: the answer beyond them would be lost", () => {
    const declared = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, {}]));
    const named = (variables: Record<string, unknown>, v = "name") =>
      menu({ name: { type: "input", text: "Your name?", var: v, next: { text: "Thanks, {{vars.name}}.", webhook: "https://hooks.example.com/done" } } }, { variables });
    const over = named(declared(VARS_MAX));
    expect(over.menu).toBeNull();
    expect(messages(over, "errors")).toBe(
      `$.nodes.name: variable "name" is one more than a conversation holds: the menu declares ${VARS_MAX} and its inputs, requests and dynamic questions set more, at most ${VARS_MAX} names in all; reuse a name or save fewer values`,
    );
    expect(named(declared(VARS_MAX - 1)).errors).toEqual([]);
    expect(named(declared(VARS_MAX), "v0").errors).toEqual([]);
  });

  it("refuses loops of nodes that do not wait, and more than two requests in a row", () => {
    const loop = menu({ a: { type: "condition", when: [{ if: { var: "x", exists: true }, next: "b" }], else: "a" }, b: { type: "text", text: "t", next: "a" } });
    expect(messages(loop, "errors")).toMatch(/nodes that do not wait \(texts, conditions, requests\) loop back to "a" without a question in between/);
    const chain = menu({
      a: { type: "request", url: "https://x.example.com/1", next: "b", failure: "b" },
      b: { type: "request", url: "https://x.example.com/2", next: "c", failure: "c" },
      c: { type: "request", url: "https://x.example.com/3", next: { text: "done" }, failure: { text: "down" } },
    });
    expect(messages(chain, "errors")).toMatch(/\$\.nodes\.a: more than 2 requests in a row/);
  });

  it("refuses patterns that backtrack badly, in inputs and conditions", () => {
    const r = menu({
      a: { type: "input", text: "?", var: "v", validate: { type: "regex", pattern: "(x+)+y" }, next: "b" },
      b: { type: "condition", when: [{ if: { var: "v", matches: "(a*)*" }, next: { text: "1" } }], else: { text: "2" } },
    });
    expect(messages(r, "errors")).toMatch(/nodes\.a\.validate\.pattern: pattern quantifies a group/);
    expect(messages(r, "errors")).toMatch(/nodes\.b\.when\[0\]\.if\.matches: matches quantifies a group/);
  });

  it("warns about a variable no path sets before it is used, unused variables and lists, and a request without a failure exit", () => {
    const r = menu({
      early: { type: "text", text: "Hi {{vars.name}}", next: "ask" },
      ask: { type: "input", text: "Your name?", var: "name", next: "load" },
      load: {
        type: "request",
        url: "https://x.example.com/{{vars.name}}",
        method: "GET",
        save: { spare: "a" },
        lists: { things: { path: "t", id: "id", title: "t" } },
        next: { text: "ok {{vars.name}}" },
      },
    });
    const text = messages(r, "warnings");
    expect(text).toMatch(/\$\.nodes\.early\.text: placeholder \{\{vars\.name\}\} names a variable that no path from the start sets before here/);
    expect(text).not.toMatch(/nodes\.load\.url: placeholder/);
    expect(text).toMatch(/\$\.nodes\.load: variable "spare" is set here but nothing reads it/);
    expect(text).toMatch(/list "things" is saved here but no question shows it/);
    expect(text).toMatch(/\$\.nodes\.load\.failure: request "load" has no failure exit/);
    expect(r.errors).toEqual([]);
  });

  it("the booking example compiles without warnings", async () => {
    const r = checkMenu(JSON.parse(await readFile("menus/booking.json", "utf8")));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe("the graph", () => {
  it("draws inputs as flags, requests as cylinders with ok and failure edges, conditions as diamonds with their tests", () => {
    const graph = menuGraph(booking.menu);
    expect(graph).toContain('n0>"postcode (input, regex): Hi #123;#123;profile.name#125;#125;! Let\'s book yo…"]');
    expect(graph).toContain('n1[("fetch-slots (request): POST https://backend.example.com/slo…")]');
    expect(graph).toMatch(/n1 -->\|"ok"\| n2\n {2}n1 -->\|"failure"\| n9/);
    expect(graph).toContain('n2{"any-left (condition)"}');
    expect(graph).toContain('n2 -->|"slots items #gt; 0"| n3');
    expect(graph).toContain('n3["pick (options from slots): These delivery slots are free in…"]');
    expect(graph).toContain('n3 -->|"any option"| n4');
  });
});

describe("the engine and requests", () => {
  const hi = (uuid = "in-1"): InboundEvent => ({ messageUuid: uuid, ...who, timestamp: T0, content: { kind: "text", text: "hi" } });
  const at = (s: Session | null, text: string, fetched: FetchResult[] = [], uuid = "in-2") =>
    decideInbound({
      session: s,
      sent: s?.owed ? { step: s.owed.step, done: effectCount(s.owed), uuids: s.owed.sends.map((_, i) => `out-${i}`), at: T0 } : null,
      optedOut: false,
      event: { ...hi(uuid), content: { kind: "text", text } },
      active: s && booking,
      fresh: s ? null : booking,
      now: T0,
      writer: "w",
      fetched,
    });

  it("a walk stops at a request and says what to fetch; the same input asks the same request (one key); its result walks on", () => {
    const started = at(null, "hi", [], "in-1");
    expect(started.outcome).toBe("started");
    const waiting = started.session!;
    const first = at(waiting, "SW1A 1AA");
    expect(first.session).toBeNull();
    expect(first.perform).toBeNull();
    expect(first.fetch).toMatchObject({ node: "fetch-slots", method: "POST", url: "https://backend.example.com/slots", body: '{"postcode":"SW1A 1AA"}' });
    expect(at(waiting, "SW1A 1AA").fetch?.key).toBe(first.fetch?.key);
    expect(first.fetch?.key).toBe(`in-1/2/fetch-slots/in-2`);
    expect(at(waiting, "SW1A 1AA", [], "in-3").fetch?.key).not.toBe(first.fetch?.key);

    const slots = Array.from({ length: 3 }, (_, i) => ({ id: `s${i}`, label: `Slot ${i}` }));
    const done = at(waiting, "SW1A 1AA", [{ ok: true, status: 200, json: { area: "SW", slots } }]);
    expect(done.outcome).toBe("advanced");
    expect(done.session?.vars).toEqual({ postcode: "SW1A 1AA", area: "SW" });
    expect(done.session?.pending?.options?.map((o) => o.id)).toEqual(["s0", "s1", "s2"]);
    expect(done.perform?.owed.sends).toHaveLength(1);

    const failed = at(waiting, "SW1A 1AA", [{ ok: false, reason: "timeout" }]);
    expect(failed.outcome).toBe("completed");
    expect(failed.perform?.owed.sends[0]).toMatchObject({ type: "text", text: expect.stringMatching(/cannot look up delivery slots/) });
  });

  it("stays small: the largest lists, variables and undo for back a booking can hold fit Deno KV's 64 KiB with room", () => {
    const big = "x".repeat(500);
    const items = Array.from({ length: 100 }, (_, i) => ({ id: `${i}`.padEnd(64, "i"), label: big, note: big }));
    let s = at(null, "hi", [], "in-1").session!;
    s = at(s, "SW1A 1AA", [{ ok: true, status: 200, json: { area: big.repeat(10), slots: items } }]).session!;
    expect(s.lists?.["slots"]).toHaveLength(LIST_ITEMS_MAX);
    expect(s.lists?.["slots"]?.[0]?.title.length).toBe(LIST_TEXT_MAX);
    expect(s.vars?.["area"]?.length).toBe(VAR_VALUE_MAX);
    const fullVars = Object.fromEntries(Array.from({ length: VARS_MAX }, (_, i) => [`v${i}`, big.repeat(3).slice(0, VAR_VALUE_MAX)]));
    const lists = Object.fromEntries(Array.from({ length: LISTS_MAX }, (_, i) => [`l${i}`, s.lists!["slots"]!]));
    const shown = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `${i}`.padEnd(64, "i"), title: "t".repeat(24), description: "d".repeat(72) }));
    const asked = (seen: boolean) => ({ ...s.pending!, options: shown(10), ...(seen ? { seen: shown(LIST_ITEMS_MAX) } : {}) });
    // Every question with an undo of a full variable and an unset one: the bound keeps the newest within UNDO_MAX.
    const undo = (i: number) => ({ [`v${i}`]: big.repeat(3).slice(0, VAR_VALUE_MAX), [`w${i}`]: null });
    const { options: _, ...plain } = s.pending!;
    const earlier = [...Array.from({ length: ASKED_MAX - SHOWN_KEPT }, () => plain), ...Array.from({ length: SHOWN_KEPT }, () => asked(false))].map((a, i) => ({ ...a, undo: undo(i) }));
    const pending = { ...asked(true), undo: undo(ASKED_MAX) };
    const bounded = boundUndo(earlier, undoSize(pending.undo));
    expect([pending, ...bounded].reduce((n, a) => n + undoSize(a.undo), 0)).toBeLessThanOrEqual(UNDO_MAX);
    const worst = { ...s, vars: fullVars, lists, pending, asked: bounded };
    expect(new TextEncoder().encode(JSON.stringify(worst)).length).toBeLessThan(60 * 1024);
  });
});
