/** The local stand-in for Meta's approved templates: `menus/templates.json`, checked as Meta would approve it. */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import shipped from "../../menus/templates.json" with { type: "json" };
import { DevError } from "../../scripts/dev/dev-error.js";
import { readTemplates } from "../../scripts/dev/read-templates.js";
import { checkTemplates, fillTemplate } from "../../sim/templates.js";
import { parseMenu } from "../../src/menus/compile.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const good = { name: "cafe_welcome", language: "en_GB", category: "utility", body: "Hi {{1}}, your table {{2}} is ready to order from. Shall we start?", buttons: ["Order now", "Not now"] };
const problemsOf = (doc: unknown) => checkTemplates(doc).problems;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("the templates file", () => {
  // Every example menu has one: a chip of `npm start` for a customer who never wrote (Alice and Bilal at first) sends it.
  it("as shipped approves the template of every example menu, in its language, with the menu's parameter count and button texts", async () => {
    const { registry, problems } = checkTemplates(shipped);
    expect(problems).toEqual([]);
    const files = (await readdir(join(ROOT, "menus"))).filter((f) => f.endsWith(".json") && f !== "templates.json");
    const named = [];
    for (const file of files) {
      const menu = parseMenu(JSON.parse(await readFile(join(ROOT, "menus", file), "utf8")));
      expect(menu.template, `${file} has a template`).toBeDefined();
      if (menu.template === undefined) continue;
      const approved = registry!.find(menu.template.name, menu.template.language);
      expect(approved, `${file} names template ${menu.template.name}`).toBeDefined();
      expect(approved!.parameters, file).toBe(menu.template.parameters.length);
      expect(approved!.buttons, file).toEqual(menu.template.options.map((o) => o.title));
      named.push(menu.template.name);
    }
    expect(named.sort()).toEqual(["booking_invite", "cafe_welcome", "delivery_update", "pills_reminder"]);
  });

  it("finds a template by name and language, and knows which languages a name has", () => {
    const { registry } = checkTemplates({ templates: [good, { ...good, language: "fr", body: "Bonjour {{1}}, la table {{2}} est prête. On commence ?" }] });
    expect(registry!.find("cafe_welcome", "en_GB")).toMatchObject({ parameters: 2, buttons: ["Order now", "Not now"] });
    expect(registry!.find("cafe_welcome", "de")).toBeUndefined();
    expect(registry!.languagesOf("cafe_welcome")).toEqual(["en_GB", "fr"]);
    expect(registry!.languagesOf("nope")).toEqual([]);
  });

  it("takes a template without buttons, and fills the body's parameters in order", () => {
    const { buttons: _, ...noButtons } = good;
    const { registry } = checkTemplates({ templates: [noButtons] });
    expect(registry!.templates[0]!.buttons).toEqual([]);
    expect(fillTemplate(good.body, ["Ada", "7"])).toBe("Hi Ada, your table 7 is ready to order from. Shall we start?");
    expect(fillTemplate(good.body, ["Ada"])).toBe("Hi Ada, your table {{2}} is ready to order from. Shall we start?");
  });

  it("names each problem of each template with its path", () => {
    const doc = {
      templates: [
        { ...good, name: "Cafe Welcome", language: "english", category: "promo" },
        { ...good, body: "", buttons: ["Order now", "Order now", "x".repeat(26), ""] },
        { ...good, body: "Hi {{1}}, see you at {{3}} today." },
        { ...good, body: "{{1}}, your table is ready" },
        { ...good, buttons: Array.from({ length: 11 }, (_, i) => `Button ${i}`) },
        { ...good, body: "x".repeat(1025) },
        { ...good, colour: "green" },
        { name: "bare" },
      ],
    };
    expect(problemsOf(doc)).toEqual([
      { path: "$.templates[0].name", message: "may hold only lower-case letters, digits and underscores, as WhatsApp template names do" },
      { path: "$.templates[0].language", message: 'must be a WhatsApp language code such as "en" or "en_GB"' },
      { path: "$.templates[0].category", message: "must be utility, marketing or authentication" },
      { path: "$.templates[1].body", message: "must not be empty" },
      { path: "$.templates[1].buttons[2]", message: "must be at most 25 characters" },
      { path: "$.templates[1].buttons[3]", message: "must not be empty" },
      { path: "$.templates[1].buttons[1]", message: '"Order now" is already a button of this template: button texts must be unique' },
      { path: "$.templates[2].body", message: "uses {{3}} but not {{2}}: parameters must run {{1}}, {{2}}, ... without gaps" },
      { path: "$.templates[3].body", message: "must not start or end with a parameter: Meta does not approve such templates" },
      { path: "$.templates[4].buttons", message: "at most 10 quick-reply buttons" },
      { path: "$.templates[5].body", message: "must be at most 1024 characters" },
      { path: "$.templates[6]", message: 'Unrecognized key: "colour"' },
      { path: "$.templates[7].language", message: "is required" },
      { path: "$.templates[7].category", message: "must be utility, marketing or authentication" },
      { path: "$.templates[7].body", message: "is required" },
    ]);
  });

  it("refuses two buttons of one template with the same text", () => {
    expect(problemsOf({ templates: [{ ...good, buttons: ["Order now", "Order now"] }] })).toEqual([
      { path: "$.templates[0].buttons[1]", message: '"Order now" is already a button of this template: button texts must be unique' },
    ]);
  });

  it("refuses a second template of the same name and language, but not the same name in another language", () => {
    expect(problemsOf({ templates: [good, { ...good, language: "en_US" }, { ...good, body: "Hello {{1}} at table {{2}}, ready?" }] })).toEqual([
      { path: "$.templates[2]", message: '"cafe_welcome" in en_GB is already $.templates[0]: one template per name and language' },
    ]);
  });

  it("must be an object with a list of templates", () => {
    expect(problemsOf([])).toEqual([{ path: "$", message: expect.stringContaining("expected object") }]);
    expect(problemsOf({})).toEqual([{ path: "$.templates", message: expect.stringContaining("expected array") }]);
  });
});

describe("npm start's loading of the templates", () => {
  async function file(text: string) {
    const dir = await mkdtemp(join(tmpdir(), "wa-templates-"));
    dirs.push(dir);
    const path = join(dir, "templates.json");
    await writeFile(path, text);
    return path;
  }

  it("reads the shipped file", async () => {
    const { registry, found } = await readTemplates(join(ROOT, "menus", "templates.json"));
    expect(found).toBe(true);
    expect(registry.templates.map((t) => t.name)).toEqual(["cafe_welcome", "delivery_update", "pills_reminder", "booking_invite"]);
  });

  it("without a file has no approved templates", async () => {
    const { registry, found } = await readTemplates(join(tmpdir(), "no-such-dir-wa", "templates.json"));
    expect(found).toBe(false);
    expect(registry.templates).toEqual([]);
  });

  it("stops with every problem listed, or with the JSON error", async () => {
    const path = await file(
      JSON.stringify({
        templates: [
          { ...good, language: "english" },
          { ...good, buttons: ["x".repeat(30)] },
        ],
      }),
    );
    const error = await readTemplates(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevError);
    expect((error as DevError).message).toBe(
      `the templates in ${path} have problems; fix them (or move the file away to start without templates) and start again:\n` +
        `  $.templates[0].language: must be a WhatsApp language code such as "en" or "en_GB"\n` +
        "  $.templates[1].buttons[0]: must be at most 25 characters",
    );
    const broken = await file("{ nope");
    await expect(readTemplates(broken)).rejects.toThrow(`${broken} is not valid JSON`);
  });
});
