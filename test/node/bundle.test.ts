/**
 * The deployed worker's size: every cold isolate fetches and parses it. A guard on what goes into the bundle (zod's
 * locales and JSON-Schema generator, a second router), not a timing: `npm run bench` measures the rest.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundle } from "../../bench/build.js";
import { startWorkerd, wranglerCompatibility } from "../../bench/workerd.js";
import { generateTestKeys } from "../support/keys.js";

/**
 * Loads the bundle in a new Node process, answers `/healthz` (the configuration checked, the keys imported), then an
 * admin request; says after each whether zod has been evaluated (its global registry exists).
 */
const probe = `
const { generateKeyPairSync } = await import("node:crypto");
const worker = (await import(process.argv[1])).default;
const kv = () => { const m = new Map(); return { get: async (k) => (Array.isArray(k) ? new Map(k.map((x) => [x, m.get(x) ?? null])) : m.get(k) ?? null), put: async (k, v) => void m.set(k, v), delete: async (k) => void m.delete(k), list: async () => ({ keys: [], list_complete: true }) }; };
const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
const env = { MENUS: kv(), SESSIONS: kv(), VONAGE_APPLICATION_ID: "app", VONAGE_PRIVATE_KEY: pem, VONAGE_SIGNATURE_SECRET: "s".repeat(32), ADMIN_TOKEN: "t".repeat(32) };
const ctx = { waitUntil() {}, passThroughOnException() {} };
const zod = () => globalThis.__zod_globalRegistry !== undefined;
const seen = [zod()];
seen.push((await worker.fetch(new Request("https://w/healthz"), env, ctx)).status, zod());
seen.push((await worker.fetch(new Request("https://w/admin/menus", { headers: { Authorization: "Bearer " + "t".repeat(32) } }), env, ctx)).status, zod());
console.log(JSON.stringify(seen));
`;

let outdir: string;
let file: string;

beforeAll(async () => {
  // Under the project (workerd refuses a script outside it), in the ignored folder the bench writes to.
  const results = path.join(process.cwd(), "bench-results");
  await mkdir(results, { recursive: true });
  outdir = await mkdtemp(path.join(results, "bundle-test-"));
  file = await bundle(process.cwd(), outdir);
}, 120_000);

afterAll(() => rm(outdir, { recursive: true, force: true }));

// Minified (wrangler.toml), templates, data nodes, reminders and handover included, it is about 80 KiB, zod/mini a sixth
// of it raw (docs/performance.md); the guard leaves about 5 KiB for what comes next (it was 99 KiB on classic zod).
it("the worker bundle stays under 85 KiB gzipped, without zod's locales or JSON-Schema generator, and answers webhooks without evaluating zod", { timeout: 120_000 }, async () => {
  // The webhook path (configuration, webhook bodies) is checked without zod, and the business API that uses it is
  // loaded on its first request: a cold isolate that only answers customers never builds a zod schema. In Node,
  // the global scope's env (`cloudflare:workers`) is an empty one: the probe passes its env to each request.
  const module = path.join(outdir, "worker.mjs");
  const code = await readFile(file, "utf8");
  expect(code).toContain('"cloudflare:workers"');
  await writeFile(module, code.replaceAll('"cloudflare:workers"', '"data:text/javascript,export const env = {};"'));
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", probe, module]);
  expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual([false, 200, false, 200, true]);
  expect(gzipSync(code).length / 1024).toBeLessThan(85);
  // `import { z } from "zod/mini"` pulls in every locale (about 360 KiB); `import * as z from "zod/mini"` lets them go,
  // and src/zod-english.ts imports English alone.
  // esbuild writes non-ASCII as escapes: "Ungültige Eingabe" (German) is "Ung\xFCltige Eingabe".
  expect(code).not.toMatch(/Ung(\\xFC|ü)ltige Eingabe/u);
  // zod's classic API brings its JSON-Schema generator (core/to-json-schema.js, core/json-schema-processors.js) with
  // every schema, 19 KiB minified; zod/mini leaves it to `toJSONSchema`, which only the CLI calls (src/menus/json-schema.ts).
  // Two of the errors it throws, one from each file (both in the bundle of classic zod).
  expect(code).not.toContain("Non-representable type encountered");
  expect(code).not.toContain("cannot be represented in JSON Schema");
});

// The global scope of workerd refuses I/O, timers and random values: the entry's start-up work (the app built from
// the imported env, its services, the rehearsal) must do none of them, or it says so in a warning and is lost.
it("the deployed bundle starts in workerd with its app prepared and its rehearsal done, without a warning", { timeout: 60_000 }, async () => {
  const keys = await generateTestKeys();
  const bindings = { VONAGE_APPLICATION_ID: crypto.randomUUID(), VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: "s".repeat(32), ADMIN_TOKEN: "t".repeat(32) };
  const worker = await startWorkerd([{ name: "worker", scriptPath: file, bindings, kvNamespaces: ["MENUS", "SESSIONS"] }], wranglerCompatibility("wrangler.toml"));
  try {
    const res = await fetch(`${worker.urls["worker"]}/healthz`);
    expect([res.status, await res.json()]).toEqual([200, { status: "ok" }]);
    expect(worker.problems).toEqual([]);
  } finally {
    await worker.dispose();
  }
});
