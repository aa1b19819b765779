import { describe, expect, it } from "vitest";
import cafe from "../../menus/cafe.json";
import delivery from "../../menus/delivery.json";
import pills from "../../menus/pills.json";
import { MenuInvalidError } from "../../src/errors.js";
import { checkMenu, parseMenu } from "../../src/menus/compile.js";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const messages = (input: unknown) => checkMenu(input).errors.map((p) => `${p.path}: ${p.message}`);

describe("menu validation", () => {
  it.each([
    ["delivery", delivery],
    ["pills", pills],
    ["cafe", cafe],
  ])("the example menu %s is valid, with no warnings", (_, menu) => {
    const report = checkMenu(menu);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.menu?.id).toBe((menu as { id: string }).id);
  });

  it("reports every problem of a broken menu at once, each with its JSON path and the limit", () => {
    const broken = clone(cafe) as any;
    broken.nodes.welcome.interactive.action.buttons.push({ type: "reply", reply: { id: "extra", title: "Extra" } });
    broken.nodes.welcome.interactive.header.text = "h".repeat(61);
    broken.nodes.drink.interactive.action.sections[0].rows[0].title = "An espresso, short and strong";
    broken.nodes.drink.interactive.action.sections[1].rows.push(...Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, title: `Tea ${i}` })));
    broken.nodes.confirm.interactive.action.buttons[1].reply.title = "Yes, please";
    broken.nodes.confirm.interactive.footer = { text: "" };
    broken.nodes.drink.interactive.body.text = "x".repeat(1025);
    const problems = messages(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        "$.nodes.welcome.interactive.action.buttons: a button message has 4 buttons; WhatsApp allows 3 (use a list for more)",
        "$.nodes.welcome.interactive.header.text: header text is 61 characters; WhatsApp allows 60",
        "$.nodes.drink.interactive.action.sections[0].rows[0].title: row title is 29 characters; WhatsApp allows 24",
        "$.nodes.drink.interactive.body.text: body text is 1025 characters; WhatsApp allows 1024",
        "$.nodes.drink.interactive.action.sections: a list message has 11 rows in all its sections; WhatsApp allows 10",
        '$.nodes.confirm.interactive.action.buttons[1].reply.title: button title "Yes, please" is used twice; WhatsApp requires unique titles',
        "$.nodes.confirm.interactive.footer.text: footer text must not be empty",
        // The button and rows added have no destination either: said in the same pass, not after the rest is fixed.
        '$.nodes.welcome.next: option "extra" has no destination; add "extra": "<node id>" or {"text": "..."}',
        ...Array.from({ length: 6 }, (_, i) => `$.nodes.drink.next: option "t${i}" has no destination; add "t${i}": "<node id>" or {"text": "..."}`),
      ]),
    );
    expect(problems).toHaveLength(14);
  });

  it("reports schema problems and dangling routes in the same pass, with the actual values", () => {
    // The menu of the issue: four buttons, a 35-character title, a dangling next and an 11-row list.
    const broken = {
      id: "broken",
      start: "ask",
      nodes: {
        ask: {
          type: "question",
          interactive: { type: "button", body: { text: "Pick" }, action: { buttons: ["a", "b", "c", "d"].map((id) => ({ type: "reply", reply: { id, title: id === "a" ? "A".repeat(35) : id } })) } },
          next: { a: "nowhere", b: "list", c: "list" },
        },
        list: { type: "question", text: "Which?", options: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}`, next: { text: "ok" } })) },
      },
    };
    expect(messages(broken)).toEqual([
      "$.nodes.ask.interactive.action.buttons[0].reply.title: button title is 35 characters; WhatsApp allows 20",
      "$.nodes.ask.interactive.action.buttons: a button message has 4 buttons; WhatsApp allows 3 (use a list for more)",
      "$.nodes.list.options: a question has 11 options; WhatsApp lists allow 10",
      '$.nodes.ask.next.a: destination node "nowhere" does not exist',
      '$.nodes.ask.next: option "d" has no destination; add "d": "<node id>" or {"text": "..."}',
    ]);
  });

  it("checks routing: missing destinations, unknown options, dangling nodes, text loops", () => {
    const broken = clone(pills) as any;
    delete broken.nodes.pill.next.row4;
    broken.nodes.pill.next.row9 = "confirm-red";
    broken.nodes["confirm-red"].next["red-no"] = "nowhere";
    expect(messages(broken)).toEqual([
      '$.nodes.pill.next: option "row4" has no destination; add "row4": "<node id>" or {"text": "..."}',
      '$.nodes["confirm-red"].next["red-no"]: destination node "nowhere" does not exist',
    ]);
    expect(checkMenu(broken).warnings).toEqual([{ path: "$.nodes.pill.next.row9", message: '"row9" is not the id of any button or row of this question, so this destination is never used' }]);

    const loop = clone(cafe) as any;
    loop.nodes.welcome.next.hours = "a";
    loop.nodes.a = { type: "text", text: "a", next: "b" };
    loop.nodes.b = { type: "text", text: "b", next: "a" };
    expect(messages(loop)).toContain('$.nodes.a: text nodes loop back to "a" without a question in between');

    const start = { ...clone(delivery), start: "missing" };
    expect(messages(start)).toContain('$.start: start node "missing" does not exist');

    // Reply ids that name members of Object.prototype are ids like any other (found by the menu property test).
    const inherited = clone(delivery) as any;
    inherited.nodes["delivery-time"].interactive.action.buttons[0].reply.id = "toString";
    inherited.nodes["delivery-time"].interactive.action.buttons[1].reply.id = "constructor";
    inherited.nodes["delivery-time"].next = { constructor: { text: "Booked." }, "slot-3": { text: "Booked." } };
    expect(messages(inherited)).toEqual(['$.nodes["delivery-time"].next: option "toString" has no destination; add "toString": "<node id>" or {"text": "..."}']);
  });

  it("refuses list headers that are not text, and media headers without https links", () => {
    const list = clone(pills) as any;
    list.nodes.pill.interactive.header = { type: "image", image: { link: "https://example.com/a.png" } };
    expect(messages(list)).toEqual(["$.nodes.pill.interactive.header: a list message takes only a text header (WhatsApp limit)"]);
    const button = clone(delivery) as any;
    button.nodes["delivery-time"].interactive.header = { type: "image", image: { link: "http://example.com/a.png" } };
    expect(messages(button)).toEqual(['$.nodes["delivery-time"].interactive.header.image.link: link must be an https URL']);
    // A URL parser reads these as https URLs; WhatsApp does not (found by the menu property test).
    for (const link of ["https:example.com/a.png", "HTTPS://example.com/a.png"]) {
      button.nodes["delivery-time"].interactive.header.image.link = link;
      expect(messages(button)).toEqual(['$.nodes["delivery-time"].interactive.header.image.link: link must be an https URL']);
    }
    button.nodes["delivery-time"].interactive.header.image.link = "https://example.com/a.png";
    expect(messages(button)).toEqual([]);
  });

  it("counts characters as WhatsApp does, not UTF-16 units", () => {
    const menu = clone(delivery) as any;
    menu.nodes["delivery-time"].interactive.action.buttons[0].reply.title = "🚚".repeat(20);
    expect(messages(menu)).toEqual([]);
    menu.nodes["delivery-time"].interactive.action.buttons[0].reply.title = "🚚".repeat(21);
    expect(messages(menu)).toHaveLength(1);
  });

  it("flags typos in WhatsApp fields instead of letting WhatsApp reject them later", () => {
    const menu = clone(delivery) as any;
    menu.nodes["delivery-time"].interactive.fotter = { text: "x" };
    expect(messages(menu)[0]).toMatch(/^\$\.nodes\["delivery-time"\]\.interactive: Unrecognized key/);
  });

  it("says a list that is left out, null or not a list is not one, once, and does not throw on it", () => {
    // The count of a list is checked even when its items have problems; it was checked on whatever stood there
    // instead, so a missing or null list threw (a 500 from PUT /admin/menus) and a number or a string got a count.
    const buttons = '$.nodes["delivery-time"].interactive.action.buttons: Invalid input: expected array, received';
    const cases: Array<[(m: any) => void, string]> = [
      [(m) => delete m.nodes["delivery-time"].interactive.action.buttons, `${buttons} undefined`],
      [(m) => (m.nodes["delivery-time"].interactive.action.buttons = null), `${buttons} null`],
      [(m) => (m.nodes["delivery-time"].interactive.action.buttons = 4), `${buttons} number`],
      [(m) => (m.nodes["delivery-time"].interactive.action.buttons = "abcd"), `${buttons} string`],
      [(m) => (m.nodes["delivery-time"] = { type: "question", text: "When?", options: null }), '$.nodes["delivery-time"].options: Invalid input: expected array, received null'],
      [(m) => (m.template.parameters = null), "$.template.parameters: Invalid input: expected array, received null"],
      [(m) => (m.template.buttons = 2), "$.template.buttons: Invalid input: expected array, received number"],
    ];
    for (const [change, problem] of cases) {
      const menu = clone(delivery) as any;
      change(menu);
      expect(() => checkMenu(menu)).not.toThrow();
      expect(messages(menu)).toEqual([problem]);
    }
    const list = clone(cafe) as any;
    delete list.nodes.drink.interactive.action.sections;
    expect(messages(list)).toEqual(["$.nodes.drink.interactive.action.sections: Invalid input: expected array, received undefined"]);
  });

  it("warns about nodes the start cannot reach", () => {
    const menu = clone(delivery) as any;
    menu.nodes.orphan = { type: "text", text: "never sent" };
    const report = checkMenu(menu);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([{ path: "$.nodes.orphan", message: 'node "orphan" cannot be reached from the start node' }]);
  });

  it("parseMenu throws a typed error carrying the problems; checkMenu never throws", () => {
    expect(() => parseMenu({ id: "x" })).toThrow(MenuInvalidError);
    for (const junk of [null, 1, "menu", [], { nodes: null }, { id: "a", start: "b", nodes: { b: { type: "question" } } }]) {
      expect(() => checkMenu(junk)).not.toThrow();
      expect(checkMenu(junk).errors.length).toBeGreaterThan(0);
    }
  });
});
