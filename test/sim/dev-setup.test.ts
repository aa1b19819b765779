/** What `npm start` prepares before anything runs: local credentials, checked menus, seeded local KV. */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateCredentials, workerEnvFile } from "../../scripts/dev/credentials.js";
import { DevError } from "../../scripts/dev/dev-error.js";
import { parseConfig } from "../../src/config.js";
import { readExampleMenus, seedMenus } from "../../scripts/dev/seed-menus.js";
import delivery from "../../menus/delivery.json" with { type: "json" };

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
  });
});

describe("example menus", () => {
  it("are all valid as shipped", async () => {
    const { menus } = await readExampleMenus(join(ROOT, "menus"));
    expect(menus.map((m) => m.id)).toEqual(["cafe", "delivery", "pills"]);
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
  it("publishes a changed file as the next version and never rewrites an old one", { timeout: 60_000 }, async () => {
    const persistDir = join(await tempDir(), "state");
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

    expect((await seedMenus({ configPath, persistDir, menus: [menu("one")], defaultMenu: "delivery" })).versions).toEqual([{ id: "delivery", version: 1, published: true }]);
    expect((await seedMenus({ configPath, persistDir, menus: [menu("one")], defaultMenu: "delivery" })).versions).toEqual([{ id: "delivery", version: 1, published: false }]);
    expect((await seedMenus({ configPath, persistDir, menus: [menu("two")], defaultMenu: "delivery" })).versions).toEqual([{ id: "delivery", version: 2, published: true }]);

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
});
