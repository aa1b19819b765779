import { describe, expect, it } from "vitest";
import delivery from "../../menus/delivery.json";
import type { KvStore } from "../../src/store/kv.js";
import { memoryKv } from "../../src/store/memory.js";
import { menuRepo } from "../../src/store/menus.js";

/** The store with every read operation recorded: a bulk read as one entry, its keys together. */
function recorded(kv: KvStore) {
  const reads: Array<string | readonly string[]> = [];
  const store: KvStore = {
    ...kv,
    atomic: kv.atomic,
    get: (key, o) => {
      reads.push(key);
      return kv.get(key, o);
    },
    getMany: (keys, o) => {
      reads.push(keys);
      return kv.getMany(keys, o);
    },
  };
  return { store, reads };
}

describe("which menu a new conversation starts on (MenuRepo.resolveFor)", () => {
  const now = new Date().toISOString();
  const other = { ...delivery, id: "other" };

  it("reads the bindings and the likely menu's pointer in one operation when the binding names that menu", async () => {
    const { store, reads } = recorded(memoryKv());
    const repo = menuRepo(store);
    await repo.publish(delivery, now);
    await repo.bind("447700900001", "delivery");
    await repo.load("delivery", 1);
    reads.length = 0;
    expect((await repo.resolveFor("447700900001", "delivery"))?.menu.id).toBe("delivery");
    expect(reads).toEqual([["binding:447700900001", "binding:default", "menu:delivery"]]);
  });

  it("follows the binding when it names another menu than the likely one, and the default when the number has none", async () => {
    const { store, reads } = recorded(memoryKv());
    const repo = menuRepo(store);
    await repo.publish(delivery, now);
    await repo.publish(other, now);
    await repo.bind("447700900001", "other");
    await repo.bind("default", "delivery");
    reads.length = 0;
    expect((await repo.resolveFor("447700900001", "delivery"))?.menu.id).toBe("other");
    expect(reads.slice(0, 2)).toEqual([["binding:447700900001", "binding:default", "menu:delivery"], "menu:other"]);
    expect((await repo.resolveFor("447700900002", "other"))?.menu.id).toBe("delivery");
    expect((await repo.resolveFor("447700900002"))?.menu.id).toBe("delivery");
  });

  it("starts nothing on a deleted menu, read with the bindings or not, and nothing where no binding is set", async () => {
    const repo = menuRepo(memoryKv());
    await repo.publish(delivery, now);
    await repo.bind("447700900001", "delivery");
    await repo.remove("delivery", now);
    expect(await repo.resolveFor("447700900001", "delivery")).toBeNull();
    expect(await repo.resolveFor("447700900001")).toBeNull();
    expect(await repo.resolveFor("447700900009", "delivery")).toBeNull();
  });

  it("takes the newest version the pointer names, the one a republish made current", async () => {
    const repo = menuRepo(memoryKv());
    await repo.publish(delivery, now);
    await repo.bind("default", "delivery");
    await repo.remove("delivery", now);
    await repo.publish({ ...delivery, name: "Delivery, again" }, now);
    const ref = await repo.resolveFor("447700900001", "delivery");
    expect(ref?.version).toBe(2);
  });
});

describe("the admin lists (MenuRepo.list, bindings)", () => {
  const now = new Date().toISOString();
  const tiny = (id: string) => ({ id, start: "hi", nodes: { hi: { type: "text", text: `Hello from ${id}.` } } });

  it("lists every menu however many versions sort before it, reading the pointers in bulk", async () => {
    const kv = memoryKv();
    const { store, reads } = recorded(kv);
    const repo = menuRepo(store);
    await repo.publish(tiny("a"), now);
    // Versions share the pointers' prefix: menu:a@1 ... menu:a@1001 sort between menu:a and menu:b.
    for (let n = 2; n <= 1001; n++) await kv.put(`menu:a@${n}`, { menu: tiny("a") });
    for (const id of ["b", "c"]) await repo.publish(tiny(id), now);
    reads.length = 0;
    expect((await repo.list()).map((m) => m.id)).toEqual(["a", "b", "c"]);
    expect(reads).toEqual([["menu:a", "menu:b", "menu:c"]]);
  });

  it("reads the bindings in bulk: one operation, not one per number (Workers Free allows 50 subrequests)", async () => {
    const { store, reads } = recorded(memoryKv());
    const repo = menuRepo(store);
    await repo.publish(tiny("a"), now);
    const numbers = Array.from({ length: 60 }, (_, i) => `4477009002${String(i).padStart(2, "0")}`);
    for (const number of numbers) await repo.bind(number, "a");
    reads.length = 0;
    expect((await repo.bindings()).map((b) => b.number)).toEqual(numbers);
    expect(reads).toHaveLength(1);
  });
});
