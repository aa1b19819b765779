/** npm start's menu watcher: a saved file is checked, and published to the running worker only when valid and changed. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pointWebhooksAt } from "../../scripts/dev/local-webhooks.js";
import { hashOf, writeRecord } from "../../scripts/dev/seed-menus.js";
import { adminCurrent, adminPublisher, watchMenus, type MenuWatcher } from "../../scripts/dev/watch-menus.js";
import type { MenuFileEvent } from "../../sim/workbench-api.js";
import delivery from "../../menus/delivery.json" with { type: "json" };
import { saveWhole } from "../support/save-file.js";
import { RECEIVER_URL, rigWithWorker, type Rig } from "./rig.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0)) await clean();
});

const withFooter = (text: string) => ({
  ...delivery,
  nodes: { "delivery-time": { ...delivery.nodes["delivery-time"], interactive: { ...delivery.nodes["delivery-time"].interactive, footer: { text } } } },
});

/** A menus folder as npm start left it after seeding `delivery` (version 1 in the rig's worker), and its watcher. */
async function watched(rig: Rig, pause?: (ms: number) => Promise<void>, now?: () => number) {
  const dir = await mkdtemp(join(tmpdir(), "wa-menu-watch-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "delivery.json");
  await writeFile(file, JSON.stringify(delivery, null, 2));
  const recordPath = join(dir, "..", `${dir.split("/").at(-1)}-seeded.json`);
  cleanups.push(() => rm(recordPath, { force: true }));
  const prepare = (doc: unknown) => pointWebhooksAt(doc, RECEIVER_URL).doc;
  await writeRecord(recordPath, { delivery: { sha256: hashOf(prepare(delivery)), version: 1 } });

  const events: Array<{ event: MenuFileEvent; menus: Array<{ id: string; name: string }> }> = [];
  const said: string[] = [];
  let told: (() => void) | undefined;
  const watcher: MenuWatcher = watchMenus({
    dir,
    menus: [{ file, id: "delivery", name: delivery.name, doc: prepare(delivery) }],
    recordPath,
    prepare,
    current: adminCurrent(rig.worker),
    publish: adminPublisher(rig.worker),
    show: (path) => path.replace(`${dir}/`, "menus/"),
    say: (line) => void said.push(line),
    onResult: (event, menus) => {
      events.push({ event, menus });
      told?.();
    },
    settleMs: 50,
    ...(pause === undefined ? {} : { pause }),
    ...(now === undefined ? {} : { now }),
  });
  cleanups.push(() => watcher.close());

  const textOf = (content: unknown) => (typeof content === "string" ? content : JSON.stringify(content, null, 2));
  /** The first result for `name` from the `from`th on, once there is one. */
  const resultFor = async (name: string, from: number) => {
    const found = () => events.slice(from).find((e) => e.event.file === `menus/${name}`);
    while (found() === undefined) await new Promise<void>((resolve) => (told = resolve));
    return found()!;
  };
  /** Saves (or removes) a file whole, then waits for what became of it: the first result for it after the save. */
  const save = async (name: string, content: unknown | null) => {
    const from = events.length;
    const path = join(dir, name);
    if (content === null) await rm(path);
    else await saveWhole(path, textOf(content));
    return resultFor(name, from);
  };
  const current = async (id: string) => {
    const result = await rig.worker.admin("GET", `/menus/${id}`);
    return result.ok ? (result.body as { version: number; menu: any }) : null;
  };
  return { save, said, events, current, recordPath, dir, textOf, resultFor };
}

describe("watching the menus folder", () => {
  it("publishes a changed file as the next version, records it, and says so", async () => {
    const rig = await rigWithWorker();
    const { save, said, current, recordPath, events } = await watched(rig);

    const { event, menus } = await save("delivery.json", withFooter("Back soon"));
    expect(event).toEqual({ at: expect.any(String), file: "menus/delivery.json", outcome: "published", id: "delivery", version: 2, problems: [], warnings: [] });
    expect(menus).toEqual([{ id: "delivery", name: delivery.name }]);
    expect(said).toContain('menus/delivery.json: published "delivery" as version 2');
    expect((await current("delivery"))?.version).toBe(2);
    expect((await current("delivery"))?.menu.nodes["delivery-time"].interactive.footer).toEqual({ text: "Back soon" });
    // A restart of npm start will not publish it again.
    expect(JSON.parse(await readFile(recordPath, "utf8")).menus.delivery).toEqual({ sha256: hashOf(withFooter("Back soon")), version: 2 });
    // The file as seeded was not published again when the watch began.
    expect(events.filter((e) => e.event.outcome === "published")).toHaveLength(1);

    // Only reformatted: the same document, nothing published.
    const again = await save("delivery.json", JSON.stringify(withFooter("Back soon")));
    expect(again.event).toMatchObject({ outcome: "unchanged", id: "delivery", version: 2 });
    expect((await current("delivery"))?.version).toBe(2);
  });

  it("compares a saved file with the worker's current version, not with its own record: a push by hand since counts", async () => {
    const rig = await rigWithWorker();
    const { save, said, current, recordPath } = await watched(rig);
    // As `wa-menu push menus/delivery.json` to npm start's worker does: the same document again, as version 2.
    expect(await rig.worker.admin("PUT", "/menus/delivery", delivery)).toMatchObject({ ok: true, body: { version: 2 } });

    const same = await save("delivery.json", delivery);
    expect(same.event).toMatchObject({ outcome: "unchanged", id: "delivery", version: 2 });
    expect(said).toContain('menus/delivery.json: nothing to publish, the document is as "delivery" version 2 (the current one) has it');
    expect(JSON.parse(await readFile(recordPath, "utf8")).menus.delivery).toEqual({ sha256: hashOf(delivery), version: 2 });

    // Another document pushed by hand as version 3: saving the file publishes the file's again, as version 4.
    expect(await rig.worker.admin("PUT", "/menus/delivery", withFooter("Pushed by hand"))).toMatchObject({ ok: true, body: { version: 3 } });
    const back = await save("delivery.json", delivery);
    expect(back.event).toMatchObject({ outcome: "published", id: "delivery", version: 4 });
    expect((await current("delivery"))?.menu).toEqual(delivery);
  });

  it("prints every problem of an invalid file with its path and publishes nothing", async () => {
    const rig = await rigWithWorker();
    const { save, said, current } = await watched(rig);
    const broken = structuredClone(withFooter("x")) as any;
    broken.start = "nowhere";
    broken.nodes["delivery-time"].interactive.action.buttons[0].reply.title = "A title much longer than twenty";

    const { event } = await save("delivery.json", broken);
    expect(event.outcome).toBe("invalid");
    expect(event.problems).toEqual([
      expect.stringMatching(/^menus\/delivery\.json \$\.nodes\["delivery-time"\]\.interactive\.action\.buttons\[0\]\.reply\.title: .*20/),
      expect.stringMatching(/^menus\/delivery\.json \$\.start: start node "nowhere" does not exist/),
    ]);
    expect(said).toEqual(["menus/delivery.json: not published, 2 problems:", ...event.problems.map((p) => `  ${p}`)]);
    expect((await current("delivery"))?.version).toBe(1);

    const notJson = await save("delivery.json", "{ not json");
    expect(notJson.event).toMatchObject({ outcome: "invalid", problems: [expect.stringMatching(/^menus\/delivery\.json: not valid JSON/)] });
    expect((await current("delivery"))?.version).toBe(1);
  });

  it("a file read half-written (an editor saving in place) is read again once it settles: published once, the half never reported", async () => {
    const rig = await rigWithWorker();
    /** The watcher's pauses for a file that is not JSON: each waits until the test lets it go on. */
    const pauses: Array<() => void> = [];
    let paused: (() => void) | undefined;
    let clock = Date.now();
    const { save, events, current, dir, textOf, resultFor } = await watched(
      rig,
      async () => {
        await new Promise<void>((resolve) => {
          pauses.push(resolve);
          paused?.();
        });
      },
      () => clock,
    );
    const forDelivery = () => events.filter((e) => e.event.file === "menus/delivery.json").map((e) => e.event.outcome);
    /** Waits until the watcher pauses on the file, or says something about it. */
    const pausedOrSaid = (from: number) =>
      new Promise<void>((resolve) => {
        paused = resolve;
        void resultFor("delivery.json", from).then(() => resolve());
      });

    // The first half only, as an editor that truncates the file and writes it in parts leaves it between two writes.
    const text = textOf(withFooter("Half and half"));
    const from = events.length;
    let waiting = pausedOrSaid(from);
    await writeFile(join(dir, "delivery.json"), text.slice(0, text.length / 2));
    await waiting;
    expect(forDelivery(), "nothing said about the half-written file").toEqual([]);
    expect(pauses).toHaveLength(1);
    // The rest arrives while the watcher waits; it then reads the whole file.
    await writeFile(join(dir, "delivery.json"), text);
    pauses.shift()!();
    const { event } = await resultFor("delivery.json", from);
    expect(event).toMatchObject({ outcome: "published", id: "delivery", version: 2 });
    expect((await current("delivery"))?.menu.nodes["delivery-time"].interactive.footer).toEqual({ text: "Half and half" });
    // The rest's own change finds the file as it was taken: no pause, nothing said.
    expect(pauses).toEqual([]);
    // A later save of the same text is news again (its publish may have failed): it is answered, here as unchanged.
    clock += 5_000;
    expect((await save("delivery.json", text)).event).toMatchObject({ outcome: "unchanged", id: "delivery", version: 2 });

    // A file that stays broken is reported, once it has not changed over a pause.
    waiting = pausedOrSaid(events.length);
    const broken = save("delivery.json", "{ not json");
    await waiting;
    expect(forDelivery()).toEqual(["published", "unchanged"]);
    pauses.shift()!();
    expect((await broken).event).toMatchObject({ outcome: "invalid", problems: [expect.stringMatching(/^menus\/delivery\.json: not valid JSON/)] });
    // Neither the half nor the rest's own change was reported: one result for each save.
    expect(forDelivery()).toEqual(["published", "unchanged", "invalid"]);
    expect((await current("delivery"))?.version).toBe(2);
  });

  it("publishes a new file with its webhooks pointed at the local receiver, lists it, and forgets it when removed", async () => {
    // As npm start's worker: it takes webhooks to this machine.
    const rig = await rigWithWorker({ receiver: true });
    const { save, current } = await watched(rig);
    const order = {
      id: "order",
      name: "Order a tea",
      start: "ask",
      nodes: { ask: { type: "question", text: "Tea?", options: [{ id: "yes", title: "Yes", next: { text: "Coming up.", webhook: "https://example.com/hooks/orders" } }] } },
    };
    const added = await save("order.json", order);
    expect(added.event).toMatchObject({ outcome: "published", id: "order", version: 1 });
    // Not looked up before it exists: the worker would log a failed request, shown in npm start's terminal.
    expect(rig.workerLogs.filter((l) => l["level"] !== "info")).toEqual([]);
    expect(added.menus).toEqual([
      { id: "delivery", name: delivery.name },
      { id: "order", name: "Order a tea" },
    ]);
    expect((await current("order"))?.menu.nodes.ask.options[0].next.webhook).toBe(`${RECEIVER_URL}/hooks/orders`);

    const twin = await save("twin.json", { ...order, name: "Twin" });
    expect(twin.event).toMatchObject({ outcome: "invalid", problems: [expect.stringContaining('menus/order.json already has the id "order"')] });

    const removed = await save("order.json", null);
    expect(removed.event).toMatchObject({ outcome: "removed", id: "order" });
    expect(removed.menus).toEqual([{ id: "delivery", name: delivery.name }]);
    // Still published: conversations on it go on; the CLI removes it if wanted.
    expect((await current("order"))?.version).toBe(1);
  });
});
