/** The Deno KV store against a real Deno KV file: compare-and-set, expiry, prefixes, limits. */
import assert from "node:assert/strict";
import { AppError } from "../../src/errors.js";
import { HTTP_ERRORS } from "../../src/http/errors.js";
import { denoKv, type DenoAtomicLike, type DenoKvLike } from "../../src/store/deno-kv.js";

async function withKv(fn: (kv: Deno.Kv, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "wa-menu-kv-" });
  const path = `${dir}/kv.sqlite3`;
  const kv = await Deno.openKv(path);
  try {
    await fn(kv, path);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("put with a stale ifVersion returns false and leaves the newer value", () =>
  withKv(async (kv) => {
    const store = denoKv(kv, { namespace: "sessions" });
    assert.equal(await store.put("s", { n: 1 }, { ifVersion: null }), true);
    const first = await store.get<{ n: number }>("s");
    assert.ok(first?.version);
    assert.equal(await store.put("s", { n: 2 }, { ifVersion: first.version }), true);
    assert.equal(await store.put("s", { n: 3 }, { ifVersion: first.version }), false, "the version was already used");
    assert.equal(await store.put("s", { n: 4 }, { ifVersion: null }), false, "the key is no longer absent");
    const now = await store.get<{ n: number }>("s");
    assert.deepEqual(now?.value, { n: 2 });
    assert.notEqual(now?.version, first.version);
    assert.equal(await store.put("s", { n: 5 }), true, "without ifVersion a put always writes");
    assert.deepEqual((await store.get("s"))?.value, { n: 5 });
  }));

Deno.test("of two compare-and-sets racing from two handles on one file, exactly one wins", () =>
  withKv(async (kv, path) => {
    const peer = await Deno.openKv(path);
    try {
      const a = denoKv(kv, { namespace: "sessions" });
      const b = denoKv(peer, { namespace: "sessions" });
      await a.put("s", { n: 0 });
      const version = (await b.get("s"))!.version;
      const results = await Promise.all([a.put("s", { by: "a" }, { ifVersion: version }), b.put("s", { by: "b" }, { ifVersion: version })]);
      assert.deepEqual([...results].sort(), [false, true]);
      assert.deepEqual((await b.get("s"))?.value, { by: results[0] ? "a" : "b" });
    } finally {
      peer.close();
    }
  }));

Deno.test("expired values are gone for get, list and absent-only puts, even before Deno KV sweeps them", () =>
  withKv(async (kv) => {
    let clock = 1_000_000;
    const store = denoKv(kv, { namespace: "sessions", now: () => clock });
    await store.put("session:1:a", { n: 1 }, { ttlSeconds: 60 });
    assert.deepEqual((await store.get("session:1:a"))?.value, { n: 1 });
    clock += 60_000;
    assert.equal(await store.get("session:1:a"), null);
    assert.deepEqual(await store.list("session:"), []);
    assert.notEqual((await kv.get(["sessions", "session:1:a"])).value, null, "still stored: Deno KV expires it later");
    assert.equal(await store.put("session:1:a", { n: 2 }, { ifVersion: null }), true);
    assert.deepEqual((await store.get("session:1:a"))?.value, { n: 2 });
  }));

Deno.test("list finds keys by string prefix within its own namespace", () =>
  withKv(async (kv) => {
    const menus = denoKv(kv, { namespace: "menus" });
    const sessions = denoKv(kv, { namespace: "sessions" });
    for (const key of ["menu:cafe", "menu:cafe@1", "menu:cafe@2", "menu:delivery", "menus", "binding:default"]) await menus.put(key, { key });
    await sessions.put("menu:cafe@9", { key: "elsewhere" });
    assert.deepEqual(await menus.list("menu:cafe"), ["menu:cafe", "menu:cafe@1", "menu:cafe@2"]);
    assert.deepEqual(await menus.list("menu:"), ["menu:cafe", "menu:cafe@1", "menu:cafe@2", "menu:delivery"]);
    assert.deepEqual(await menus.list("menu:", 2), ["menu:cafe", "menu:cafe@1"]);
    assert.equal((await menus.list("")).length, 6);
    await menus.delete("menu:cafe@1");
    assert.equal(await menus.get("menu:cafe@1"), null);
    assert.deepEqual((await sessions.get("menu:cafe@9"))?.value, { key: "elsewhere" });
  }));

Deno.test("values read back as JSON, as from Workers KV", () =>
  withKv(async (kv) => {
    const store = denoKv(kv, { namespace: "menus" });
    await store.put("k", { at: new Date(0), gone: undefined, list: [1, undefined] });
    assert.deepEqual((await store.get("k"))?.value, { at: "1970-01-01T00:00:00.000Z", list: [1, null] });
  }));

Deno.test("a value over Deno KV's 64 KiB limit fails with a store error that says so", () =>
  withKv(async (kv) => {
    const store = denoKv(kv, { namespace: "menus" });
    await assert.rejects(store.put("big", { pad: "x".repeat(70_000) }), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, "ERR_STORE_VALUE_TOO_LARGE");
      assert.match(e.message, /64 KiB/);
      return true;
    });
  }));

Deno.test("a commit refused as 'database is locked' is tried again, and reported as a 503 store error when it keeps failing", async () => {
  const real = await Deno.openKv(":memory:");
  try {
    let refusals = 0;
    const sleeps: number[] = [];
    // The real handle, except that its next commits fail as SQLite does when another handle holds the file.
    const flaky = (times: number): DenoKvLike => ({
      get: (key, o) => real.get(key, o),
      getMany: (keys, o) => real.getMany(keys as Deno.KvKey[], o),
      delete: (key) => real.delete(key),
      list: (selector) => real.list(selector),
      atomic() {
        const op = real.atomic();
        const wrapped: DenoAtomicLike = {
          check: (...checks) => {
            op.check(...checks);
            return wrapped;
          },
          set: (key, value, o) => {
            op.set(key, value, o);
            return wrapped;
          },
          commit: () => (refusals++ < times ? Promise.reject(new TypeError("database is locked")) : op.commit()),
        };
        return wrapped;
      },
    });
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    assert.equal(await denoKv(flaky(2), { namespace: "s", sleep }).put("k", { n: 1 }, { ifVersion: null }), true);
    assert.equal(sleeps.length, 2);
    assert.deepEqual((await denoKv(real, { namespace: "s" }).get("k"))?.value, { n: 1 });

    refusals = 0;
    await assert.rejects(denoKv(flaky(99), { namespace: "s", sleep, commitAttempts: 3 }).put("k", { n: 2 }), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(HTTP_ERRORS[e.code].status, 503);
      assert.match(e.message, /locked/);
      return true;
    });
    assert.equal(refusals, 3);
  } finally {
    real.close();
  }
});
