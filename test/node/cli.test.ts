import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runCli, type CliIo } from "../../cli/wa-menu.js";
import { createApp } from "../../src/http/app.js";
import { memoryKv } from "../../src/store/memory.js";
import { systemRandom } from "../../src/system.js";
import { generateTestKeys } from "../support/keys.js";

const ADMIN_TOKEN = "cli-test-admin-token-0123456789";

/** Runs the CLI with real files, captured output and, for push/pull, a real app over in-memory stores. */
function cli(files: Record<string, string> = {}, fetchImpl?: typeof fetch) {
  const out: string[] = [];
  const err: string[] = [];
  const written: Record<string, string> = {};
  const io: CliIo = {
    readFile: async (path) => files[path] ?? readFile(path, "utf8"),
    writeFile: async (path, text) => void (written[path] = text),
    fetch: fetchImpl ?? (async () => { throw new Error("no network in this test"); }),
    env: { WA_MENU_TOKEN: ADMIN_TOKEN, WA_MENU_URL: "http://worker.test" },
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
  };
  return { io, out, err, written, run: (...argv: string[]) => runCli(argv, io) };
}

describe("wa-menu validate", () => {
  it("passes every example menu", async () => {
    const { run, out, err } = cli();
    expect(await run("validate", "menus/cafe.json", "menus/delivery.json", "menus/pills.json")).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([
      'menus/cafe.json: ok, menu "cafe" with 5 nodes',
      'menus/delivery.json: ok, menu "delivery" with 1 nodes',
      'menus/pills.json: ok, menu "pills" with 2 nodes',
    ]);
  });

  it("fails on broken files with each problem's path and limit", async () => {
    const menu = JSON.parse(await readFile("menus/delivery.json", "utf8"));
    menu.nodes["delivery-time"].interactive.action.buttons[0].reply.title = "A very long button title";
    menu.nodes["delivery-time"].next["slot-2"] = "nowhere";
    const { run, err } = cli({ "broken.json": JSON.stringify(menu), "notjson.json": "{ nope" });
    expect(await run("validate", "broken.json", "notjson.json", "missing.json")).toBe(1);
    expect(err).toEqual([
      'broken.json: error $.nodes["delivery-time"].interactive.action.buttons[0].reply.title: button title must be at most 20 characters (WhatsApp limit)',
      expect.stringMatching(/^wa-menu: notjson\.json: not valid JSON/),
      "wa-menu: missing.json: cannot read the file",
    ]);
    const routing = cli({ "r.json": JSON.stringify({ ...menu, nodes: { ...menu.nodes, "delivery-time": { ...menu.nodes["delivery-time"], interactive: JSON.parse(await readFile("menus/delivery.json", "utf8")).nodes["delivery-time"].interactive } } }) });
    expect(await routing.run("validate", "r.json")).toBe(1);
    expect(routing.err).toEqual(['r.json: error $.nodes["delivery-time"].next["slot-2"]: destination node "nowhere" does not exist']);
  });

  it("prints warnings without failing", async () => {
    const menu = JSON.parse(await readFile("menus/delivery.json", "utf8"));
    menu.nodes.orphan = { type: "text", text: "never sent" };
    const { run, out } = cli({ "w.json": JSON.stringify(menu) });
    expect(await run("validate", "w.json")).toBe(0);
    expect(out).toEqual(['w.json: warning $.nodes.orphan: node "orphan" cannot be reached from the start node', 'w.json: ok, menu "delivery" with 2 nodes']);
  });
});

describe("wa-menu graph and schema", () => {
  it("draws the cafe menu as the committed Mermaid flowchart", async () => {
    const { run, out } = cli();
    expect(await run("graph", "menus/cafe.json")).toBe(0);
    expect(`${out.join("\n")}\n`).toBe(await readFile("test/fixtures/cafe.mmd", "utf8"));
  });

  it("the README shows the cafe menu's current graph", async () => {
    const readme = await readFile("README.md", "utf8");
    expect(readme).toContain(`\`\`\`mermaid\n${await readFile("test/fixtures/cafe.mmd", "utf8")}\`\`\``);
  });

  it("the README's example menu is valid", async () => {
    const readme = await readFile("README.md", "utf8");
    const example = /```json\n(\{\n  "\$schema"[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const { run, err } = cli({ "readme.json": example! });
    expect(await run("validate", "readme.json")).toBe(0);
    expect(err).toEqual([]);
  });

  it("the committed JSON Schema is the one the zod schema generates (run `npm run schema` after changing it)", async () => {
    const { run, written } = cli();
    expect(await run("schema", "--out", "schema/menu.schema.json")).toBe(0);
    expect(written["schema/menu.schema.json"]).toBe(await readFile("schema/menu.schema.json", "utf8"));
  });

  it("every example references the JSON Schema", async () => {
    for (const name of ["cafe", "delivery", "pills"]) {
      expect(JSON.parse(await readFile(`menus/${name}.json`, "utf8")).$schema).toBe("../schema/menu.schema.json");
    }
  });
});

describe("wa-menu push, pull and bind against a worker", async () => {
  // The worker checks its key when it loads its configuration, even though nothing is sent here.
  const keys = await generateTestKeys();
  function worker() {
    const app = createApp({
      env: { VONAGE_APPLICATION_ID: "app", VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: "s".repeat(32), ADMIN_TOKEN },
      stores: { menus: memoryKv(), sessions: memoryKv() },
      fetch: async () => new Response(null, { status: 599 }),
      now: Date.now,
      sleep: async () => undefined,
      random: systemRandom,
      log: () => undefined,
    });
    return (async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init))) as typeof fetch;
  }

  it("publishes versions, pulls any of them back and binds numbers", async () => {
    const fetchImpl = worker();
    const first = cli({}, fetchImpl);
    expect(await first.run("push", "menus/pills.json")).toBe(0);
    expect(await first.run("push", "menus/pills.json")).toBe(0);
    expect(first.out).toEqual(['menus/pills.json: published "pills" as version 1', 'menus/pills.json: published "pills" as version 2']);
    const pulled = cli({}, fetchImpl);
    expect(await pulled.run("pull", "pills", "--version", "1", "--out", "p.json")).toBe(0);
    expect(JSON.parse(pulled.written["p.json"]!)).toEqual(JSON.parse(await readFile("menus/pills.json", "utf8")));
    expect(await pulled.run("bind", "447700900000", "pills")).toBe(0);
    expect(await pulled.run("bind", "default", "nope")).toBe(2);
    expect(pulled.err).toEqual(['wa-menu: bind: menu "nope" does not exist; upload it first']);
  });

  it("says what to do when the token is wrong or the worker is down", async () => {
    const wrong = cli({}, worker());
    wrong.io.env["WA_MENU_TOKEN"] = "not-the-admin-token-at-all";
    expect(await wrong.run("push", "menus/pills.json")).toBe(2);
    expect(wrong.err[0]).toMatch(/refused the menu \(401\): missing or wrong admin token/);
    const down = cli();
    expect(await down.run("pull", "pills")).toBe(2);
    expect(down.err).toEqual(["wa-menu: cannot reach http://worker.test: is the worker running (npm start), or is --url right?"]);
  });
});
