/** The Deno KV store against a real Deno KV file: compare-and-set, expiry, prefixes, limits. */
import assert from "node:assert/strict";
import { AppError } from "../../src/errors.js";
import { HTTP_ERRORS } from "../../src/http/errors.js";
import { denoKv, MENUS_NAMESPACE, type DenoAtomicLike, type DenoKvKey, type DenoKvLike } from "../../src/store/deno-kv.js";
import { menuRepo } from "../../src/store/menus.js";

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

/** Two stores of the same namespace on two handles of one KV file, as two isolates of one deployment see it. */
function withPeers(fn: (a: ReturnType<typeof denoKv>, b: ReturnType<typeof denoKv>, kv: Deno.Kv) => Promise<void>) {
  return withKv(async (kv, path) => {
    const peer = await Deno.openKv(path);
    try {
      await fn(denoKv(kv, { namespace: "sessions" }), denoKv(peer, { namespace: "sessions" }), kv);
    } finally {
      peer.close();
    }
  });
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
  withPeers(async (a, b) => {
    await a.put("s", { n: 0 });
    const version = (await b.get("s"))!.version;
    const results = await Promise.all([a.put("s", { by: "a" }, { ifVersion: version }), b.put("s", { by: "b" }, { ifVersion: version })]);
    assert.deepEqual([...results].sort(), [false, true]);
    assert.deepEqual((await b.get("s"))?.value, { by: results[0] ? "a" : "b" });
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

/** A value far over Deno KV's 64 KiB for one value: text in a script of two bytes a character, and numbers. */
const large = (tag: string) => ({ tag, notes: Array.from({ length: 100 }, (_, i) => `${i}: ${"記".repeat(400)} ${tag}`), n: Array.from({ length: 500 }, (_, i) => i + 0.5) });

/** The parts a namespace's values are stored in, as Deno KV holds them. */
async function partsIn(kv: Deno.Kv, namespace: string): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  for await (const entry of kv.list({ prefix: [`${namespace}/parts`] })) keys.push(entry.key);
  return keys;
}

Deno.test("a value over Deno KV's 64 KiB is stored in parts and reads back whole, by get and getMany, and list never shows its parts", () =>
  withKv(async (kv) => {
    const store = denoKv(kv, { namespace: "menus" });
    const value = large("a");
    await assert.rejects(kv.set(["menus", "raw"], value), /too large/i, "Deno KV itself refuses it as one value");
    assert.equal(await store.put("menu:big@1", value, { ifVersion: null }), true);
    await store.put("menu:small", { n: 1 });
    const head = (await kv.get<{ v?: unknown; parts?: { count: number } }>(["menus", "menu:big@1"])).value;
    assert.equal(head?.v, undefined, "the key holds only what names the parts");
    assert.ok((head?.parts?.count ?? 0) >= 2);
    assert.equal((await partsIn(kv, "menus")).length, head?.parts?.count);
    assert.deepEqual((await store.get("menu:big@1"))?.value, value);
    assert.deepEqual((await store.get("menu:big@1", { cacheTtl: 60 }))?.value, value);
    const many = await store.getMany(["menu:small", "menu:big@1", "menu:none"]);
    assert.deepEqual(
      many.map((e) => e?.value ?? null),
      [{ n: 1 }, value, null],
    );
    assert.deepEqual(await store.list(""), ["menu:big@1", "menu:small"]);
    assert.equal(await store.put("menu:big@1", large("b"), { ifVersion: null }), false, "only if absent, in parts too");
    assert.deepEqual((await store.get("menu:big@1"))?.value, value);
  }));

Deno.test("compare-and-set holds for values in parts: a stale version writes nothing, and the winner's parts are the ones read", () =>
  withKv(async (kv) => {
    const store = denoKv(kv, { namespace: "sessions" });
    await store.put("s", large("first"));
    const version = (await store.get("s"))!.version;
    assert.equal(await store.put("s", large("second"), { ifVersion: version }), true);
    const parts = (await partsIn(kv, "sessions")).length;
    assert.equal(await store.put("s", large("stale"), { ifVersion: version }), false);
    assert.equal((await partsIn(kv, "sessions")).length, parts, "the losing write left no parts behind");
    assert.deepEqual((await store.get("s"))?.value, large("second"));
  }));

Deno.test("of two compare-and-sets of values in parts racing from two handles, exactly one wins and reads back whole", () =>
  withPeers(async (a, b, kv) => {
    await a.put("s", large("start"));
    const version = (await b.get("s"))!.version;
    const results = await Promise.all([a.put("s", large("a"), { ifVersion: version }), b.put("s", large("b"), { ifVersion: version })]);
    assert.deepEqual([...results].sort(), [false, true]);
    assert.deepEqual((await a.get("s"))?.value, large(results[0] ? "a" : "b"));
    const count = (await kv.get<{ parts: { count: number } }>(["sessions", "s"])).value!.parts.count;
    assert.equal((await partsIn(kv, "sessions")).length, count, "the loser's parts and the replaced value's are gone");
  }));

Deno.test("a value in parts replaced by a small one reads as the small one; a delete removes the parts; an expired one is gone", () =>
  withKv(async (kv) => {
    let clock = 1_000_000;
    const store = denoKv(kv, { namespace: "sessions", now: () => clock });
    await store.put("s", large("a"), { ttlSeconds: 60 });
    await store.put("s", { n: 1 }, { ttlSeconds: 60 });
    assert.deepEqual((await store.get("s"))?.value, { n: 1 });
    const menus = denoKv(kv, { namespace: "menus" });
    await menus.put("d", large("d"));
    assert.ok((await partsIn(kv, "menus")).length >= 2);
    await menus.delete("d");
    assert.equal(await menus.get("d"), null);
    assert.deepEqual(await partsIn(kv, "menus"), [], "the delete removed its parts");
    await store.put("e", large("e"), { ttlSeconds: 60 });
    assert.deepEqual((await store.get("e"))?.value, large("e"));
    clock += 60_000;
    assert.equal(await store.get("e"), null);
    assert.deepEqual(await store.list(""), []);
  }));

Deno.test("a reader holding a value's head whose parts a newer write removed reads the newer value", () =>
  withKv(async (kv) => {
    const writer = denoKv(kv, { namespace: "sessions" });
    await writer.put("s", large("old"));
    const stale = await kv.get(["sessions", "s"]);
    await writer.put("s", large("new"));
    // The reader's first read of the head is answered from before the second write, as a slow read would be.
    let served = false;
    const slow: DenoKvLike = {
      get: async (key, o) => {
        if (served) return kv.get(key as Deno.KvKey, o);
        served = true;
        return stale as never;
      },
      getMany: (keys, o) => kv.getMany(keys as Deno.KvKey[], o),
      delete: (key) => kv.delete(key as Deno.KvKey),
      list: (selector) => kv.list(selector as Deno.KvListSelector),
      atomic: () => kv.atomic() as unknown as DenoAtomicLike,
    };
    assert.deepEqual((await denoKv(slow, { namespace: "sessions" }).get("s"))?.value, large("new"));
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
          delete: (key) => {
            op.delete(key);
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

Deno.test("a key without expiry rewritten with a smaller value keeps no parts it no longer names", () =>
  withKv(async (kv) => {
    const store = denoKv(kv, { namespace: "menus" });
    await store.put("k", large("a"));
    assert.ok((await partsIn(kv, "menus")).length >= 2);
    await store.put("k", { n: 1 });
    assert.deepEqual((await store.get("k"))?.value, { n: 1 });
    assert.deepEqual(await partsIn(kv, "menus"), [], "a small value leaves none of the large one's parts");
    // Larger, then smaller but still in parts: only the parts the head names are left.
    const bigger = { ...large("b"), more: large("c") };
    await store.put("k", bigger);
    await store.put("k", large("d"));
    const head = (await kv.get<{ parts: { id: string; count: number } }>(["menus", "k"])).value!;
    const left = await partsIn(kv, "menus");
    assert.equal(left.length, head.parts.count);
    assert.ok(left.every((key) => key[1] === head.parts.id));
    // The same by compare-and-set, from a handle that did not read the key itself.
    const other = denoKv(kv, { namespace: "menus" });
    const version = (await store.get("k"))!.version;
    assert.equal(await other.put("k", { n: 2 }, { ifVersion: version }), true);
    assert.deepEqual(await partsIn(kv, "menus"), []);
    // Over twelve parts, the first ones go in commits before the head's: replaced, they go too.
    const huge = { all: ["a", "b", "c", "d", "e", "f", "g", "h"].map(large) };
    await other.put("k", huge);
    assert.ok((await partsIn(kv, "menus")).length > 12);
    assert.deepEqual((await store.get("k"))?.value, huge);
    await store.put("k", { n: 3 });
    assert.deepEqual(await partsIn(kv, "menus"), []);
  }));

Deno.test("an unconditional write racing another from a second handle leaves only the winner's parts", () =>
  withPeers(async (a, b, kv) => {
    await a.put("s", large("start"));
    await b.get("s");
    // b's knowledge of the head is stale once a writes: its write must still remove what a wrote.
    await a.put("s", large("a"));
    await b.put("s", large("b"));
    await b.put("s", { n: 1 });
    assert.deepEqual((await a.get("s"))?.value, { n: 1 });
    assert.deepEqual(await partsIn(kv, "sessions"), []);
    await a.put("t", large("t"));
    await Promise.all([a.put("t", large("a")), b.put("t", { n: 1 }), b.delete("t")]);
    const head = (await kv.get<{ parts?: { id: string; count: number } }>(["sessions", "t"])).value;
    assert.equal((await partsIn(kv, "sessions")).length, head?.parts?.count ?? 0, "the parts left are exactly those of the head left");
  }));

/** The real handle, recording the keys of every value Deno KV hands back (list entries, get and getMany). */
function recording(kv: Deno.Kv): { handle: DenoKvLike; read: string[] } {
  const read: string[] = [];
  const note = (key: DenoKvKey) => read.push(key.map(String).join("/"));
  const handle: DenoKvLike = {
    get: async (key, o) => {
      note(key);
      return kv.get(key as Deno.KvKey, o);
    },
    getMany: async (keys, o) => {
      for (const key of keys) note(key);
      return kv.getMany(keys as Deno.KvKey[], o);
    },
    delete: (key) => kv.delete(key as Deno.KvKey),
    list: <T>(selector: { start: DenoKvKey; end: DenoKvKey }) =>
      (async function* () {
        for await (const entry of kv.list<T>(selector as Deno.KvListSelector)) {
          note(entry.key);
          yield entry;
        }
      })(),
    atomic: () => kv.atomic() as unknown as DenoAtomicLike,
  };
  return { handle, read };
}

const menuDoc = (id: string, n: number) => ({ id, start: "ask", nodes: { ask: { type: "text", text: `version ${n}: ${"a long text. ".repeat(300)}` } } });

Deno.test("listing menus reads their pointers, not their versions, and lists the same menus", () =>
  withKv(async (kv) => {
    const publisher = menuRepo(denoKv(kv, { namespace: MENUS_NAMESPACE }));
    for (const id of ["cafe", "cafe-2", "delivery"]) for (let n = 1; n <= 3; n++) await publisher.publish(menuDoc(id, n), `2026-01-0${n}T00:00:00.000Z`);
    await publisher.remove("cafe-2", "2026-01-04T00:00:00.000Z");
    await publisher.bind("default", "cafe");
    // The first list of a database's life names the keys written before (none here) in the index; see below.
    await publisher.list();
    const { handle, read } = recording(kv);
    const menus = menuRepo(denoKv(handle, { namespace: MENUS_NAMESPACE }));
    for (let round = 1; round <= 2; round++) {
      read.length = 0;
      const listed = await menus.list();
      assert.deepEqual(
        listed.map((p) => [p.id, p.current, p.latest]),
        [
          ["cafe", 3, 3],
          ["delivery", 3, 3],
        ],
      );
      assert.deepEqual(
        read.filter((key) => key.startsWith("menus/menu:") && key.includes("@")),
        [],
        `round ${round}: no version was read`,
      );
      assert.ok(read.length <= 2 * 9 + 3 + 1, `round ${round}: ${read.length} entries read`);
    }
    assert.deepEqual(await menus.bindings(), [{ number: "default", menuId: "cafe" }]);
  }));

Deno.test("a database written before the key index lists all its menus, and reads their versions only the first time", () =>
  withKv(async (kv) => {
    // Stored as the release before the index stored them: the heads alone.
    const pointer = (id: string) => ({ id, current: 2, latest: 2, updatedAt: "2026-01-01T00:00:00.000Z" });
    for (const id of ["old", "older"]) {
      await kv.set(["menus", `menu:${id}`], { v: pointer(id), exp: null });
      for (const n of [1, 2]) await kv.set(["menus", `menu:${id}@${n}`], { v: { menu: menuDoc(id, n), publishedAt: "2026-01-01T00:00:00.000Z" }, exp: null });
    }
    await kv.set(["menus", "binding:default"], { v: { menuId: "old" }, exp: null });
    await kv.set(["menus", "menu:gone"], { v: pointer("gone"), exp: 1 });
    const { handle, read } = recording(kv);
    const menus = menuRepo(denoKv(handle, { namespace: MENUS_NAMESPACE }));
    assert.deepEqual(
      (await menus.list()).map((p) => p.id),
      ["old", "older"],
    );
    assert.deepEqual(await menus.bindings(), [{ number: "default", menuId: "old" }]);
    await menus.publish(menuDoc("new", 1), "2026-01-02T00:00:00.000Z");
    // Another isolate, after the index is complete: the versions are not read again.
    const second = recording(kv);
    const again = menuRepo(denoKv(second.handle, { namespace: MENUS_NAMESPACE }));
    assert.deepEqual(
      (await again.list()).map((p) => p.id),
      ["new", "old", "older"],
    );
    assert.deepEqual(
      second.read.filter((key) => key.startsWith("menus/menu:") && key.includes("@")),
      [],
    );
    assert.ok(
      read.some((key) => key === "menus/menu:old@1"),
      "the first list did read the namespace once",
    );
  }));
