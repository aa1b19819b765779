/** What `npm start` prepares before anything runs: local credentials, checked menus, seeded local KV. */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateCredentials, workerEnvFile } from "../../scripts/dev/credentials.js";
import { DevError } from "../../scripts/dev/dev-error.js";
import { assertPortFree } from "../../scripts/dev/ports.js";
import { serveApp } from "../../scripts/dev/simulator-server.js";
import { maskedLine, worthShowing, wranglerDevArgs } from "../../scripts/dev/wrangler-dev.js";
import { parseConfig } from "../../src/config.js";
import { readExampleMenus, seedMenus, type ExampleMenu } from "../../scripts/dev/seed-menus.js";
import { menuRepo, type MenuRepo } from "../../src/store/menus.js";
import { workersKv } from "../../src/store/workers-kv.js";
import delivery from "../../menus/delivery.json" with { type: "json" };
import pillsDoc from "../../menus/pills.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wa-menu-setup-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("local credentials", () => {
  it("are made once, owner-only, and read back unchanged on the next start", async () => {
    const dir = join(await tempDir(), ".dev");
    const first = await loadOrCreateCredentials(dir);
    expect(first.created).toBe(true);
    expect(first.credentials.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(first.credentials.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(first.credentials.adminToken.length).toBeGreaterThanOrEqual(16);
    for (const f of ["credentials.json", "private.pem", "public.pem"]) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);

    const again = await loadOrCreateCredentials(dir);
    expect(again).toEqual({ credentials: first.credentials, created: false });
  });

  it("refuse a half-made set and say to delete the folder", async () => {
    const dir = join(await tempDir(), ".dev");
    await loadOrCreateCredentials(dir);
    await rm(join(dir, "public.pem"));
    await expect(loadOrCreateCredentials(dir)).rejects.toThrow(new DevError(`${dir} holds only part of the local credentials. Delete the folder ${dir} and run \`npm start\` again to make new ones.`));
  });

  it("reach the worker as an env file its configuration accepts, the PEM with its lines", async () => {
    const { credentials } = await loadOrCreateCredentials(join(await tempDir(), ".dev"));
    const text = workerEnvFile(credentials, "http://127.0.0.1:8788");
    // Double-quoted dotenv values unescape \n as JSON strings do; nothing else in them needs escaping.
    const env = Object.fromEntries(
      text
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), JSON.parse(l.slice(l.indexOf("=") + 1)) as string]),
    );
    const config = parseConfig(env);
    expect(config).toMatchObject({ apiUrl: "http://127.0.0.1:8788", adminToken: credentials.adminToken, completionSecret: credentials.completionSecret });
    expect(config.privateKey).toBe(credentials.privateKeyPem.trim());
    // The menus' webhooks reach the local receiver on 127.0.0.1.
    expect(config.allowLocalWebhooks).toBe(true);
  });
});

describe("the worker's lines in npm start's terminal", () => {
  it("are its log lines and wrangler's errors, without the workbench's look-ups of customers with no conversation", () => {
    // As the worker logs them under npm start (customers masked).
    const noSession = '{"level":"warn","msg":"request failed","route":"/admin/sessions/********0000/********0101","code":"ERR_NOT_FOUND","status":404,"error":"no session for this customer"}';
    const inbound =
      '{"level":"info","msg":"inbound","message_uuid":"25f8f4ea-98b9-470a-979b-81f0fe2873e8","customer":"********0103","menu":"cafe","node":"welcome","outcome":"started","sent":1,"ms":153}';
    const noMenu = '{"level":"warn","msg":"request failed","route":"/admin/menus/nope","code":"ERR_NOT_FOUND","status":404,"error":"menu \\"nope\\" does not exist"}';
    const badNumber = '{"level":"warn","msg":"request failed","route":"/admin/sessions/********0000/alice","code":"ERR_BAD_REQUEST","status":400,"error":"customer number \\"alice\\" is not valid"}';
    expect([noSession, inbound, noMenu, badNumber, "✘ [ERROR] Build failed", "⎔ Starting local server...", "{ not json"].map(worthShowing)).toEqual([false, true, true, true, true, false, true]);
  });

  it("masks the numbers in wrangler's own lines, and leaves the worker's JSON lines as the worker masked them", () => {
    const request = "[wrangler:info] GET /admin/sessions/447700900000/447700900101 200 OK (9ms)";
    const json = '{"level":"info","msg":"inbound","message_uuid":"25f8f4ea-98b9-470a-979b-81f0fe287312","customer":"********0103"}';
    expect([request, json].map(maskedLine)).toEqual(["[wrangler:info] GET /admin/sessions/********0000/********0101 200 OK (9ms)", json]);
  });
});

/** A server of this test's own on 127.0.0.1 (`port` 0: any free one). */
async function listening(host: string, port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => resolve());
  });
  return server;
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;
const closed = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("npm start's ports", () => {
  it("a taken port stops it with the setting to change, as the README's SIMULATOR_PORT=8798 npm start", async () => {
    const taken = await listening("127.0.0.1");
    const port = portOf(taken);
    try {
      await expect(assertPortFree(port, "SIMULATOR_PORT")).rejects.toThrow(
        new DevError(`port ${port} is already in use. Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it), or pick another port: SIMULATOR_PORT=${port + 10} npm start`),
      );
      // A port taken between the check and the start (another program was quicker) says the same setting.
      await expect(serveApp(() => new Response("ok"), port, "RECEIVER_PORT")).rejects.toThrow(new DevError(`port ${port} is already in use: pick another with RECEIVER_PORT=${port + 10} npm start`));
    } finally {
      await closed(taken);
    }
    await expect(assertPortFree(port, "SIMULATOR_PORT")).resolves.toBeUndefined();
  });

  // 127.0.0.2 is this machine too on Linux: a server on every address would hold that port there as well.
  it.skipIf(process.platform !== "linux")("the simulator and the receiver listen on 127.0.0.1 only, and the worker is told to", async () => {
    const free = await listening("127.0.0.1");
    const port = portOf(free);
    await closed(free);
    const served = await serveApp(() => new Response("ok"), port, "SIMULATOR_PORT");
    try {
      expect(served.url).toBe(`http://127.0.0.1:${port}`);
      expect(await (await fetch(served.url)).text()).toBe("ok");
      const beside = await listening("127.0.0.2", port);
      await closed(beside);
    } finally {
      await served.close();
    }
    const args = wranglerDevArgs({ port: 8787, persistDir: ".dev/state", envFile: ".dev/worker.env" });
    expect(args.slice(args.indexOf("--ip"), args.indexOf("--ip") + 2)).toEqual(["--ip", "127.0.0.1"]);
  });
});

describe("example menus", () => {
  it("are all valid as shipped", async () => {
    const { menus } = await readExampleMenus(join(ROOT, "menus"));
    expect(menus.map((m) => m.id)).toEqual(["booking", "cafe", "delivery", "pills"]);
  });

  it("list every problem of every file, with its path, in one error", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "a.json"), "{ not json");
    await writeFile(join(dir, "b.json"), JSON.stringify({ ...delivery, start: "nowhere" }));
    const error = await readExampleMenus(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevError);
    const message = (error as DevError).message;
    expect(message).toContain(`${join(dir, "a.json")}: not valid JSON`);
    expect(message).toContain(`${join(dir, "b.json")} $.start: start node "nowhere" does not exist`);
  });
});

describe("seeding local KV", () => {
  const configPath = join(ROOT, "wrangler.toml");
  const menu = (footer: string) => ({
    file: "delivery.json",
    id: "delivery",
    name: "Delivery",
    doc: {
      ...delivery,
      nodes: { ...delivery.nodes, "delivery-time": { ...delivery.nodes["delivery-time"], interactive: { ...delivery.nodes["delivery-time"].interactive, footer: { text: footer } } } },
    },
  });
  const pills = { file: "pills.json", id: "pills", name: "Pills", doc: pillsDoc };

  /** A fresh dev folder, and `npm start`'s seeding step on it. */
  async function devFolder() {
    const dev = await tempDir();
    const persistDir = join(dev, "state");
    const recordPath = join(dev, "seeded-menus.json");
    const seed = (menus: ExampleMenu[], defaultMenu = "delivery", rebind = false) => seedMenus({ configPath, persistDir, recordPath, menus, defaultMenu, rebind });
    /** The worker's menu store on the same local KV, as `wa-menu push` and `wa-menu bind` reach it through the worker. */
    const byHand = async <T>(act: (repo: MenuRepo, kv: KVNamespace) => Promise<T>): Promise<T> => {
      const proxy = await getPlatformProxy<{ MENUS: KVNamespace }>({ configPath, persist: { path: join(persistDir, "v3") } });
      try {
        return await act(menuRepo(workersKv(proxy.env.MENUS, { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) })), proxy.env.MENUS);
      } finally {
        await proxy.dispose();
      }
    };
    return { persistDir, recordPath, seed, byHand };
  }

  it("seeds and binds on the first start, and a restart with nothing changed publishes nothing", { timeout: 60_000 }, async () => {
    const { seed, byHand, recordPath } = await devFolder();
    expect(await seed([menu("one"), pills])).toEqual({
      versions: [
        { id: "delivery", version: 1, published: true },
        { id: "pills", version: 1, published: true },
      ],
      defaultMenu: "delivery",
      bound: true,
    });
    const record = JSON.parse(await readFile(recordPath, "utf8")) as { menus: Record<string, { sha256: string; version: number }> };
    expect(Object.keys(record.menus)).toEqual(["delivery", "pills"]);
    expect(record.menus["delivery"]).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), version: 1 });

    expect(await seed([menu("one"), pills])).toEqual({
      versions: [
        { id: "delivery", version: 1, published: false },
        { id: "pills", version: 1, published: false },
      ],
      defaultMenu: "delivery",
      bound: false,
    });
    expect(await byHand(async (repo) => (await repo.list()).map((p) => [p.id, p.latest]))).toEqual([
      ["delivery", 1],
      ["pills", 1],
    ]);
  });

  it("publishes a changed file as the next version and never rewrites an old one", { timeout: 60_000 }, async () => {
    const { seed, persistDir } = await devFolder();
    expect((await seed([menu("one")])).versions).toEqual([{ id: "delivery", version: 1, published: true }]);
    expect((await seed([menu("two")])).versions).toEqual([{ id: "delivery", version: 2, published: true }]);

    // Read back with wrangler's own local KV, where `wrangler dev --persist-to` looks.
    const proxy = await getPlatformProxy<{ MENUS: KVNamespace }>({ configPath, persist: { path: join(persistDir, "v3") } });
    try {
      const get = async (key: string) => JSON.parse((await proxy.env.MENUS.get(key)) ?? "null") as Record<string, any> | null;
      expect(await get("menu:delivery")).toMatchObject({ id: "delivery", current: 2, latest: 2 });
      expect((await get("menu:delivery@1"))?.["menu"].nodes["delivery-time"].interactive.footer).toEqual({ text: "one" });
      expect((await get("menu:delivery@2"))?.["menu"].nodes["delivery-time"].interactive.footer).toEqual({ text: "two" });
      expect(await get("binding:default")).toEqual({ menuId: "delivery" });
    } finally {
      await proxy.dispose();
    }
  });

  it("keeps a version pushed by hand until the file changes", { timeout: 60_000 }, async () => {
    const { seed, byHand } = await devFolder();
    await seed([menu("one")]);
    await byHand((repo) => repo.publish(menu("by hand").doc, new Date().toISOString()));

    expect((await seed([menu("one")])).versions).toEqual([{ id: "delivery", version: 2, published: false }]);
    expect((await seed([menu("three")])).versions).toEqual([{ id: "delivery", version: 3, published: true }]);
    expect(await byHand(async (repo) => (await repo.document("delivery", 3))?.menu)).toMatchObject({ nodes: { "delivery-time": { interactive: { footer: { text: "three" } } } } });
  });

  it("keeps a default bound by hand, unless DEFAULT_MENU asks for another", { timeout: 60_000 }, async () => {
    const { seed, byHand } = await devFolder();
    await seed([menu("one"), pills]);
    await byHand((repo) => repo.bind("default", "pills"));

    expect(await seed([menu("one"), pills])).toMatchObject({ defaultMenu: "pills", bound: false });
    expect(await byHand(async (repo) => await repo.bindings())).toEqual([{ number: "default", menuId: "pills" }]);

    expect(await seed([menu("one"), pills], "delivery", true)).toMatchObject({ defaultMenu: "delivery", bound: true });
    expect(await byHand(async (repo) => await repo.bindings())).toEqual([{ number: "default", menuId: "delivery" }]);
  });

  it("without a record (a dev folder from an earlier release) publishes only a file that differs from the current version", { timeout: 60_000 }, async () => {
    const { seed, recordPath } = await devFolder();
    await seed([menu("one"), pills]);
    await rm(recordPath);
    expect((await seed([menu("one"), pills])).versions.map((v) => v.published)).toEqual([false, false]);
    expect(Object.keys((JSON.parse(await readFile(recordPath, "utf8")) as { menus: object }).menus)).toEqual(["delivery", "pills"]);
    await rm(recordPath);
    expect((await seed([menu("two"), pills])).versions).toEqual([
      { id: "delivery", version: 2, published: true },
      { id: "pills", version: 1, published: false },
    ]);
  });

  it("seeds a menu again that is gone from local KV (its state deleted) although the record has it", { timeout: 60_000 }, async () => {
    const { seed, persistDir } = await devFolder();
    await seed([menu("one")]);
    await rm(persistDir, { recursive: true, force: true });
    expect(await seed([menu("one")])).toEqual({ versions: [{ id: "delivery", version: 1, published: true }], defaultMenu: "delivery", bound: true });
  });
});
