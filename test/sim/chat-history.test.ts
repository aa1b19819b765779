/** The simulator's chats outlive a restart of npm start: written after changes, read back on start, bounded. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { historyOf, keepChatHistory, loadChatHistory, restoreChatHistory } from "../../sim/chat-history.js";
import { createChatLog, type BusinessEntry, type ChatLog, type Entry } from "../../sim/chat-log.js";
import { ALICE, BILAL, rigWithWorker } from "./rig.js";

const dirs: string[] = [];
async function historyPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wa-menu-history-"));
  dirs.push(dir);
  return join(dir, ".dev", "chat-history.json");
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const text = (customer: string, n: number): Entry => ({
  kind: "customer",
  id: `m${customer}-${n}`,
  customer,
  at: new Date(Date.UTC(2026, 2, 12, 9, n)).toISOString(),
  content: { type: "text", text: `hi ${n}` },
  delivery: "delivered",
  outcome: "reprompted",
});

/** A new simulator's log, as npm start makes it, with what the file holds put back. */
async function restart(path: string): Promise<ChatLog> {
  const log = createChatLog([ALICE, BILAL]);
  const { history } = await loadChatHistory(path);
  if (history !== null) restoreChatHistory(log, history);
  return log;
}

describe("the chat history", () => {
  it("is written after the chats change and read back whole by the next start: customers, messages, ticks, taps", async () => {
    const path = await historyPath();
    const rig = await rigWithWorker();
    const kept = keepChatHistory(rig.sim.log, path, { delayMs: 0 });
    // Alice writes first (WhatsApp's 24-hour window), then the business starts the delivery menu.
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    await rig.page(`/api/customers/${ALICE.number}/flows`, { menuId: "delivery" });
    const question = rig.sim.log.entries(ALICE.number).findLast((e): e is BusinessEntry => e.kind === "business")!;
    await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: question.id, id: "slot-2" });
    const added = await (await rig.page("/api/customers", { name: "Chloe" })).json();
    await rig.sim.receipts.idle();
    await kept.close();

    const log = await restart(path);
    expect(log.customers()).toEqual([ALICE, BILAL, added]);
    expect(log.entries()).toEqual(rig.sim.log.entries());
    // A restored question still knows which of its buttons was tapped, so the page disables it again.
    expect(log.get(question.id)).toMatchObject({ kind: "business", chosen: ["slot-2"], tick: "delivered" });
  });

  it("keeps each customer's 24-hour window: after a restart, a customer who wrote minutes before is still inside it", async () => {
    const path = await historyPath();
    const before = await rigWithWorker();
    const kept = keepChatHistory(before.sim.log, path, { delayMs: 0, windows: before.sim.windows });
    await before.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    await before.sim.receipts.idle();
    await kept.close();
    const wrote = before.sim.windows.state(ALICE.number);
    expect(wrote.open).toBe(true);

    // npm start again: a new simulator, its windows put back from the file with the chats.
    const after = await rigWithWorker();
    const { history } = await loadChatHistory(path);
    restoreChatHistory(after.sim.log, history!, after.sim.windows);
    expect(after.sim.windows.state(ALICE.number)).toEqual(wrote);
    expect(after.sim.windows.lastInbound(ALICE.number)).toBe(before.sim.windows.lastInbound(ALICE.number));
    // Bilal never wrote: still no window.
    expect(after.sim.windows.state(BILAL.number)).toEqual({ customer: BILAL.number, lastInboundAt: null, closesAt: null, open: false });
    // A file from before windows were kept restores the chats and no window.
    const { windows: _windows, ...older } = history!;
    const fresh = await rigWithWorker();
    restoreChatHistory(fresh.sim.log, older, fresh.sim.windows);
    expect(fresh.sim.windows.state(ALICE.number).open).toBe(false);
  });

  it("is flushed on close, and a restart with no file starts empty", async () => {
    const path = await historyPath();
    expect(await restart(path).then((log) => log.entries())).toEqual([]);
    const log = createChatLog([ALICE]);
    const kept = keepChatHistory(log, path, { delayMs: 60_000 });
    log.put(text(ALICE.number, 1));
    // Not yet: the write waits for the burst to end, or for close.
    await expect(readFile(path, "utf8")).rejects.toThrow();
    await kept.close();
    expect((await restart(path)).entries()).toEqual([text(ALICE.number, 1)]);
  });

  it("keeps the last entries of each customer only", async () => {
    const log = createChatLog([ALICE, BILAL]);
    for (let n = 0; n < 30; n++) log.put(text(ALICE.number, n));
    log.put(text(BILAL.number, 0));
    const saved = historyOf(log, { maxEntriesPerCustomer: 10 });
    expect(saved.entries.map((e) => e.id)).toEqual([...Array.from({ length: 10 }, (_, i) => `m${ALICE.number}-${20 + i}`), `m${BILAL.number}-0`]);
    expect(historyOf(log, { maxCustomers: 1 }).customers).toEqual([ALICE]);
  });

  it("says so and starts empty when the file is not as npm start wrote it; broken entries alone are left out", async () => {
    const path = await historyPath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "{ cut sho");
    expect(await loadChatHistory(path)).toEqual({ history: null, problem: `${path} is not valid JSON; the chats start empty and it is written anew` });
    await writeFile(path, JSON.stringify({ v: 2, customers: [], entries: [] }));
    expect((await loadChatHistory(path)).problem).toBe(`${path} is not as npm start writes it; the chats start empty and it is written anew`);
    await writeFile(path, JSON.stringify({ v: 1, savedAt: "x", customers: [ALICE, { number: 5 }], entries: [text(ALICE.number, 1), { kind: "weird" }] }));
    expect(await loadChatHistory(path)).toEqual({ history: { v: 1, savedAt: "x", customers: [ALICE], entries: [text(ALICE.number, 1)] } });
  });
});
