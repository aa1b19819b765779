/**
 * Edges of a conversation the engine rows do not reach, pure: a timeout outside the 24-hour window, a re-prompt on a
 * question at WhatsApp's length limit, a customer's own braces in a question asked again, back to a list, and
 * reminders' placeholders at upload.
 */
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { decideInbound, freshNeeded, needs, type MenuRef } from "../../src/flow/engine.js";
import { effectCount, WINDOW_MS } from "../../src/flow/session.js";
import { decideTimer } from "../../src/flow/timers.js";
import type { FetchResult, InboundEvent, Outgoing, Plan, SentRecord, Session } from "../../src/flow/types.js";
import { checkMenu, parseMenu } from "../../src/menus/compile.js";

const T0 = "2026-11-30T12:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const who = { business: "447700900000", customer: "447700900001" };
const HOOK = "https://hooks.example.com/orders";
let counter = 0;
let cafe: MenuRef;

beforeAll(async () => {
  cafe = { menu: parseMenu(JSON.parse(await readFile("menus/cafe.json", "utf8"))), version: 1 };
});

interface State {
  session: Session | null;
  sent: SentRecord | null;
  /** What the customer's phone got, in order. */
  phone: Outgoing[];
}
const fresh = (): State => ({ session: null, sent: null, phone: [] });

/** Stores and "sends" what a plan says, as the service does. */
function apply(state: State, plan: Plan): State {
  const next: State = { ...state, phone: [...state.phone] };
  if (plan.session !== null) next.session = plan.session;
  if (plan.perform !== null) {
    const { owed, from } = plan.perform;
    const uuids = [...plan.perform.uuids];
    owed.sends.slice(from).forEach((m, i) => {
      uuids[from + i] = `out-${++counter}`;
      next.phone.push(m);
    });
    next.sent = { step: owed.step, done: effectCount(owed), uuids, at: T0 };
  }
  return next;
}

function step(state: State, content: InboundEvent["content"], menu: MenuRef, options: { now?: string; fetched?: FetchResult[]; context?: string; profileName?: string } = {}) {
  const now = options.now ?? T0;
  const e: InboundEvent = {
    messageUuid: `in-${++counter}`,
    ...who,
    timestamp: now,
    content,
    ...(options.context === undefined ? {} : { contextUuid: options.context }),
    ...(options.profileName === undefined ? {} : { profileName: options.profileName }),
  };
  const active = needs(state.session).menu === null ? null : menu;
  const fresh = freshNeeded(state.session, e, active) === null ? null : menu;
  const plan = decideInbound({ session: state.session, sent: state.sent, optedOut: false, event: e, active, fresh, now, writer: `w-${++counter}`, fetched: options.fetched ?? [] });
  return { plan, state: apply(state, plan) };
}
const tap = (id: string) => ({ kind: "reply" as const, id, title: id });
const text = (t: string) => ({ kind: "text" as const, text: t });

/** The queue delivers the timer the session waits on at `now`. */
function fire(state: State, menu: MenuRef, now: string) {
  const timer = state.session?.timer;
  if (timer === undefined) throw new Error("the session waits on no timer");
  const plan = decideTimer({ session: state.session, sent: state.sent, optedOut: false, message: { v: 1, ...who, ...timer }, active: menu, now, writer: `w-${++counter}` });
  return { plan, state: apply(state, plan) };
}

describe("a timeout outside the 24-hour window", () => {
  /** One question, reminded once after 10 minutes; the timeout ends at a closing text that names the order webhook. */
  const menu = (): MenuRef => ({
    version: 1,
    menu: parseMenu({
      id: "tea",
      start: "ask",
      settings: { reminders: { after: "10m", times: 1, text: "Still there?", timeout: { text: "We will leave it there.", webhook: HOOK } } },
      nodes: { ask: { type: "question", text: "Tea or coffee?", options: [{ id: "tea", title: "Tea", next: { text: "One tea.", webhook: HOOK } }] } },
    }),
  });

  it("still tells the business the conversation ended, with the event it gets inside the window, and sends the customer nothing", () => {
    const tea = menu();
    const reminded = fire(step(fresh(), text("hi"), tea).state, tea, at(600)).state;
    const inside = fire(reminded, tea, at(1200)).plan;
    const outside = fire(reminded, tea, at(WINDOW_MS / 1000)).plan;
    expect(inside.outcome).toBe("timed_out");
    expect(outside.outcome).toBe("timed_out");
    expect(inside.perform?.owed.sends).toEqual([{ type: "text", text: "We will leave it there." }]);
    expect(outside.perform?.owed.sends).toEqual([]);
    const [a] = inside.perform?.owed.completions ?? [];
    const [b] = outside.perform?.owed.completions ?? [];
    expect(a?.webhook).toBe(HOOK);
    expect(a?.end).toBe("ask/timeout");
    expect({ ...b, completedAt: a?.completedAt }).toEqual(a);
    expect(outside.session?.pending).toBeNull();
    expect(outside.session?.timer).toBeUndefined();
    // The completion is claimed with the timer, so a redelivery of it performs what is still owed, once.
    expect(outside.session?.owed?.timer).toBe(reminded.session?.timer?.id);
  });

  it("whose way leads on to another question ends the conversation without writing to the customer", () => {
    const doc = { id: "tea", start: "ask", settings: { reminders: { after: "10m", times: 0, timeout: "later" } }, nodes: {} as Record<string, unknown> };
    doc.nodes = {
      ask: { type: "question", text: "Tea or coffee?", options: [{ id: "tea", title: "Tea", next: { text: "One tea.", webhook: HOOK } }] },
      later: { type: "question", text: "Shall we ask again tomorrow?", reminders: false, options: [{ id: "yes", title: "Yes", next: { text: "OK.", webhook: HOOK } }] },
    };
    const tea: MenuRef = { version: 1, menu: parseMenu(doc) };
    const asked = step(fresh(), text("hi"), tea).state;
    expect(fire(asked, tea, at(600)).plan.session?.pending?.node).toBe("later");
    const outside = fire(asked, tea, at(WINDOW_MS / 1000));
    expect([outside.plan.outcome, outside.plan.perform, outside.plan.session?.pending]).toEqual(["timed_out", null, null]);
  });
});

describe("a re-prompt on a question at WhatsApp's length limit", () => {
  const said = (m: Outgoing) => (m.type === "interactive" ? m.interactive.body.text : m.type === "text" || m.type === "location_request" ? m.text : m.type);
  /** A question body of 1,000 characters that ends with the question itself, and an input as long. */
  const long = `${"Our drinks are made to order. ".repeat(34).slice(0, 985)} Which size?`;
  const menu = (): MenuRef => ({
    version: 1,
    menu: parseMenu({
      id: "long",
      start: "size",
      settings: { texts: { reprompt: "Sorry {{profile.name}}, I didn't catch that. Please tap one of the options." } },
      nodes: {
        size: {
          type: "question",
          text: long,
          options: [
            { id: "s", title: "Small", next: "table" },
            { id: "l", title: "Large", next: "table" },
          ],
        },
        table: { type: "input", text: long.replace("Which size?", "Your table?"), var: "table", validate: { type: "number" }, next: { text: "Thanks." } },
      },
    }),
  });

  it("keeps the whole question and the whole note: the note goes just before it, in its own message, when both do not fit", () => {
    const m = menu();
    expect([...long]).toHaveLength(997);
    let s = step(fresh(), text("hi"), m).state;
    const wrong = step(s, text("medium please"), m);
    expect(wrong.plan.outcome).toBe("reprompted");
    expect(wrong.plan.perform?.owed.sends.map(said)).toEqual(["Sorry , I didn't catch that. Please tap one of the options.", long]);
    // The question is the last message, so its uuid is the one taps bind to; its buttons are still there.
    expect(wrong.plan.session?.owed?.question).toBe(1);
    const question = wrong.plan.perform?.owed.sends[1];
    expect(question?.type === "interactive" && question.interactive.type === "button" ? question.interactive.action.buttons.map((b) => b.reply.id) : []).toEqual(["s", "l"]);
    s = step(wrong.state, tap("l"), m).state;
    const typo = step(s, text("by the window"), m).plan;
    expect(typo.perform?.owed.sends.map(said)).toEqual([m.menu.settings.texts.invalidInput, long.replace("Which size?", "Your table?")]);
  });

  it("a short question keeps its note in the same bubble", () => {
    const s = step(fresh(), text("hi"), cafe).state;
    const sends = step(s, text("whatever"), cafe).plan.perform?.owed.sends ?? [];
    expect(sends.map(said)).toEqual([`${cafe.menu.settings.texts.reprompt}\n\nHi! What can we do for you today?`]);
  });
});

describe("a customer's own braces in a question asked again", () => {
  /** The customer's name, typed, then a question and a re-prompt that quote it; a long body puts the note apart. */
  const menu = (body: string): MenuRef => ({
    version: 1,
    menu: parseMenu({
      id: "braces",
      start: "name",
      settings: { texts: { reprompt: "Sorry {{vars.name}}, tap one." } },
      nodes: {
        name: { type: "input", text: "Your name?", var: "name", validate: { type: "text" }, next: "drink" },
        drink: { type: "question", text: body, options: [{ id: "tea", title: "Tea", next: { text: "Tea for {{answers.name.title}}." } }] },
      },
    }),
  });
  const said = (m: Outgoing) => (m.type === "interactive" ? m.interactive.body.text : m.type === "text" ? m.text : m.type);
  const typed = "{{profile.name}} {{vars.name}}";

  for (const [what, body, sends] of [
    ["in the question's bubble", "Tea, {{answers.name.title}}?", [`Sorry ${typed}, tap one.\n\nTea, ${typed}?`]],
    ["in a note of its own", `${"x".repeat(960)} {{vars.name}}?`, [`Sorry ${typed}, tap one.`, `${"x".repeat(960)} ${typed}?`]],
  ] as const) {
    it(`are sent as typed, never filled again (${what}): a re-prompt, and a re-prompt of it`, () => {
      const m = menu(body);
      const ada = { profileName: "Ada" };
      let s = step(fresh(), text("hi"), m, ada).state;
      s = step(s, text(typed), m, ada).state;
      expect(s.session?.vars?.name).toBe(typed);
      const wrong = step(s, text("coffee"), m, ada);
      expect(wrong.plan.outcome).toBe("reprompted");
      expect(wrong.plan.perform?.owed.sends.map(said)).toEqual(sends);
      // Asked again once more, from the session the re-prompt stored: still as typed.
      expect(step(wrong.state, text("milk"), m, ada).plan.perform?.owed.sends.map(said)).toEqual(sends);
    });
  }
});

describe("placeholders in reminders and the menu's own texts", () => {
  it("are checked at upload as a node's texts are: one that names nothing is reported with its path", () => {
    const report = checkMenu({
      id: "tea",
      start: "ask",
      variables: { table: {} },
      settings: {
        reminders: { after: "10m", text: "Still there, {{profile.nam}}?", timeout: { text: "Bye from table {{vars.tabel}}." } },
        texts: { reprompt: "Sorry {{profile.name}}, {{answers.ask.titel}}?" },
        fallback: { text: "We gave up on {{answers.nowhere.title}}." },
      },
      nodes: {
        ask: {
          type: "question",
          text: "Tea or coffee at table {{vars.table}}?",
          options: [{ id: "tea", title: "Tea", next: { text: "One {{answers.ask.title}}." } }],
          reminders: { text: "Table {{vars.table}}: {{answers.drink.title}}?", timeout: { text: "Closed {{answers.ask.id}} {{vars.tabel}}." } },
        },
      },
    });
    expect(report.menu).not.toBeNull();
    expect(report.warnings.map((w) => `${w.path}: ${w.message.split(";")[0]}`)).toEqual([
      "$.settings.reminders.text: placeholder {{profile.nam}} names nothing",
      "$.settings.reminders.timeout: placeholder {{vars.tabel}} names a variable the menu does not declare and no input, request or dynamic question sets",
      "$.settings.texts.reprompt: placeholder {{answers.ask.titel}} names nothing",
      "$.settings.fallback: placeholder {{answers.nowhere.title}} names nothing",
      "$.nodes.ask.reminders.text: placeholder {{answers.drink.title}} names nothing",
      "$.nodes.ask.reminders.timeout: placeholder {{vars.tabel}} names a variable the menu does not declare and no input, request or dynamic question sets",
    ]);
  });
});

describe("back to a list", () => {
  const twelve: FetchResult = { ok: true, status: 200, json: { items: Array.from({ length: 12 }, (_, i) => ({ id: `i${i + 1}`, name: `Item ${i + 1}` })) } };
  const items = { items: { path: "items", id: "id", title: "name" } };
  /**
   * A request fills a list of 12 items, shown two pages long; a size question after it. With `reload`, a later
   * request replaces that list (with another 3 items) before the size question.
   */
  const menu = (reload = false): MenuRef => ({
    version: 1,
    menu: parseMenu({
      id: reload ? "reload" : "paging",
      start: "load",
      nodes: {
        load: { type: "request", url: "https://backend.example.com/items", lists: items, next: "pick", failure: { text: "Down." } },
        pick: { type: "question", text: "Which one?", button: "See items", options: { from: "items", next: reload ? "reload" : "size" } },
        ...(reload ? { reload: { type: "request", url: "https://backend.example.com/others", lists: items, next: "size", failure: { text: "Down." } } } : {}),
        size: { type: "question", text: "Which size?", options: [{ id: "s", title: "Small", next: { text: "Thanks." } }] },
      },
    }),
  });
  const rows = (m: Outgoing | undefined) => {
    if (m?.type !== "interactive") return m?.type;
    const i = m.interactive;
    return i.type === "list" ? i.action.sections.flatMap((x) => x.rows.map((r) => r.id)) : i.action.buttons.map((b) => b.reply.id);
  };

  it("a static list comes back as it was sent: the same list message, sections and rows", () => {
    let s = step(fresh(), text("hi"), cafe).state;
    s = step(s, tap("order"), cafe).state;
    const list = s.phone.at(-1);
    s = step(s, tap("latte"), cafe).state;
    const back = step(s, text("back"), cafe).plan;
    expect(back.outcome).toBe("back");
    expect(back.perform?.owed.sends).toEqual([list]);
  });

  it("a paged dynamic list comes back at the page the customer chose on, and its earlier pages still answer it", () => {
    const m = menu();
    let s = step(fresh(), text("hi"), m, { fetched: [twelve] }).state;
    s = step(s, tap("wa-menu:more"), m).state;
    const page = s.phone.at(-1);
    expect(rows(page)).toEqual(["i10", "i11", "i12"]);
    // On that page, an item of the first page is still an answer, tapped or typed.
    expect(step(s, text("Item 2"), m).plan.session?.answers.at(-1)?.id).toBe("i2");
    s = step(s, tap("i11"), m).state;
    const back = step(s, text("back"), m);
    expect(back.plan.perform?.owed.sends).toEqual([page]);
    expect(back.plan.session?.pending?.page).toBe(1);
    expect(step(back.state, text("Item 2"), m).plan.session?.answers.at(-1)?.id).toBe("i2");
    expect(step(back.state, tap("i3"), m).plan.session?.answers.at(-1)?.id).toBe("i3");
  });

  const others: FetchResult = { ok: true, status: 200, json: { items: [1, 2, 3].map((i) => ({ id: `o${i}`, name: `Other ${i}` })) } };

  it("whose list a later request replaced gets that list back: its pages, and the answers on them, are the ones the customer saw", () => {
    const m = menu(true);
    let s = step(fresh(), text("hi"), m, { fetched: [twelve] }).state;
    s = step(s, tap("wa-menu:more"), m).state;
    const page = s.phone.at(-1);
    s = step(s, tap("i11"), m, { fetched: [others] }).state;
    expect(s.session?.lists?.items?.map((i) => i.id)).toEqual(["o1", "o2", "o3"]);
    const back = step(s, text("back"), m);
    expect(back.plan.perform?.owed.sends).toEqual([page]);
    // An item of the first page, typed or tapped, answers it as it did on that page before.
    expect(step(back.state, text("Item 2"), m, { fetched: [others] }).plan.session?.answers.at(-1)?.id).toBe("i2");
    expect(step(back.state, tap("i3"), m, { fetched: [others] }).plan.session?.answers.at(-1)?.id).toBe("i3");
    expect(back.plan.session?.lists?.items?.map((i) => i.id)).toEqual(Array.from({ length: 12 }, (_, i) => `i${i + 1}`));
  });

  it("after a rewind, gets back the list the rewound question showed: More… pages on through it", () => {
    const r = menu(true);
    const m: MenuRef = { ...r, menu: { ...r.menu, settings: { ...r.menu.settings, staleTaps: "rewind" } } };
    let s = step(fresh(), text("hi"), m, { fetched: [twelve] }).state;
    s = step(s, tap("i3"), m, { fetched: [others] }).state;
    const pick = s.session?.asked.at(-1);
    expect(pick?.node).toBe("pick");
    // A tap on pick's own message, after the list was replaced: pick is answered again, and the list is its own again.
    const rewound = step(s, tap("i4"), m, { fetched: [others], context: pick?.messageUuid ?? "" });
    expect([rewound.plan.outcome, rewound.plan.session?.answers.map((a) => a.id)]).toEqual(["rewound", ["i4"]]);
    const back = step(rewound.state, text("back"), m).state;
    expect(back.session?.pending?.node).toBe("pick");
    expect(rows(step(back, tap("wa-menu:more"), m).state.phone.at(-1))).toEqual(["i10", "i11", "i12"]);
  });

  it("whose list is too large for the undo bound is not put back (the reference says so)", () => {
    const m = menu(true);
    const long = (i: number, n: number) => `${i}`.padStart(n, "x");
    const thirty: FetchResult = { ok: true, status: 200, json: { items: Array.from({ length: 30 }, (_, i) => ({ id: long(i, 64), name: `Item ${i} `.padEnd(72, "x") })) } };
    let s = step(fresh(), text("hi"), m, { fetched: [thirty] }).state;
    s = step(s, tap(long(3, 64)), m, { fetched: [others] }).state;
    expect(s.session?.pending?.node).toBe("size");
    expect(s.session?.pending?.undoLists).toBeUndefined();
    expect(step(s, text("back"), m).plan.session?.lists?.items?.map((i) => i.id)).toEqual(["o1", "o2", "o3"]);
  });

  it("whose list later requests pushed out, and whose options it no longer holds, is shown again from its list", () => {
    const list = (name: string) => ({ path: name, id: "id", title: "name" });
    const m: MenuRef = {
      version: 1,
      menu: parseMenu({
        id: "pushed",
        start: "load",
        nodes: {
          load: { type: "request", url: "https://backend.example.com/items", lists: { items: list("items") }, next: "pick", failure: { text: "Down." } },
          pick: { type: "question", text: "Which one?", options: { from: "items", next: "more" } },
          more: { type: "request", url: "https://backend.example.com/extras", lists: { milks: list("milks"), syrups: list("syrups") }, next: "milk", failure: { text: "Down." } },
          milk: { type: "question", text: "Which milk?", options: { from: "milks", next: "syrup" } },
          syrup: { type: "question", text: "Which syrup?", options: { from: "syrups", next: "size" } },
          size: { type: "question", text: "Which size?", options: [{ id: "s", title: "Small", next: { text: "Thanks." } }] },
        },
      }),
    };
    const items = (prefix: string) => [1, 2].map((i) => ({ id: `${prefix}${i}`, name: `${prefix} ${i}` }));
    let s = step(fresh(), text("hi"), m, { fetched: [{ ok: true, status: 200, json: { items: items("item") } }] }).state;
    const pick = s.phone.at(-1);
    s = step(s, tap("item2"), m, { fetched: [{ ok: true, status: 200, json: { milks: items("milk"), syrups: items("syrup") } }] }).state;
    s = step(step(s, tap("milk1"), m).state, tap("syrup1"), m).state;
    expect(Object.keys(s.session?.lists ?? {})).toEqual(["milks", "syrups"]);
    s = step(step(s, text("back"), m).state, text("back"), m).state;
    const back = step(s, text("back"), m);
    expect([back.plan.outcome, back.plan.session?.pending?.node]).toEqual(["back", "pick"]);
    expect(back.plan.perform?.owed.sends).toEqual([pick]);
    expect(step(back.state, tap("item1"), m, { fetched: [{ ok: true, status: 200, json: { milks: items("milk"), syrups: items("syrup") } }] }).plan.session?.answers.at(-1)?.id).toBe("item1");
  });
});
