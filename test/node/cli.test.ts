import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTextFile } from "../../cli/node-files.js";
import { localCopy, localUrlsText } from "../../scripts/dev/local-copy.js";
import { SIMULATED_BUSINESS, SIMULATED_CUSTOMERS } from "../../scripts/dev/simulated-people.js";
import { COMMANDS, runCli, type CliIo } from "../../cli/wa-menu.js";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { createApp } from "../../src/http/app.js";
import { memoryKv } from "../../src/store/memory.js";
import { systemRandom } from "../../src/system.js";
import { generateTestKeys } from "../support/keys.js";

const ADMIN_TOKEN = "cli-test-admin-token-0123456789";

/** Runs the CLI with real files, captured output and, for push/pull, a real app over in-memory stores. */
function cli(files: Record<string, string> = {}, fetchImpl?: typeof fetch, env: CliIo["env"] = { WA_MENU_TOKEN: ADMIN_TOKEN, WA_MENU_URL: "http://worker.test" }) {
  const out: string[] = [];
  const err: string[] = [];
  const written: Record<string, string> = {};
  const sleeps: number[] = [];
  const io: CliIo = {
    readFile: async (path) => files[path] ?? readFile(path, "utf8"),
    writeFile: async (path, text) => void (written[path] = text),
    fetch:
      fetchImpl ??
      (async () => {
        throw new Error("no network in this test");
      }),
    env,
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    sleep: async (ms) => void sleeps.push(ms),
  };
  return { io, out, err, written, sleeps, run: (...argv: string[]) => runCli(argv, io) };
}

describe("wa-menu validate", () => {
  it("passes every example menu", async () => {
    const { run, out, err } = cli();
    expect(await run("validate", "menus/cafe.json", "menus/delivery.json", "menus/pills.json")).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual(['menus/cafe.json: ok, menu "cafe" with 6 nodes', 'menus/delivery.json: ok, menu "delivery" with 1 node', 'menus/pills.json: ok, menu "pills" with 2 nodes']);
  });

  it("passes the whole menus/ folder, as the README runs it: the templates file beside the menus is said to be skipped", async () => {
    const { run, out, err } = cli();
    const files = (await readdir("menus")).filter((f) => f.endsWith(".json")).map((f) => `menus/${f}`);
    expect(files).toContain("menus/templates.json");
    expect(await run("validate", ...files)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toContain("menus/templates.json: skipped: the approved templates of npm start's simulator, not a menu");
    expect(out.filter((line) => line.endsWith("nodes") || line.endsWith("node"))).toHaveLength(files.length - 1);
  });

  it("reads files as the worker takes them, UTF-8: a byte order mark is dropped, a Latin-1 file is refused with what to do", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wa-menu-"));
    try {
      const menu = JSON.parse(await readFile("menus/pills.json", "utf8"));
      menu.nodes.pill.interactive.body.text = "Caf\u00e9 pills";
      const text = JSON.stringify(menu);
      const [bom, latin1] = [join(dir, "bom.json"), join(dir, "latin1.json")];
      // As Notepad saves UTF-8, and as an editor set to Latin-1 or Windows-1252 saves "é": the one byte 0xE9.
      await writeFile(bom, `\ufeff${text}`);
      await writeFile(
        latin1,
        Uint8Array.from(text, (ch) => ch.charCodeAt(0)),
      );
      const { io, out, err } = cli();
      const run = (...argv: string[]) => runCli(argv, { ...io, readFile: readTextFile });
      expect(await run("validate", bom)).toBe(0);
      expect(out).toEqual([`${bom}: ok, menu "pills" with 2 nodes`]);
      expect(await run("validate", latin1)).toBe(1);
      expect(err.join("\n")).toContain(`${latin1}: is not UTF-8 text: save it as UTF-8`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails on broken files with each problem's path and limit", async () => {
    const menu = JSON.parse(await readFile("menus/delivery.json", "utf8"));
    menu.nodes["delivery-time"].interactive.action.buttons[0].reply.title = "A very long button title";
    menu.nodes["delivery-time"].next["slot-2"] = "nowhere";
    const { run, err } = cli({ "broken.json": JSON.stringify(menu), "notjson.json": "{ nope" });
    expect(await run("validate", "broken.json", "notjson.json", "missing.json")).toBe(1);
    expect(err).toEqual([
      'broken.json: error $.nodes["delivery-time"].interactive.action.buttons[0].reply.title: button title is 24 characters; WhatsApp allows 20',
      // In the same pass as the schema's problems, not after they are fixed.
      'broken.json: error $.nodes["delivery-time"].next["slot-2"]: destination node "nowhere" does not exist',
      expect.stringMatching(/^wa-menu: notjson\.json: not valid JSON/),
      "wa-menu: missing.json: no such file: check its name and folder (for instance menus/cafe.json)",
    ]);
    const routing = cli({
      "r.json": JSON.stringify({
        ...menu,
        nodes: { ...menu.nodes, "delivery-time": { ...menu.nodes["delivery-time"], interactive: JSON.parse(await readFile("menus/delivery.json", "utf8")).nodes["delivery-time"].interactive } },
      }),
    });
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

  it("graph names the templates file for what it is, as validate and push do, instead of zod's errors about a menu", async () => {
    const { run, out, err } = cli();
    expect(await run("graph", "menus/templates.json")).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      "wa-menu: menus/templates.json: the approved templates of npm start's simulator, not a menu: nothing to draw (npm start reads it itself; on WhatsApp, Meta approves templates)",
    ]);
  });

  it("the reference shows the cafe menu's current graph", async () => {
    const reference = await readFile("docs/reference.md", "utf8");
    expect(reference).toContain(`\`\`\`mermaid\n${await readFile("test/fixtures/cafe.mmd", "utf8")}\`\`\``);
  });

  it("the README's CLI block binds a number that is not the simulator's business, and says what a customers file holds", async () => {
    const readme = await readFile("README.md", "utf8");
    const block = /### The `wa-menu` CLI\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const bound = /^npx wa-menu bind (\S+) cafe/m.exec(block)?.[1];
    expect(bound).toMatch(/^\d+$/);
    // Bound to the simulator's own number, cafe would override "Your first menu"'s `bind default hello` for every simulated customer.
    expect(bound).not.toBe(SIMULATED_BUSINESS.number);
    expect(SIMULATED_CUSTOMERS.map((c) => c.number)).not.toContain(bound);
    const fileLine = block.split("\n").find((l) => l.includes("--file customers.csv")) ?? "";
    expect(fileLine).toMatch(/CSV with a header row, a "to" column, optionally "profileName", any other column a variable/);
  });

  it("the README's example menu is valid", async () => {
    const readme = await readFile("README.md", "utf8");
    const example = /```json\n(\{\n {2}"\$schema"[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const { run, err } = cli({ "readme.json": example! });
    expect(await run("validate", "readme.json")).toBe(0);
    expect(err).toEqual([]);
  });

  it("the README's first menu (its `cat > menus/hello.json` heredoc) is valid and draws as a graph, as its next commands run it", async () => {
    const readme = await readFile("README.md", "utf8");
    const heredoc = /^cat > menus\/hello\.json <<'JSON'\n([\s\S]*?)^JSON$/m.exec(readme)?.[1];
    expect(heredoc).toBeDefined();
    const { run, out, err } = cli({ "menus/hello.json": heredoc! });
    expect(await run("validate", "menus/hello.json")).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual(['menus/hello.json: ok, menu "hello" with 1 node']);
    out.length = 0;
    expect(await run("graph", "menus/hello.json")).toBe(0);
    expect(err).toEqual([]);
    const graph = out.join("\n");
    expect(graph).toMatch(/^flowchart /);
    for (const title of ["Tea", "Coffee"]) expect(graph).toContain(title);
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
  /** The real app; `adminToken` null: deployed without ADMIN_TOKEN. */
  function worker(adminToken: string | null = ADMIN_TOKEN) {
    const app = createApp({
      env: { VONAGE_APPLICATION_ID: "app", VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: "s".repeat(32), ...(adminToken === null ? {} : { ADMIN_TOKEN: adminToken }) },
      stores: { menus: memoryKv(), sessions: memoryKv() },
      fetch: async () => new Response(null, { status: 599 }),
      now: Date.now,
      sleep: async () => undefined,
      random: systemRandom,
      log: () => undefined,
    });
    return (async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init))) as typeof fetch;
  }

  it('a worker deployed without ADMIN_TOKEN (404 "not found") is said to have no admin API, with how to set it; a wrong path is not', async () => {
    const off = cli({}, worker(null));
    expect(await off.run("push", "menus/pills.json")).toBe(1);
    expect(off.err).toEqual([
      "wa-menu: menus/pills.json: the menu was not published: the worker answered 404: not found\nA worker without ADMIN_TOKEN has no admin API (it answers its routes 404). Set one on the worker: npx wrangler secret put ADMIN_TOKEN (on Deno, ADMIN_TOKEN in its environment), then give the CLI the same value with --token or WA_MENU_TOKEN.",
    ]);
    expect(await off.run("deliveries")).toBe(1);
    expect(off.err[1]).toContain("npx wrangler secret put ADMIN_TOKEN");
    // With the token, a wrong path is Hono's "no route for": the hint about the path, not about ADMIN_TOKEN.
    const wrongPath = cli({}, worker());
    expect(await wrongPath.run("push", "menus/pills.json", "--url", "http://worker.test/api")).toBe(1);
    expect(wrongPath.err[0]).toMatch(/answered 404: no route for PUT \/api\/admin\/menus\/pills\nThe worker's routes are at the root of its address: drop \/api from --url\.$/);
  });

  it("publishes versions, pulls any of them back and binds numbers", async () => {
    const fetchImpl = worker();
    const first = cli({}, fetchImpl);
    expect(await first.run("push", "menus/pills.json")).toBe(0);
    expect(await first.run("push", "menus/pills.json")).toBe(0);
    expect(first.out).toEqual(['menus/pills.json: published "pills" as version 1', 'menus/pills.json: published "pills" as version 2']);
    const json = cli({}, fetchImpl);
    expect(await json.run("push", "--json", "menus/pills.json")).toBe(0);
    expect(JSON.parse(json.out.join("\n"))).toEqual({ file: "menus/pills.json", id: "pills", version: 3, warnings: [] });
    expect(await json.run("bind", "default", "pills", "--json")).toBe(0);
    expect(JSON.parse(json.out.at(-1)!)).toEqual({ number: "default", menuId: "pills" });
    expect(await json.run("pull", "pills", "--json", "--version", "1")).toBe(0);
    expect(JSON.parse(json.out.at(-1)!)).toMatchObject({ id: "pills", version: 1, current: 3, latest: 3, menu: JSON.parse(await readFile("menus/pills.json", "utf8")) });
    const pulled = cli({}, fetchImpl);
    expect(await pulled.run("pull", "pills", "--version", "1", "--out", "p.json")).toBe(0);
    expect(JSON.parse(pulled.written["p.json"]!)).toEqual(JSON.parse(await readFile("menus/pills.json", "utf8")));
    expect(await pulled.run("pull", "pills", "--version=2", "--out=q.json")).toBe(0);
    expect(pulled.written["q.json"]).toBe(pulled.written["p.json"]);
    expect(pulled.out).toEqual(["pills: version 1 written to p.json", "pills: version 2 written to q.json"]);
    expect(await pulled.run("bind", "447700900000", "pills")).toBe(0);
    expect(await pulled.run("bind", "default", "nope")).toBe(1);
    expect(pulled.err).toEqual(['wa-menu: bind: the worker answered 404: menu "nope" does not exist; upload it first']);
  });

  it("something else answering at the URL (npm start's simulator page, a path after the address) says what to check", async () => {
    // The chat simulator's URL, which npm start prints, given for the worker's: its 404 is not the worker's JSON.
    const page = cli({}, async () => new Response("Not Found", { status: 404 }), { WA_MENU_TOKEN: ADMIN_TOKEN });
    expect(await page.run("push", "menus/pills.json", "--url", "http://127.0.0.1:8788")).toBe(1);
    expect(page.err).toEqual([
      "wa-menu: menus/pills.json: the menu was not published: the worker answered 404: HTTP 404, without the worker's JSON: is http://127.0.0.1:8788 the worker? Check --url (npm start runs the worker on WORKER_PORT, 8787 unless set; its SIMULATOR_PORT, 8788, is the chat simulator and its RECEIVER_PORT, 8789, the webhook receiver)",
    ]);
    const remote = cli({}, async () => new Response("<html>", { status: 502 }), { WA_MENU_TOKEN: ADMIN_TOKEN, WA_MENU_URL: "https://wa.example.com" });
    expect(await remote.run("pull", "pills")).toBe(1);
    expect(remote.err).toEqual(["wa-menu: pull pills: the worker answered 502: HTTP 502, without the worker's JSON: is https://wa.example.com the worker? Check WA_MENU_URL"]);
    // A path after the worker's address: the worker's own "no route" says to drop it.
    const fetchImpl = worker();
    const pathed = cli({}, fetchImpl, { WA_MENU_TOKEN: ADMIN_TOKEN, WA_MENU_URL: "http://worker.test/admin/" });
    expect(await pathed.run("push", "menus/pills.json")).toBe(1);
    expect(pathed.err).toEqual([
      "wa-menu: menus/pills.json: the menu was not published: the worker answered 404: no route for PUT /admin/admin/menus/pills\nThe worker's routes are at the root of its address: drop /admin from WA_MENU_URL.",
    ]);
  });

  it("says what to do when the token is wrong or the worker is down", async () => {
    const wrong = cli({}, worker());
    wrong.io.env["WA_MENU_TOKEN"] = "not-the-admin-token-at-all";
    expect(await wrong.run("push", "menus/pills.json")).toBe(1);
    expect(wrong.err).toEqual([
      "wa-menu: menus/pills.json: the menu was not published: the worker answered 401: missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN> (the token came from WA_MENU_TOKEN)",
    ]);
    const down = cli();
    expect(await down.run("pull", "pills")).toBe(1);
    expect(down.err).toEqual(["wa-menu: cannot reach http://worker.test: is the worker running, and is WA_MENU_URL right?"]);
  });
});

describe("wa-menu help and usage", () => {
  it("--help, -h and help print the overview on stdout, listing every command", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const { run, out, err } = cli();
      expect(await run(...argv), argv.join(" ")).toBe(0);
      expect(err).toEqual([]);
      expect(out.join("\n")).toMatch(/^usage: wa-menu <command> \[options\]/);
      for (const c of COMMANDS) expect(out.join("\n")).toContain(`  ${c.name}`);
    }
  });

  it("every command's --help, -h and `help <command>` print its usage on stdout and exit 0", async () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(["validate", "graph", "schema", "push", "pull", "bind", "start", "session", "deliveries"]);
    for (const c of COMMANDS) {
      // Help wins over missing arguments and a wrong option on the same line.
      for (const argv of [
        [c.name, "--help"],
        [c.name, "-h"],
        ["help", c.name],
        [c.name, "--nonsense", "--help"],
      ]) {
        const { run, out, err } = cli();
        expect(await run(...argv), argv.join(" ")).toBe(0);
        expect(err, argv.join(" ")).toEqual([]);
        expect(out.join("\n")).toMatch(new RegExp(`^usage: wa-menu ${c.name}\\b`));
        expect(out.join("\n")).toContain("--json");
      }
    }
  });

  it("an unknown command exits 2 naming it, then the overview, on stderr", async () => {
    const { run, out, err } = cli();
    expect(await run("pubish", "menus/cafe.json")).toBe(2);
    expect(out).toEqual([]);
    expect(err.join("\n")).toMatch(/^wa-menu: unknown command "pubish"\n\nusage: wa-menu <command>/);
    const nothing = cli();
    expect(await nothing.run()).toBe(2);
    expect(nothing.err.join("\n")).toMatch(/^wa-menu: no command given\n\nusage:/);
    const helpless = cli();
    expect(await helpless.run("help", "nope")).toBe(2);
    expect(helpless.err.join("\n")).toMatch(/^wa-menu: unknown command "nope"/);
  });

  it("wrong options and missing arguments exit 2 with the command's usage", async () => {
    const unknown = cli();
    expect(await unknown.run("pull", "cafe", "--verison", "2")).toBe(2);
    expect(unknown.err.join("\n")).toBe(
      "wa-menu: pull has no option --verison (it takes --version, --out, --url, --token, --json, --help)\n\nusage: wa-menu pull <id> [--version N] [--out FILE]\n(wa-menu pull --help tells more)",
    );
    const noValue = cli();
    expect(await noValue.run("schema", "--out")).toBe(2);
    expect(noValue.err[0]).toMatch(/^wa-menu: --out needs a value: --out FILE or --out=FILE\n/);
    const missing = cli();
    expect(await missing.run("session", "reset", "447700900000")).toBe(2);
    expect(missing.err[0]).toMatch(/^wa-menu: session reset needs a business number and a customer number\n\nusage: wa-menu session <business> <customer>\n {7}wa-menu session reset/);
    const version = cli();
    expect(await version.run("pull", "cafe", "--version=latest")).toBe(2);
    expect(version.err[0]).toMatch(/^wa-menu: --version latest: give a version number/);
  });

  it("arguments a command does not take exit 2 before anything is sent, instead of being ignored", async () => {
    const cases: Array<[string[], string]> = [
      [["push", "menus/cafe.json", "menus/pills.json"], 'push uploads one menu file, not 2: push each one (for f in menus/cafe.json menus/pills.json; do npx wa-menu push "$f"; done)'],
      [["graph", "menus/cafe.json", "menus/pills.json"], 'graph draws one menu file: run it once for each (not "menus/pills.json")'],
      [["pull", "cafe", "pills"], 'pull downloads one menu: give its id once (--out FILE writes it to a file) (not "pills")'],
      [["bind", "447700900000", "cafe", "pills"], 'bind takes one number (or default) and one menu id: run it once for each number (not "pills")'],
      [["schema", "schema.json"], 'schema takes no file: --out FILE writes it to one (not "schema.json")'],
    ];
    for (const [argv, message] of cases) {
      const c = cli({}, async () => {
        throw new Error("nothing may be sent");
      });
      expect(await c.run(...argv), argv.join(" ")).toBe(2);
      expect(c.err[0]).toMatch(new RegExp(`^wa-menu: ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n\nusage: wa-menu ${argv[0]} `));
      expect(c.out).toEqual([]);
    }
  });

  it("a file that cannot be read or written says why and what to do", async () => {
    const folder = cli();
    expect(await folder.run("validate", "menus")).toBe(1);
    expect(folder.err).toEqual(["wa-menu: menus: is a folder: give a file in it (for instance menus/cafe.json)"]);
    const missing = cli();
    expect(await missing.run("push", "menus/helo.json")).toBe(1);
    expect(missing.err).toEqual(["wa-menu: menus/helo.json: no such file: check its name and folder (for instance menus/cafe.json)"]);
    const noFolder = cli();
    noFolder.io.writeFile = async () => {
      throw Object.assign(new Error("ENOENT: no such file or directory"), { code: "ENOENT" });
    };
    expect(await noFolder.run("schema", "--out", "out/schema/menu.schema.json")).toBe(1);
    expect(noFolder.err).toEqual(["wa-menu: out/schema/menu.schema.json: cannot write it: the folder out/schema does not exist (create it first: mkdir -p out/schema)"]);
  });

  it("push refuses the simulator's templates file as what it is, not as a broken menu", async () => {
    const c = cli({}, async () => {
      throw new Error("nothing may be sent");
    });
    expect(await c.run("push", "menus/templates.json")).toBe(1);
    expect(c.err).toEqual([
      "wa-menu: menus/templates.json: the approved templates of npm start's simulator, not a menu: nothing to push (npm start reads it itself; on WhatsApp, Meta approves templates)",
    ]);
  });

  it("--out=FILE and --out FILE both write the file", async () => {
    for (const argv of [
      ["schema", "--out=s.json"],
      ["schema", "--out", "s.json"],
    ]) {
      const { run, out, written } = cli();
      expect(await run(...argv)).toBe(0);
      expect(written["s.json"]).toBe(await readFile("schema/menu.schema.json", "utf8"));
      expect(out).toEqual(["wrote the JSON Schema to s.json"]);
    }
  });
});

describe("wa-menu --json", () => {
  it("validate: one JSON document with every file's result on stdout, exit 1 when one is invalid", async () => {
    const { run, out, err } = cli({ "bad.json": '{"id": "x"}' });
    expect(await run("validate", "--json", "menus/delivery.json", "bad.json", "missing.json")).toBe(1);
    expect(err).toEqual([]);
    const doc = JSON.parse(out.join("\n"));
    expect(doc.ok).toBe(false);
    expect(doc.files.map((f: { file: string; ok: boolean }) => [f.file, f.ok])).toEqual([
      ["menus/delivery.json", true],
      ["bad.json", false],
      ["missing.json", false],
    ]);
    expect(doc.files[0]).toMatchObject({ menu: "delivery", nodes: 1, errors: [], warnings: [] });
    expect(doc.files[1].errors.length).toBeGreaterThan(0);
    expect(doc.files[1].errors[0]).toEqual({ path: expect.stringMatching(/^\$/), message: expect.any(String) });
    expect(doc.files[2].error).toBe("missing.json: no such file: check its name and folder (for instance menus/cafe.json)");
  });

  it("graph and schema print JSON", async () => {
    const g = cli();
    expect(await g.run("graph", "menus/cafe.json", "--json")).toBe(0);
    expect(JSON.parse(g.out.join("\n"))).toEqual({ menu: "cafe", mermaid: (await readFile("test/fixtures/cafe.mmd", "utf8")).trimEnd() });
    const s = cli();
    expect(await s.run("schema", "--json", "--out=s.json")).toBe(0);
    expect(JSON.parse(s.out.join("\n"))).toEqual({ written: "s.json" });
  });

  it('a failure is {"error": ...} on stdout with exit 1', async () => {
    const { run, out, err } = cli();
    expect(await run("pull", "cafe", "--json")).toBe(1);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join("\n"))).toEqual({ error: "cannot reach http://worker.test: is the worker running, and is WA_MENU_URL right?", url: "http://worker.test" });
  });
});

/**
 * A worker that answers the admin routes the way `src/http/admin-routes.ts` does, from canned answers, and records
 * every request: the CLI's side of the contract, without a store.
 */
function fakeWorker(routes: Record<string, (req: Request) => Response | Promise<Response>>) {
  const requests: Array<{ method: string; url: string; auth: string | null }> = [];
  /** The JSON bodies the CLI sent, in order. */
  const bodies: unknown[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    requests.push({ method: req.method, url: req.url, auth: req.headers.get("Authorization") });
    const text = await req.clone().text();
    if (text !== "") bodies.push(JSON.parse(text));
    if (req.headers.get("Authorization") !== `Bearer ${ADMIN_TOKEN}`)
      return Response.json({ error: "ERR_UNAUTHORIZED", message: "missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN>" }, { status: 401 });
    const { pathname } = new URL(req.url);
    const route = routes[`${req.method} ${pathname}`];
    return route ? route(req) : Response.json({ error: "ERR_NOT_FOUND", message: `no route for ${req.method} ${pathname}` }, { status: 404 });
  }) as typeof fetch;
  return { fetchImpl, requests, bodies };
}

const failedDelivery = {
  id: "msg_0b1c",
  url: "https://backend.example/hooks/orders",
  body: "{}",
  createdAt: "2026-03-01T10:00:00.000Z",
  attempts: 3,
  status: "failed",
  lastError: "receiver answered 500",
  customer: "447700900101",
  menuId: "cafe",
};

const storedSession = {
  v: 1,
  menuId: "cafe",
  menuVersion: 4,
  business: "447700900000",
  customer: "447700900101",
  profileName: "Alice",
  pending: { node: "size", messageUuid: "m-2", at: "2026-03-01T10:01:00.000Z", answered: 2 },
  asked: [],
  answers: [
    { node: "welcome", id: "order", title: "Order a drink", at: "2026-03-01T10:00:10.000Z" },
    { node: "drink", id: "latte", title: "Latte", at: "2026-03-01T10:00:40.000Z" },
  ],
  attempts: 1,
  handled: [],
  startedAt: "2026-03-01T10:00:00.000Z",
  updatedAt: "2026-03-01T10:01:00.000Z",
};

describe("wa-menu deliveries and session against a fake worker", () => {
  it("deliveries lists what was not delivered, readable and as JSON", async () => {
    const { fetchImpl, requests } = fakeWorker({ "GET /admin/deliveries": () => Response.json({ deliveries: [failedDelivery] }) });
    const human = cli({}, fetchImpl);
    expect(await human.run("deliveries")).toBe(0);
    expect(human.out.join("\n")).toBe(
      [
        "1 webhook delivery not delivered:",
        "  msg_0b1c  failed after 3 attempts: receiver answered 500",
        "    menu.completed for menu cafe, customer +447700900101, at 2026-03-01T10:00:00.000Z",
        "    to https://backend.example/hooks/orders",
        "Retry one with: wa-menu deliveries retry <id>",
      ].join("\n"),
    );
    expect(requests).toEqual([{ method: "GET", url: "http://worker.test/admin/deliveries", auth: `Bearer ${ADMIN_TOKEN}` }]);
    const json = cli({}, fetchImpl);
    expect(await json.run("deliveries", "--json")).toBe(0);
    expect(JSON.parse(json.out.join("\n"))).toEqual({ deliveries: [failedDelivery] });

    const none = cli({}, fakeWorker({ "GET /admin/deliveries": () => Response.json({ deliveries: [] }) }).fetchImpl);
    expect(await none.run("deliveries")).toBe(0);
    expect(none.out).toEqual(["no webhook deliveries are waiting: every one was delivered"]);
  });

  it("deliveries names each delivery's event, as its body says: a handover's relays are not completions", async () => {
    const relay = {
      ...failedDelivery,
      id: "msg_1c2d",
      url: "https://example.com/agents/cafe",
      body: JSON.stringify({ type: "handover.message", timestamp: "2026-03-01T10:05:00.000Z", data: { menu: "cafe" } }),
      createdAt: "2026-03-01T10:05:00.000Z",
      customer: "447700900102",
    };
    const started = { ...relay, id: "msg_2d3e", body: JSON.stringify({ type: "handover.started", data: {} }), createdAt: "2026-03-01T10:04:00.000Z" };
    const { fetchImpl } = fakeWorker({ "GET /admin/deliveries": () => Response.json({ deliveries: [started, relay] }) });
    const human = cli({}, fetchImpl);
    expect(await human.run("deliveries")).toBe(0);
    const lines = human.out.join("\n").split("\n");
    expect(lines[0]).toBe("2 webhook deliveries not delivered:");
    expect(lines.filter((l) => l.startsWith("    handover."))).toEqual([
      "    handover.started for menu cafe, customer +447700900102, at 2026-03-01T10:04:00.000Z",
      "    handover.message for menu cafe, customer +447700900102, at 2026-03-01T10:05:00.000Z",
    ]);
    expect(lines.join("\n")).not.toMatch(/complet/);
  });

  it("deliveries retry: delivered exits 0; failing again exits 1 with the receiver's answer; an unknown id says so", async () => {
    let answer = Response.json({ found: true, delivered: false, error: "receiver answered 503" }, { status: 502 });
    const { fetchImpl, requests } = fakeWorker({ "POST /admin/deliveries/msg_0b1c/retry": () => answer });
    const again = cli({}, fetchImpl);
    expect(await again.run("deliveries", "retry", "msg_0b1c")).toBe(1);
    expect(again.err).toEqual(["wa-menu: msg_0b1c: still not delivered: receiver answered 503"]);
    answer = Response.json({ found: true, delivered: false, error: "receiver answered 503" }, { status: 502 });
    const againJson = cli({}, fetchImpl);
    expect(await againJson.run("deliveries", "retry", "msg_0b1c", "--json")).toBe(1);
    expect(JSON.parse(againJson.out.join("\n"))).toEqual({
      id: "msg_0b1c",
      found: true,
      delivered: false,
      reason: "receiver answered 503",
      error: "msg_0b1c: still not delivered: receiver answered 503",
    });
    expect(requests.at(-1)).toMatchObject({ method: "POST", url: "http://worker.test/admin/deliveries/msg_0b1c/retry" });

    answer = Response.json({ found: true, delivered: true });
    const done = cli({}, fetchImpl);
    expect(await done.run("deliveries", "retry", "msg_0b1c")).toBe(0);
    expect(done.out).toEqual(["msg_0b1c: delivered, and removed from the list"]);
    answer = Response.json({ found: true, delivered: true });
    const json = cli({}, fetchImpl);
    expect(await json.run("deliveries", "retry", "msg_0b1c", "--json")).toBe(0);
    expect(JSON.parse(json.out.join("\n"))).toEqual({ id: "msg_0b1c", found: true, delivered: true });

    const gone = cli(
      {},
      fakeWorker({ "POST /admin/deliveries/msg_x/retry": () => Response.json({ error: "ERR_NOT_FOUND", message: "no such delivery (delivered ones are removed)" }, { status: 404 }) }).fetchImpl,
    );
    expect(await gone.run("deliveries", "retry", "msg_x", "--json")).toBe(1);
    expect(JSON.parse(gone.out.join("\n"))).toEqual({ error: "deliveries retry msg_x: the worker answered 404: no such delivery (delivered ones are removed)", status: 404, code: "ERR_NOT_FOUND" });
  });

  it("session shows the customer's conversation; a customer without one is not an error", async () => {
    const { fetchImpl, requests } = fakeWorker({
      "GET /admin/sessions/447700900000/447700900101": () => Response.json({ session: storedSession }),
      "GET /admin/sessions/447700900000/447700900102": () => Response.json({ error: "ERR_NOT_FOUND", message: "no session for this customer" }, { status: 404 }),
    });
    const shown = cli({}, fetchImpl);
    expect(await shown.run("session", "447700900000", "447700900101")).toBe(0);
    expect(shown.out.join("\n")).toBe(
      [
        "Alice (+447700900101) with +447700900000",
        "  menu       cafe, version 4",
        '  waiting    for an answer to "size" (asked 2026-03-01T10:01:00.000Z, 1 answer that matched no option)',
        "  answers    welcome: Order a drink · drink: Latte",
        "  started    2026-03-01T10:00:00.000Z",
        "  updated    2026-03-01T10:01:00.000Z",
      ].join("\n"),
    );
    expect(requests[0]).toEqual({ method: "GET", url: "http://worker.test/admin/sessions/447700900000/447700900101", auth: `Bearer ${ADMIN_TOKEN}` });
    const json = cli({}, fetchImpl);
    expect(await json.run("session", "447700900000", "447700900101", "--json")).toBe(0);
    expect(JSON.parse(json.out.join("\n"))).toEqual({ session: storedSession });

    const none = cli({}, fetchImpl);
    expect(await none.run("session", "447700900000", "447700900102")).toBe(0);
    expect(none.out).toEqual(["+447700900102 has no session with +447700900000: their next message starts the menu bound to the number"]);
    const noneJson = cli({}, fetchImpl);
    expect(await noneJson.run("session", "--json", "447700900000", "447700900102")).toBe(0);
    expect(JSON.parse(noneJson.out.join("\n"))).toEqual({ session: null });
  });

  it("session shows an ended, opted-out conversation and a question that did not reach the customer", async () => {
    const ended = { ...storedSession, profileName: undefined, pending: null, attempts: 0 };
    const failed = { ...storedSession, attempts: 0, pending: { ...storedSession.pending, failed: { status: "rejected", code: "1300", title: "Not a WhatsApp user", at: "x" } } };
    let answer: object = ended;
    let optedOut = true;
    // The opt-out is the worker's own fact, beside the session (it outlives a reset).
    const { fetchImpl } = fakeWorker({ "GET /admin/sessions/447700900000/447700900101": () => Response.json({ session: answer, optedOut }) });
    const a = cli({}, fetchImpl);
    expect(await a.run("session", "447700900000", "447700900101")).toBe(0);
    expect(a.out.join("\n")).toContain("+447700900101 with +447700900000\n");
    expect(a.out.join("\n")).toContain("  waiting    for nothing: the conversation has ended\n");
    expect(a.out.join("\n")).toContain("  opted out  yes: nothing is sent until they write a start command\n");
    answer = failed;
    optedOut = false;
    const b = cli({}, fetchImpl);
    expect(await b.run("session", "447700900000", "447700900101")).toBe(0);
    expect(b.out.join("\n")).toContain('  waiting    for an answer to "size" (asked 2026-03-01T10:01:00.000Z)\n  delivery   that question did not reach them: rejected, 1300, Not a WhatsApp user\n');
  });

  it("session shows the pending timer and a handover when the worker reports them", async () => {
    const timer = { kind: "reminder", node: "size", count: 0, due: "2026-03-01T10:11:00.000Z", id: "t", conversation: "c", asked: "a" };
    const handover = { node: "#agent", webhook: "https://agents.example.com/wa", since: "2026-03-01T10:02:00.000Z", lastActivityAt: "2026-03-01T10:03:00.000Z", idleMs: 3600000 };
    let body: object = { session: storedSession, optedOut: false, timers: [timer], handover: null };
    const { fetchImpl } = fakeWorker({ "GET /admin/sessions/447700900000/447700900101": () => Response.json(body) });
    const a = cli({}, fetchImpl);
    expect(await a.run("session", "447700900000", "447700900101")).toBe(0);
    expect(a.out.join("\n")).toContain('  timer      for "size" unanswered, due 2026-03-01T10:11:00.000Z (no reminder sent yet): a reminder, or the timeout after the last one\n');
    body = { session: { ...storedSession, pending: null }, optedOut: false, timers: [{ ...timer, kind: "handback", due: "2026-03-01T11:03:00.000Z" }], handover };
    const b = cli({}, fetchImpl);
    expect(await b.run("session", "447700900000", "447700900101")).toBe(0);
    expect(b.out.join("\n")).toContain(
      "  handover   with a person since 2026-03-01T10:02:00.000Z (last message 2026-03-01T10:03:00.000Z); their messages go to https://agents.example.com/wa\n  timer      hands back to the menu at 2026-03-01T11:03:00.000Z unless someone writes (idle)\n",
    );
    // A timer the queue refused waits for the sweep: the line says so. The record is the timer as it was queued (an idle
    // hand-back's due time moves on with each message), so it is told by its id.
    body = {
      session: storedSession,
      optedOut: false,
      timers: [timer],
      strandedTimers: [{ ...timer, due: "2026-03-01T10:05:00.000Z", v: 1, business: "447700900000", customer: "447700900101" }],
      handover: null,
    };
    const c = cli({}, fetchImpl);
    expect(await c.run("session", "447700900000", "447700900101")).toBe(0);
    expect(c.out.join("\n")).toContain("(no reminder sent yet): a reminder, or the timeout after the last one; the queue refused it, and the worker's sweep queues it again within five minutes\n");
  });

  it("session shows WhatsApp's 24-hour window when the worker reports it", async () => {
    let window: object = { open: true, closesAt: "2026-03-02T10:00:10.000Z", lastInboundAt: "2026-03-01T10:00:10.000Z" };
    const { fetchImpl } = fakeWorker({ "GET /admin/sessions/447700900000/447700900101": () => Response.json({ session: storedSession, optedOut: false, sent: null, window }) });
    const lineOf = async () => {
      const c = cli({}, fetchImpl);
      expect(await c.run("session", "447700900000", "447700900101")).toBe(0);
      const lines = c.out.join("\n").split("\n");
      // Between what the conversation waits for and the answers so far.
      expect(lines[3]).toMatch(/^ {2}window {5}/);
      expect(lines[4]).toMatch(/^ {2}answers /);
      return lines[3];
    };
    expect(await lineOf()).toBe("  window     open until 2026-03-02T10:00:10.000Z: questions reach them (they last wrote 2026-03-01T10:00:10.000Z)");
    window = { open: false, closesAt: "2026-03-02T10:00:10.000Z", lastInboundAt: "2026-03-01T10:00:10.000Z" };
    expect(await lineOf()).toBe("  window     closed: only templates reach them (they last wrote 2026-03-01T10:00:10.000Z)");
    window = { open: false, closesAt: null, lastInboundAt: "2026-03-01T10:00:10.000Z", closedAt: "2026-03-01T12:00:00.000Z" };
    expect(await lineOf()).toBe("  window     closed: only templates reach them (WhatsApp refused a message as outside it at 2026-03-01T12:00:00.000Z)");
    window = { open: false, closesAt: null };
    expect(await lineOf()).toBe("  window     closed: only templates reach them (they have not written to you)");
    const json = cli({}, fetchImpl);
    expect(await json.run("session", "447700900000", "447700900101", "--json")).toBe(0);
    expect(JSON.parse(json.out.join("\n")).window).toEqual({ open: false, closesAt: null });
  });

  it("session reset forgets the conversation and keeps the opt-out, unless --clear-opt-out", async () => {
    const done = () => new Response(null, { status: 204 });
    const { fetchImpl, requests } = fakeWorker({ "DELETE /admin/sessions/447700900000/447700900101": done });
    const reset = cli({}, fetchImpl);
    expect(await reset.run("session", "reset", "447700900000", "+447700900101")).toBe(0);
    expect(reset.out).toEqual(["reset +447700900101 with +447700900000: a conversation in progress, if any, is forgotten, and their next message starts afresh (an opt-out, if any, stays)"]);
    expect(requests).toEqual([{ method: "DELETE", url: "http://worker.test/admin/sessions/447700900000/447700900101", auth: `Bearer ${ADMIN_TOKEN}` }]);
    const json = cli({}, fetchImpl);
    expect(await json.run("session", "reset", "447700900000", "447700900101", "--json", "--clear-opt-out")).toBe(0);
    expect(JSON.parse(json.out.join("\n"))).toEqual({ business: "447700900000", customer: "447700900101", reset: true, optOutCleared: true });
    expect(requests.at(-1)?.url).toBe("http://worker.test/admin/sessions/447700900000/447700900101?optOut=clear");
  });

  it("a route the worker lacks is a refusal, not a missing session", async () => {
    const old = cli({}, fakeWorker({}).fetchImpl);
    expect(await old.run("session", "447700900000", "447700900101")).toBe(1);
    expect(old.err).toEqual(["wa-menu: session: the worker answered 404: no route for GET /admin/sessions/447700900000/447700900101"]);
  });
});

/** A start route that answers what `POST /flows/{menu}/start` answers, from a canned status and body. */
const answering = (status: number, body: object) => () => Response.json(body, { status });
const START = "POST /flows/cafe/start";
const [BUSINESS, CUSTOMER] = ["447700900000", "447700900101"];

describe("wa-menu start for one customer against a fake worker", () => {
  const startLine = (answer: () => Response, ...more: string[]) => {
    const worker = fakeWorker({ [START]: answer });
    const c = cli({}, worker.fetchImpl);
    return { ...c, ...worker, go: () => c.run("start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, ...more) };
  };

  it("sends the customer, name, variables and request id, and says the first question went out", async () => {
    const s = startLine(answering(200, { outcome: "started", node: "welcome", message_uuids: ["m-1"] }));
    // "+" before a number is taken, as `session` takes it; a value may hold "=".
    expect(await s.run("start", "cafe", "--from", "+447700900000", "--to", "+447700900101", "--name", "Alice", "--var", "table=12", "--var=note=a=b", "--request-id", "promo-1")).toBe(0);
    expect(s.requests).toEqual([{ method: "POST", url: "http://worker.test/flows/cafe/start", auth: `Bearer ${ADMIN_TOKEN}` }]);
    expect(s.bodies).toEqual([{ to: CUSTOMER, from: BUSINESS, profileName: "Alice", variables: { table: "12", note: "a=b" }, requestId: "promo-1" }]);
    expect(s.out).toEqual(['started "cafe" for +447700900101: sent its first question ("welcome"); the menu goes on when they answer']);
    expect(s.err).toEqual([]);
  });

  it("says which way each outcome went", async () => {
    const cases: Array<[object, string[], string]> = [
      [
        { outcome: "templated", node: "#template", message_uuids: ["m-1"] },
        [],
        'started "cafe" for +447700900101: sent the menu\'s approved template, because they have not written in the last 24 hours and WhatsApp delivers only templates outside that window; the menu goes on when they answer it',
      ],
      [{ outcome: "completed", node: null, message_uuids: ["m-1"] }, [], 'started "cafe" for +447700900101: sent its messages; the menu ended there, with no question to answer'],
      [
        { outcome: "already_started", node: "size", message_uuids: [] },
        ["--request-id", "promo-1"],
        '"cafe" was already started for +447700900101 by request id promo-1: nothing sent again (it waits for an answer to "size")',
      ],
      [
        { outcome: "already_started", node: null, message_uuids: [] },
        ["--request-id", "promo-1"],
        '"cafe" was already started for +447700900101 by request id promo-1: nothing sent again (the conversation has ended since)',
      ],
    ];
    for (const [answer, more, line] of cases) {
      const s = startLine(answering(200, answer), ...more);
      expect(await s.go()).toBe(0);
      expect(s.out).toEqual([line]);
    }
    const ending = startLine(answering(200, { outcome: "started", node: "welcome", message_uuids: ["m-1"] }), "--end-handover");
    expect(await ending.go()).toBe(0);
    expect(ending.bodies).toEqual([{ to: CUSTOMER, from: BUSINESS, endHandover: true }]);
    // Nothing but what was given: no empty variables, name, request id or endHandover.
    const bare = startLine(answering(200, { outcome: "started", node: "welcome", message_uuids: ["m-1"] }));
    expect(await bare.go()).toBe(0);
    expect(bare.bodies).toEqual([{ to: CUSTOMER, from: BUSINESS }]);
  });

  it("--json prints the worker's answer with the menu and both numbers", async () => {
    const s = startLine(answering(200, { outcome: "templated", node: "#template", message_uuids: ["m-1"] }), "--json");
    expect(await s.go()).toBe(0);
    expect(JSON.parse(s.out.join("\n"))).toEqual({ menu: "cafe", from: BUSINESS, to: CUSTOMER, outcome: "templated", node: "#template", message_uuids: ["m-1"] });
  });

  it("a refusal exits 1 with the worker's message and what to do", async () => {
    const outside =
      'this customer has not written in the last 24 hours, so WhatsApp only delivers an approved template; add a "template" to menu "cafe" (see the README\'s Templates), or start it after the customer writes';
    const invalid =
      'this start does not fit menu "cafe": variables.table: menu "cafe" requires it; variables.tabel: menu "cafe" does not declare it (it declares table); add it to the menu\'s "variables"';
    const cases: Array<[number, object, string[]]> = [
      [
        409,
        { error: "ERR_OPTED_OUT", message: "this customer opted out; nothing is sent until they write a start command" },
        [
          "wa-menu: start cafe: the worker answered 409: this customer opted out; nothing is sent until they write a start command",
          "They asked for no more messages: nothing reaches them until they write a start command to you (wa-menu session 447700900000 447700900101 shows it).",
        ],
      ],
      [
        409,
        { error: "ERR_OUTSIDE_WINDOW", message: outside },
        [`wa-menu: start cafe: the worker answered 409: ${outside}`, "wa-menu session 447700900000 447700900101 shows when they last wrote; after changing the menu, wa-menu push it again."],
      ],
      [
        409,
        { error: "ERR_HANDED_OVER", message: "this customer is talking to a person" },
        [
          "wa-menu: start cafe: the worker answered 409: this customer is talking to a person",
          "A person is talking with them (wa-menu session 447700900000 447700900101 shows the handover): hand them back from your agent system, or pass --end-handover to start the menu anyway.",
        ],
      ],
      [
        422,
        { error: "ERR_START_INVALID", message: invalid, problems: ['variables.table: menu "cafe" requires it'] },
        [
          `wa-menu: start cafe: the worker answered 422: ${invalid}`,
          `Pass only the variables the menu declares, with --var name=value (its "variables" lists them: wa-menu pull cafe); to use a new one, declare it there and push the menu.`,
        ],
      ],
      [
        404,
        { error: "ERR_MENU_NOT_FOUND", message: 'menu "cafe" does not exist; upload it first' },
        ['wa-menu: start cafe: the worker answered 404: menu "cafe" does not exist; upload it first', 'wa-menu push <file> uploads it; a menu\'s id is its file\'s "id" (menus/cafe.json is "cafe").'],
      ],
      [
        503,
        { error: "ERR_VONAGE_UNAVAILABLE", message: "the Messages API did not answer" },
        [
          "wa-menu: start cafe: the worker answered 503: the Messages API did not answer",
          "It may have reached them already; pass a --request-id, so that running the command again never messages them twice.",
        ],
      ],
      [
        400,
        { error: "ERR_BODY_MALFORMED", message: "expected {...}: to must be the customer's number, digits only, country code first" },
        ["wa-menu: start cafe: the worker answered 400: expected {...}: to must be the customer's number, digits only, country code first"],
      ],
    ];
    for (const [status, body, lines] of cases) {
      const s = startLine(answering(status, body));
      expect(await s.go()).toBe(1);
      expect(s.out).toEqual([]);
      expect(s.err).toEqual([lines.join("\n")]);
    }
    const json = startLine(answering(422, { error: "ERR_START_INVALID", message: invalid, problems: ['variables.table: menu "cafe" requires it'] }), "--json");
    expect(await json.go()).toBe(1);
    expect(JSON.parse(json.out.join("\n"))).toEqual({
      error: `start cafe: the worker answered 422: ${invalid}\nPass only the variables the menu declares, with --var name=value (its "variables" lists them: wa-menu pull cafe); to use a new one, declare it there and push the menu.`,
      status: 422,
      code: "ERR_START_INVALID",
      problems: ['variables.table: menu "cafe" requires it'],
      hint: `Pass only the variables the menu declares, with --var name=value (its "variables" lists them: wa-menu pull cafe); to use a new one, declare it there and push the menu.`,
    });
    const old = cli({}, fakeWorker({}).fetchImpl);
    expect(await old.run("start", "cafe", "--from", BUSINESS, "--to", CUSTOMER)).toBe(1);
    expect(old.err).toEqual([
      "wa-menu: start cafe: the worker answered 404: no route for POST /flows/cafe/start\nThe worker has no such route: it is older than this CLI; deploy the current version.",
    ]);
  });

  it("wrong use exits 2 before anything is sent", async () => {
    const cases: Array<[string[], string]> = [
      [["start", "cafe", "--to", CUSTOMER], "start needs --from <business> and --to <customer> or --file <file>"],
      [["start", "--from", BUSINESS, "--to", CUSTOMER], "start needs one menu id"],
      [["start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, "--var", "table"], "--var table: give name=value, e.g. --var table=12"],
      [["start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, "--var", "2nd=x"], `--var 2nd=x: "2nd" is not a variable name: 1 to 32 letters, digits or '_', starting with a letter`],
      [["start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, "--var", "a=1", "--var", "a=2"], "--var a is given twice"],
      [["start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, "--request-id", "no spaces"], "--request-id no spaces: use 1 to 128 letters, digits or '_', '.', ':', '-'"],
      [["start", "cafe", "--from", BUSINESS, "--to"], "--to needs a value: --to NUMBER or --to=NUMBER"],
    ];
    for (const [argv, message] of cases) {
      const { fetchImpl, requests } = fakeWorker({ [START]: answering(200, {}) });
      const c = cli({}, fetchImpl);
      expect(await c.run(...argv), argv.join(" ")).toBe(2);
      const [said, usage] = c.err[0]!.split("\n\n");
      expect(said).toBe(`wa-menu: ${message}`);
      expect(usage).toMatch(/^usage: wa-menu start <menu>/);
      expect(requests).toEqual([]);
    }
  });
});

const BULK = "POST /flows/cafe/start/bulk";
const mask = (n: string) => "*".repeat(n.length - 4) + n.slice(-4);
const number = (i: number) => String(447700900100 + i);
type BulkCall = { from: string; requestId: string; variables?: Record<string, string>; customers: Array<{ to: string; profileName?: string; variables?: Record<string, string> }> };

/** The bulk route as admin-routes.ts answers it, each customer's result chosen by `outcome` (default: the first question). */
function bulkRoute(outcome: (to: string) => object = () => ({ outcome: "started", via: "question", node: "welcome" })) {
  return async (req: Request) => {
    const body = (await req.json()) as BulkCall;
    const results = body.customers.map((c, index) => ({ index, customer: mask(c.to), ...outcome(c.to) }));
    const count = (o: string) => results.filter((r) => (r as { outcome?: string }).outcome === o).length;
    return Response.json({ requestId: body.requestId, started: count("started"), opted_out: count("opted_out"), refused: count("refused"), results });
  };
}

const csvOf = (count: number) => ["to,profileName,table", ...Array.from({ length: count }, (_, i) => `${number(i)},Customer ${i},${i % 2 === 0 ? String(i) : ""}`)].join("\n");

describe("wa-menu start --file against a fake worker", () => {
  const fileArgs = (file: string, ...more: string[]) => ["start", "cafe", "--from", BUSINESS, "--file", file, ...more];

  it("CSV: 45 customers go in calls of 20, 20 and 5 with one request id, a pause between, a line each and a summary", async () => {
    const special: Record<string, object> = {
      [number(3)]: { outcome: "opted_out" },
      [number(7)]: { outcome: "started", via: "template", node: "#template" },
      [number(8)]: { outcome: "started", via: "question", already: true, node: "size" },
    };
    const { fetchImpl, requests, bodies } = fakeWorker({ [BULK]: bulkRoute((to) => special[to] ?? { outcome: "started", via: "question", node: "welcome" }) });
    const c = cli({ "customers.csv": `${csvOf(45)}\n` }, fetchImpl);
    expect(await c.run(...fileArgs("customers.csv", "--var", "shop=Soho"))).toBe(0);
    expect(c.err).toEqual([]);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(Array(3).fill("POST http://worker.test/flows/cafe/start/bulk"));
    const calls = bodies as BulkCall[];
    expect(calls.map((b) => b.customers.length)).toEqual([20, 20, 5]);
    expect(new Set(calls.map((b) => b.requestId)).size).toBe(1);
    const requestId = calls[0]!.requestId;
    expect(requestId).toMatch(/^bulk-[0-9a-f]{32}$/);
    expect(calls.map((b) => [b.from, b.variables])).toEqual(Array(3).fill([BUSINESS, { shop: "Soho" }]));
    expect(calls.flatMap((b) => b.customers.map((x) => x.to))).toEqual(Array.from({ length: 45 }, (_, i) => number(i)));
    // An empty cell is left out; a row without a variable sends none.
    expect(calls[0]!.customers.slice(0, 2)).toEqual([
      { to: number(0), profileName: "Customer 0", variables: { table: "0" } },
      { to: number(1), profileName: "Customer 1" },
    ]);
    expect(c.sleeps).toEqual([1000, 1000]);

    expect(c.out[0]).toBe(`starting "cafe" for 45 customers from +447700900000, 20 per call (request id ${requestId}, derived from the menu and the file's numbers)`);
    expect(c.out.slice(1, 10)).toEqual([
      "  line 2   ********0100  started: sent the first question",
      "  line 3   ********0101  started: sent the first question",
      "  line 4   ********0102  started: sent the first question",
      "  line 5   ********0103  opted out: nothing sent",
      "  line 6   ********0104  started: sent the first question",
      "  line 7   ********0105  started: sent the first question",
      "  line 8   ********0106  started: sent the first question",
      "  line 9   ********0107  started: sent the template (outside the 24-hour window)",
      "  line 10  ********0108  already started by this request id: nothing sent again",
    ]);
    expect(c.out.slice(1, 46).map((l) => /line (\d+)/.exec(l)?.[1])).toEqual(Array.from({ length: 45 }, (_, i) => String(i + 2)));
    expect(c.out.slice(46)).toEqual([
      "customers.csv: 45 customers: 44 started (1 with the template, 1 already by this request id), 1 opted out, 0 refused\n" +
        `1 customer got nothing new: request id ${requestId} had started them already. To start them again (a new campaign), pass a new --request-id.`,
    ]);
  });

  it("JSON: names and variables per customer, a file's value winning over --var; --request-id and --pace-ms as given", async () => {
    const file = JSON.stringify(
      [
        { to: "+447700900101", profileName: "Alice", variables: { table: "4" } },
        { to: "447700900102", variables: {} },
      ],
      null,
      2,
    );
    const { fetchImpl, bodies } = fakeWorker({ [BULK]: bulkRoute() });
    const c = cli({ "customers.json": file }, fetchImpl);
    expect(await c.run(...fileArgs("customers.json", "--var", "table=1", "--request-id", "spring-promo", "--pace-ms", "250"))).toBe(0);
    expect(bodies).toEqual([
      { from: BUSINESS, requestId: "spring-promo", variables: { table: "1" }, customers: [{ to: "447700900101", profileName: "Alice", variables: { table: "4" } }, { to: "447700900102" }] },
    ]);
    expect(c.out).toEqual([
      'starting "cafe" for 2 customers from +447700900000, 20 per call (request id spring-promo)',
      "  line 2  ********0101  started: sent the first question",
      "  line 9  ********0102  started: sent the first question",
      "customers.json: 2 customers: 2 started, 0 opted out, 0 refused",
    ]);
    expect(c.sleeps).toEqual([]);
    const ending = fakeWorker({ [BULK]: bulkRoute() });
    expect(await cli({ "customers.json": file }, ending.fetchImpl).run(...fileArgs("customers.json", "--request-id", "spring-promo", "--end-handover"))).toBe(0);
    expect(ending.bodies.map((b) => (b as { endHandover?: boolean }).endHandover)).toEqual([true]);
    const paced = cli({ "c.csv": csvOf(41) }, fakeWorker({ [BULK]: bulkRoute() }).fetchImpl);
    expect(await paced.run(...fileArgs("c.csv", "--pace-ms=250"))).toBe(0);
    expect(paced.sleeps).toEqual([250, 250]);
    const unpaced = cli({ "c.csv": csvOf(41) }, fakeWorker({ [BULK]: bulkRoute() }).fetchImpl);
    expect(await unpaced.run(...fileArgs("c.csv", "--pace-ms", "0"))).toBe(0);
    expect(unpaced.sleeps).toEqual([]);
  });

  it("refused customers exit 1 with the worker's reason; --json prints the combined results with file lines", async () => {
    const outside =
      'this customer has not written in the last 24 hours, so WhatsApp only delivers an approved template; add a "template" to menu "cafe" (see the README\'s Templates), or start it after the customer writes';
    const special: Record<string, object> = {
      [number(1)]: { outcome: "refused", reason: outside, retry: false },
      [number(2)]: { outcome: "refused", reason: "session kept changing under concurrent writes; try again", retry: true },
    };
    const route = bulkRoute((to) => special[to] ?? { outcome: "started", via: "question", node: "welcome" });
    const c = cli({ "c.csv": csvOf(23) }, fakeWorker({ [BULK]: route }).fetchImpl);
    expect(await c.run(...fileArgs("c.csv"))).toBe(1);
    expect(c.out.slice(2, 4)).toEqual([
      `  line 3   ********0101  refused: ${outside}`,
      "  line 4   ********0102  refused: session kept changing under concurrent writes; try again (running the command again may get past this)",
    ]);
    const requestId = /request id (bulk-\w+)/.exec(c.out[0]!)![1];
    expect(c.out.at(-1)).toBe(
      ["c.csv: 23 customers: 21 started, 0 opted out, 2 refused", `1 refusal may pass on a rerun: running the same command again is safe (request id ${requestId}).`].join("\n"),
    );

    const json = cli({ "c.csv": csvOf(23) }, fakeWorker({ [BULK]: route }).fetchImpl);
    expect(await json.run(...fileArgs("c.csv", "--json"))).toBe(1);
    const doc = JSON.parse(json.out.join("\n"));
    expect(doc).toMatchObject({ menu: "cafe", from: BUSINESS, file: "c.csv", requestId, customers: 23, started: 21, opted_out: 0, refused: 2 });
    expect(doc.results).toHaveLength(23);
    expect(doc.results[2]).toEqual({ index: 2, line: 4, customer: "********0102", outcome: "refused", reason: "session kept changing under concurrent writes; try again", retry: true });
    // Indexes and lines run through the whole file, not restarting with each call.
    expect(doc.results[22]).toEqual({ index: 22, line: 24, customer: "********0122", outcome: "started", via: "question", node: "welcome" });
  });

  it("the request id is the same for the same menu and numbers, corrected names included, and another for other numbers or menus", async () => {
    const idOf = async (files: Record<string, string>, ...argv: string[]) => {
      const { fetchImpl, bodies } = fakeWorker({ [BULK]: bulkRoute(), "POST /flows/pills/start/bulk": bulkRoute() });
      expect(await cli(files, fetchImpl).run(...argv)).toBe(0);
      return (bodies[0] as BulkCall).requestId;
    };
    const first = await idOf({ "a.csv": csvOf(3) }, ...fileArgs("a.csv"));
    expect(await idOf({ "a.csv": csvOf(3) }, ...fileArgs("a.csv"))).toBe(first);
    expect(await idOf({ "b.csv": csvOf(3).replace("Customer 1", "Bob") }, ...fileArgs("b.csv", "--var", "x=1"))).toBe(first);
    expect(await idOf({ "c.json": JSON.stringify([2, 0, 1].map((i) => ({ to: number(i) }))) }, ...fileArgs("c.json"))).toBe(first);
    expect(await idOf({ "d.csv": csvOf(4) }, ...fileArgs("d.csv"))).not.toBe(first);
    expect(await idOf({ "a.csv": csvOf(3) }, "start", "pills", "--from", BUSINESS, "--file", "a.csv")).not.toBe(first);
  });

  it("a call that fails as a whole stops, says a rerun is safe, and the rerun continues with the same request id", async () => {
    let calls = 0;
    let failing: "503" | "network" = "503";
    const started = new Set<string>();
    const route = bulkRoute((to) => {
      const already = started.has(to);
      started.add(to);
      return { outcome: "started", via: "question", node: "welcome", ...(already ? { already: true } : {}) };
    });
    const { fetchImpl: inner, bodies } = fakeWorker({ [BULK]: route });
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls++;
      if (calls === 2 && failing === "503") return Response.json({ error: "internal", message: "the server is misconfigured or failed; see its logs" }, { status: 503 });
      if (calls === 5 && failing === "network") throw new TypeError("fetch failed");
      return inner(input, init);
    }) as typeof fetch;
    const first = cli({ "c.csv": csvOf(45) }, flaky);
    expect(await first.run(...fileArgs("c.csv"))).toBe(1);
    const requestId = (bodies[0] as BulkCall).requestId;
    expect(first.out).toHaveLength(21);
    expect(first.err).toEqual([
      [
        "wa-menu: c.csv: the call for lines 22-41 failed: the worker answered 503: the server is misconfigured or failed; see its logs",
        `The 20 customers before line 22 were handled. Running the same command again is safe: with request id ${requestId} nobody already started is messaged twice, and it continues where it left off.`,
      ].join("\n"),
    ]);
    failing = "network";
    const again = cli({ "c.csv": csvOf(45) }, flaky);
    expect(await again.run(...fileArgs("c.csv", "--json"))).toBe(1);
    const doc = JSON.parse(again.out.join("\n"));
    expect(doc.error).toBe(
      [
        "c.csv: the call for lines 42-46 failed: cannot reach http://worker.test: is the worker running, and is WA_MENU_URL right?",
        `The 40 customers before line 42 were handled. Running the same command again is safe: with request id ${requestId} nobody already started is messaged twice, and it continues where it left off.`,
      ].join("\n"),
    );
    expect(doc).toMatchObject({ requestId, customers: 45, started: 40, refused: 0 });
    expect(doc.results.filter((r: { already?: boolean }) => r.already).length).toBe(20);
    const third = cli({ "c.csv": csvOf(45) }, flaky);
    expect(await third.run(...fileArgs("c.csv"))).toBe(0);
    expect(third.out.at(-1)).toBe(
      "c.csv: 45 customers: 45 started (40 already by this request id), 0 opted out, 0 refused\n" +
        `40 customers got nothing new: request id ${requestId} had started them already. To start them again (a new campaign), pass a new --request-id.`,
    );
    expect(new Set((bodies as BulkCall[]).map((b) => b.requestId))).toEqual(new Set([requestId]));
  });

  it("a refused call (an unknown menu) says what to do, and that nothing was sent", async () => {
    const missing = () => Response.json({ error: "ERR_MENU_NOT_FOUND", message: 'menu "cafe" does not exist; upload it first' }, { status: 404 });
    const c = cli({ "c.csv": csvOf(3) }, fakeWorker({ [BULK]: missing }).fetchImpl);
    expect(await c.run(...fileArgs("c.csv"))).toBe(1);
    expect(c.err).toEqual([
      'wa-menu: c.csv: the call for lines 2-4: the worker answered 404: menu "cafe" does not exist; upload it first\nwa-menu push <file> uploads it; a menu\'s id is its file\'s "id" (menus/cafe.json is "cafe").\nNothing was sent.',
    ]);
  });

  it("a bad file: every bad row with its line, nothing sent, exit 1", async () => {
    const csv = ["to,profileName,table,2nd", "447700900101,Alice,1,", "4477-009,Bob,,", ',"Carol, Jr.",,', "+447700900101,,,", "447700900105,Dan"].join("\n");
    const { fetchImpl, requests } = fakeWorker({ [BULK]: bulkRoute() });
    const header = cli({ "c.csv": csv }, fetchImpl);
    expect(await header.run(...fileArgs("c.csv"))).toBe(1);
    expect(header.err).toEqual([
      `wa-menu: c.csv: 1 problem; nothing was sent:\nc.csv:1: column "2nd" is not a variable name: 1 to 32 letters, digits or '_', starting with a letter (or "to", "profileName")`,
    ]);
    const rows = cli({ "c.csv": csv.replace(",2nd", ",note") }, fetchImpl);
    expect(await rows.run(...fileArgs("c.csv"))).toBe(1);
    expect(rows.err).toEqual([
      [
        "wa-menu: c.csv: 4 problems; nothing was sent:",
        'c.csv:3: "to" "4477-009" is not a phone number: digits only, country code first',
        'c.csv:4: no "to": every customer needs their number',
        "c.csv:5: customer +447700900101 is also on line 2: list each customer once",
        "c.csv:6: 2 cells, and the header has 4 (quote a cell that holds a comma)",
      ].join("\n"),
    ]);
    const json = `[\n  {"to": "447700900101"},\n  {"to": 447700900102},\n  {"to": "447700900103", "name": "Eve",\n   "variables": {"table": 4}}\n]`;
    const bad = cli({ "c.json": json }, fetchImpl);
    expect(await bad.run(...fileArgs("c.json", "--json"))).toBe(1);
    expect(JSON.parse(bad.out.join("\n"))).toEqual({
      error: expect.stringMatching(/^c\.json: 3 problems; nothing was sent:\nc\.json:3: /),
      file: "c.json",
      problems: [
        { line: 3, message: '"to" must be a string, e.g. "447700900101"' },
        { line: 4, message: 'unknown field "name": a customer has "to", "profileName" and "variables"' },
        { line: 4, message: 'variable "table" must be a string' },
      ],
    });
    // A problem with the whole file has no line number.
    const shapes: Array<[string, string, string | RegExp]> = [
      ["e.csv", "", 'e.csv: the file is empty: give a header row naming a "to" column, then a row per customer'],
      ["h.csv", "phone,name\n447700900101,A", 'h.csv:1: the header row names no "to" column (it names "phone", "name"): the first row names the columns, separated by commas'],
      ["o.csv", "to\n", "o.csv: no customers: the header row is the only row"],
      ["q.csv", 'to,profileName\n447700900101,"Al', 'q.csv:2: a quoted cell is not closed: end it with ", and write a quote inside one as ""'],
      ["n.json", "{}", 'n.json: expected a JSON array of customers, [{"to": "<number>", "profileName"?: "...", "variables"?: {...}}, ...]'],
      ["x.json", "[{", /^x\.json: not valid JSON \(/],
    ];
    for (const [file, text, line] of shapes) {
      const c = cli({ [file]: text }, fetchImpl);
      expect(await c.run(...fileArgs(file)), file).toBe(1);
      expect(c.err[0]!.split("\n")[0], file).toBe(`wa-menu: ${file}: 1 problem; nothing was sent:`);
      const said = c.err[0]!.split("\n")[1];
      if (typeof line === "string") expect(said, file).toBe(line);
      else expect(said, file).toMatch(line);
    }
    const unreadable = cli({}, fetchImpl);
    expect(await unreadable.run(...fileArgs("/nowhere/c.csv"))).toBe(1);
    const format = 'JSON, an array of {"to", "profileName"?, "variables"?: {"name": "value"}}, or CSV with a header row: a "to" column, optionally "profileName", and any other column is a variable';
    expect(unreadable.err).toEqual([`wa-menu: /nowhere/c.csv: no such file: check its name and folder; it is your customers: ${format}`]);
    // The README's own name, missing: the message says what the file must hold, not that very name again.
    const named = cli({}, fetchImpl);
    expect(await named.run(...fileArgs("customers.csv"))).toBe(1);
    expect(named.err).toEqual([`wa-menu: customers.csv: no such file: check its name and folder; it is your customers: ${format}`]);
    // The format as start --help gives it.
    const help = cli();
    expect(await help.run("start", "--help")).toBe(0);
    expect(help.out.join("\n").replace(/\s+/g, " ")).toContain(`A customers file is ${format}`);
    expect(requests).toEqual([]);
  });

  it("--help explains both forms, the file shapes, the 24-hour window and the default request id", async () => {
    const { run, out } = cli();
    expect(await run("start", "--help")).toBe(0);
    const help = out.join("\n");
    expect(help).toMatch(
      /^usage: wa-menu start <menu> --from <business> --to <customer> \[\.\.\.\]\n {7}wa-menu start <menu> --from <business> --file <file> \[\.\.\.\]\n\nStart a menu for a customer: they get its first question\.\nStart it for every customer in a CSV or JSON file\.\n/,
    );
    for (const said of [
      'an array of {"to", "profileName"?, "variables"?',
      'a "to" column, optionally "profileName"',
      "within 24 hours",
      'approved "template"',
      "running the same command\nagain is safe",
      "--pace-ms N",
    ]) {
      expect(help).toContain(said);
    }
  });

  it("wrong use of the file form exits 2 before anything is sent", async () => {
    const cases: Array<[string[], string]> = [
      [["start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, "--file", "c.csv"], "give --to <customer> or --file <file>, not both"],
      [["start", "cafe", "--file", "c.csv"], "start needs --from <business> and --to <customer> or --file <file>"],
      [["start", "cafe", "--from", BUSINESS, "--file", "c.csv", "--name", "Al"], "--name is for one customer (--to); a file gives each customer's name in its profileName"],
      [["start", "cafe", "--from", BUSINESS, "--to", CUSTOMER, "--pace-ms", "5"], "--pace-ms paces the calls of a --file start"],
      [["start", "cafe", "--from", BUSINESS, "--file", "c.csv", "--pace-ms", "1s"], "--pace-ms 1s: give the pause between calls in milliseconds (0 to 999999)"],
    ];
    for (const [argv, message] of cases) {
      const { fetchImpl, requests } = fakeWorker({ [BULK]: bulkRoute() });
      const c = cli({ "c.csv": csvOf(2) }, fetchImpl);
      expect(await c.run(...argv), argv.join(" ")).toBe(2);
      expect(c.err[0]!.split("\n\n")[0]).toBe(`wa-menu: ${message}`);
      expect(requests).toEqual([]);
    }
  });
});

describe("wa-menu start against the real worker", async () => {
  const keys = await generateTestKeys();
  function worker() {
    const api = createFakeMessagesApi({ applicationId: "app", publicKey: keys.publicKey });
    const app = createApp({
      env: { VONAGE_APPLICATION_ID: "app", VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: "s".repeat(32), ADMIN_TOKEN },
      stores: { menus: memoryKv(), sessions: memoryKv() },
      fetch: api.fetch,
      now: Date.now,
      sleep: async () => undefined,
      random: systemRandom,
      log: () => undefined,
    });
    return { api, fetchImpl: (async (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init))) as typeof fetch };
  }

  it("customers who never wrote get the cafe's template; a rerun of the same file messages nobody twice", async () => {
    const { api, fetchImpl } = worker();
    const files = { "c.csv": "to,profileName\n447700900101,Alice\n447700900102,\n447700900103,Carol\n" };
    expect(await cli(files, fetchImpl).run("push", "menus/cafe.json")).toBe(0);
    const first = cli(files, fetchImpl);
    expect(await first.run("start", "cafe", "--from", BUSINESS, "--file", "c.csv")).toBe(1);
    expect(first.out.slice(1)).toEqual([
      "  line 2  ********0101  started: sent the template (outside the 24-hour window)",
      `  line 3  ********0102  refused: template "cafe_welcome" parameter 1 ({{profile.name}}) is empty for this customer; WhatsApp refuses empty parameters: pass the profileName or variables it names`,
      "  line 4  ********0103  started: sent the template (outside the 24-hour window)",
      "c.csv: 3 customers: 2 started (2 with the template), 0 opted out, 1 refused",
    ]);
    // Sends are counted as requests to the Messages API: whether its stand-in accepts a template is not this test's matter.
    expect(api.requests).toBe(2);
    const again = cli(files, fetchImpl);
    expect(await again.run("start", "cafe", "--from", BUSINESS, "--file", "c.csv", "--json")).toBe(1);
    expect(JSON.parse(again.out.join("\n"))).toMatchObject({
      started: 2,
      refused: 1,
      results: [
        { line: 2, already: true },
        { line: 3, outcome: "refused" },
        { line: 4, already: true },
      ],
    });
    expect(api.requests).toBe(2);

    const one = cli({}, fetchImpl);
    expect(await one.run("start", "cafe", "--from", BUSINESS, "--to", "447700900104", "--name", "Dan", "--request-id", "dan-1")).toBe(0);
    expect(await one.run("start", "cafe", "--from", BUSINESS, "--to", "447700900104", "--name", "Dan", "--request-id", "dan-1")).toBe(0);
    expect(one.out).toEqual([
      expect.stringMatching(/^started "cafe" for \+447700900104: sent the menu's approved template, because/),
      '"cafe" was already started for +447700900104 by request id dan-1: nothing sent again (it waits for an answer to the template)',
    ]);
    const session = cli({}, fetchImpl);
    expect(await session.run("session", BUSINESS, "447700900104")).toBe(0);
    expect(session.out.join("\n")).toContain("\n  window     closed: only templates reach them (they have not written to you)\n");
    expect(await one.run("start", "cafe", "--from", BUSINESS, "--to", "447700900105", "--var", "table=4")).toBe(1);
    expect(one.err).toEqual([
      expect.stringMatching(/^wa-menu: start cafe: the worker answered 422: this start does not fit menu "cafe": variables\.table: .*\nPass only the variables the menu declares/),
    ]);
    expect(api.requests).toBe(3);
  });

  it("the variables hint follows only a refusal about variables: a start to the business's own number gets the worker's reason alone", async () => {
    const { api, fetchImpl } = worker();
    expect(await cli({}, fetchImpl).run("push", "menus/cafe.json")).toBe(0);
    const own = cli({}, fetchImpl);
    expect(await own.run("start", "cafe", "--from", BUSINESS, "--to", BUSINESS)).toBe(1);
    expect(own.err).toEqual([`wa-menu: start cafe: the worker answered 422: "to" is the business number itself, the same as "from": give the customer's number as "to"`]);
    const json = cli({}, fetchImpl);
    expect(await json.run("start", "cafe", "--from", BUSINESS, "--to", BUSINESS, "--json")).toBe(1);
    expect(JSON.parse(json.out.join("\n"))).toEqual({ error: expect.any(String), status: 422, code: "ERR_START_INVALID" });
    const vars = cli({}, fetchImpl);
    expect(await vars.run("start", "cafe", "--from", BUSINESS, "--to", "447700900105", "--var", "table=4")).toBe(1);
    expect(vars.err[0]).toMatch(/\nPass only the variables the menu declares, with --var name=value .*; to use a new one, declare it there and push the menu\.$/);
    expect(api.requests).toBe(0);
  });

  it("a national number in a file (07..., 00 44...) is a bad row with its line and what to write, before any call: the worker refuses such numbers", async () => {
    const { api, fetchImpl } = worker();
    expect(await cli({}, fetchImpl).run("push", "menus/cafe.json")).toBe(0);
    // 21 good rows, then the two forms a phone book holds: calls of 20 would have sent the first before the worker refused the second.
    const csv = ["to,profileName", ...Array.from({ length: 21 }, (_, i) => `${number(i)},Customer ${i}`), "07700900123,Eve", "+00447700900124,Fay", ""].join("\n");
    const json = JSON.stringify([{ to: number(1) }, { to: "07700900123" }], null, 2);
    const c = cli({ "c.csv": csv, "c.json": json }, fetchImpl);
    expect(await c.run("start", "cafe", "--from", BUSINESS, "--file", "c.csv")).toBe(1);
    expect(await c.run("start", "cafe", "--from", BUSINESS, "--file", "c.json")).toBe(1);
    expect(c.out).toEqual([]);
    expect(c.err).toEqual([
      [
        "wa-menu: c.csv: 2 problems; nothing was sent:",
        'c.csv:23: "to" "07700900123" is a national number (it starts with 0): write it in international form, the country code first and without the leading 0 (a UK 07700 900123 is 447700900123)',
        'c.csv:24: "to" "+00447700900124" starts with 00, the prefix for dialling abroad: write it in international form without it, the country code first (447700900124)',
      ].join("\n"),
      'wa-menu: c.json: 1 problem; nothing was sent:\nc.json:5: "to" "07700900123" is a national number (it starts with 0): write it in international form, the country code first and without the leading 0 (a UK 07700 900123 is 447700900123)',
    ]);
    expect(api.requests).toBe(0);
  });
});

describe("wa-menu finds npm start's worker by itself", () => {
  const credentials = JSON.stringify({ adminToken: ADMIN_TOKEN });
  const ok = () => fakeWorker({ "GET /admin/deliveries": () => Response.json({ deliveries: [] }) });

  it("WORKER_PORT and the admin token in DEV_DIR/credentials.json, as npm start wrote them", async () => {
    const { fetchImpl, requests } = ok();
    const { run } = cli({ "/dev-folder/credentials.json": credentials }, fetchImpl, { WORKER_PORT: "9123", DEV_DIR: "/dev-folder" });
    expect(await run("deliveries")).toBe(0);
    expect(requests).toEqual([{ method: "GET", url: "http://127.0.0.1:9123/admin/deliveries", auth: `Bearer ${ADMIN_TOKEN}` }]);
  });

  it("port 8787 and .dev under the project folder when npm start was given neither", async () => {
    const { fetchImpl, requests } = ok();
    const c = cli({ "/project/.dev/credentials.json": credentials }, fetchImpl, {});
    c.io.root = "/project";
    expect(await c.run("deliveries")).toBe(0);
    expect(requests[0]!.url).toBe("http://127.0.0.1:8787/admin/deliveries");
  });

  it("--url, then WA_MENU_URL, override WORKER_PORT; --token, WA_MENU_TOKEN and ADMIN_TOKEN override the file", async () => {
    const { fetchImpl, requests } = ok();
    const env = { WORKER_PORT: "9123", DEV_DIR: "/dev-folder", WA_MENU_URL: "https://from-env.example/" };
    const files = { "/dev-folder/credentials.json": JSON.stringify({ adminToken: "the-file-token-000000" }) };
    expect(await cli(files, fetchImpl, env).run("deliveries", "--token", ADMIN_TOKEN)).toBe(0);
    expect(await cli(files, fetchImpl, env).run("deliveries", `--url=https://from-flag.example`, `--token=${ADMIN_TOKEN}`)).toBe(0);
    expect(await cli(files, fetchImpl, { ...env, ADMIN_TOKEN }).run("deliveries")).toBe(0);
    expect(await cli(files, fetchImpl, { ...env, ADMIN_TOKEN: "wrong-admin-token-0000", WA_MENU_TOKEN: ADMIN_TOKEN }).run("deliveries")).toBe(0);
    expect(requests.map((r) => r.url)).toEqual([
      "https://from-env.example/admin/deliveries",
      "https://from-flag.example/admin/deliveries",
      "https://from-env.example/admin/deliveries",
      "https://from-env.example/admin/deliveries",
    ]);
    const fromFile = cli(files, fetchImpl, env);
    expect(await fromFile.run("deliveries")).toBe(1);
    expect(fromFile.err).toEqual([
      "wa-menu: deliveries: the worker answered 401: missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN> (the token came from /dev-folder/credentials.json)",
    ]);
  });

  it("push to npm start's worker publishes npm start's local copy: placeholder webhooks to the local receiver; to any other worker, the file as it is", async () => {
    const published = () => fakeWorker({ "PUT /admin/menus/cafe": () => Response.json({ id: "cafe", version: 2 }, { status: 201 }) });
    const cafe = JSON.parse(await readFile("menus/cafe.json", "utf8"));
    const urls = localUrlsText({ workerUrl: "http://127.0.0.1:9123", receiverUrl: "http://127.0.0.1:9125", backendUrl: "http://127.0.0.1:9124/backend" });
    const files = { "/dev-folder/credentials.json": credentials, "/dev-folder/local-urls.json": urls };
    const env = { WORKER_PORT: "9123", DEV_DIR: "/dev-folder" };

    const local = published();
    const c = cli(files, local.fetchImpl, env);
    expect(await c.run("push", "menus/cafe.json")).toBe(0);
    expect(local.bodies).toEqual([localCopy(cafe, { receiverUrl: "http://127.0.0.1:9125", backendUrl: "http://127.0.0.1:9124/backend" })]);
    expect(JSON.stringify(local.bodies[0])).toContain('"webhook":"http://127.0.0.1:9125/agents/cafe"');
    expect(c.out.join("\n").split("\n")).toEqual([
      "menus/cafe.json: as npm start publishes it: its placeholder webhooks go to the local receiver, http://127.0.0.1:9125",
      'menus/cafe.json: published "cafe" as version 2',
    ]);

    // Told where the worker is, or given a token: not npm start's worker as it found it, so the file goes as it is.
    const given = published();
    expect(await cli(files, given.fetchImpl, { ...env, WA_MENU_URL: "http://127.0.0.1:9123" }).run("push", "menus/cafe.json")).toBe(0);
    expect(await cli(files, given.fetchImpl, env).run("push", "menus/cafe.json", "--token", ADMIN_TOKEN)).toBe(0);
    // npm start on another port than WORKER_PORT says: the file is about another worker.
    expect(await cli(files, given.fetchImpl, { ...env, WORKER_PORT: "9200" }).run("push", "menus/cafe.json", "--url", "http://127.0.0.1:9200")).toBe(0);
    expect(given.bodies).toEqual([cafe, cafe, cafe]);
  });

  it("says how to reach npm start's worker when nothing answers, and what to do without a token", async () => {
    const down = cli({ ".dev/credentials.json": credentials }, async () => Promise.reject(new TypeError("fetch failed")), { WORKER_PORT: "9123" });
    expect(await down.run("deliveries")).toBe(1);
    expect(down.err).toEqual(["wa-menu: cannot reach http://127.0.0.1:9123: is npm start running? If it runs the worker on another port, set WORKER_PORT to that port, or pass --url"]);
    const noToken = cli({}, ok().fetchImpl, { DEV_DIR: "/nowhere" });
    expect(await noToken.run("deliveries")).toBe(2);
    expect(noToken.err[0]).toMatch(
      /^wa-menu: no admin token: pass --token or set WA_MENU_TOKEN \(a deployed worker's ADMIN_TOKEN\), or run npm start once, which writes \/nowhere\/credentials\.json\n/,
    );
    const badPort = cli({}, ok().fetchImpl, { WORKER_PORT: "eighty", WA_MENU_TOKEN: ADMIN_TOKEN });
    expect(await badPort.run("deliveries")).toBe(2);
    expect(badPort.err[0]).toMatch(/^wa-menu: WORKER_PORT=eighty is not a port number/);
  });
});
