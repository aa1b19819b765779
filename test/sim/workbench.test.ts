/** The workbench's API against the real worker app, in process: the session, its reset, the graph, the webhooks. */
import { describe, expect, it } from "vitest";
import { pointWebhooksAt } from "../../scripts/dev/local-webhooks.js";
import type { BusinessEntry, NoticeEntry } from "../../sim/chat-log.js";
import type { MenuGraphResponse, WorkbenchSnapshot } from "../../sim/workbench-api.js";
import { ALICE, BILAL, RECEIVER_URL, rigWithWorker, type Rig } from "./rig.js";

const get = async (rig: Rig, path: string) => {
  const res = await rig.sim.app.request(path);
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};
const lastBusiness = (rig: Rig, customer: string) =>
  rig.sim.log
    .entries(customer)
    .filter((e): e is BusinessEntry => e.kind === "business")
    .at(-1)!;

/** A menu whose closing text posts its answers, as a menu file names its webhook for npm start. */
const ORDER = {
  id: "order",
  start: "drink",
  nodes: {
    drink: {
      type: "question",
      text: "Tea or coffee?",
      options: [
        { id: "tea", title: "Tea", next: { text: "One tea coming up.", webhook: "https://example.com/hooks/orders" } },
        { id: "coffee", title: "Coffee", next: "drink" },
      ],
    },
  },
};

/** Reads server-sent events from a streamed response until `enough` says stop. */
async function readEvents(res: Response, enough: (events: Array<{ event: string; data: any }>) => boolean) {
  const reader = res.body!.getReader();
  const events: Array<{ event: string; data: any }> = [];
  let text = "";
  while (!enough(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const blocks = text.split("\n\n");
    text = blocks.pop()!;
    for (const block of blocks) {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe("the workbench API", () => {
  it("shows the session as the admin API returns it: none, then the pending question, its attempts and the sent record", async () => {
    const rig = await rigWithWorker();
    expect(await get(rig, `/api/workbench/customers/${ALICE.number}/session`)).toEqual({ status: 200, json: { found: false } });

    // Alice writes first (WhatsApp's 24-hour window), then the business starts the delivery menu.
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    await rig.page(`/api/customers/${ALICE.number}/flows`, { menuId: "delivery" });
    const question = lastBusiness(rig, ALICE.number);
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "whenever" });
    const { status, json } = await get(rig, `/api/workbench/customers/${ALICE.number}/session`);
    expect(status).toBe(200);
    expect(json).toMatchObject({
      found: true,
      optedOut: false,
      session: { menuId: "delivery", menuVersion: 1, customer: ALICE.number, pending: { node: "delivery-time" }, attempts: 1, answers: [] },
      sent: { uuids: [lastBusiness(rig, ALICE.number).id] },
    });
    expect(json["session"].pending.resent).toContain(question.id);
    // What the admin API answers, unchanged.
    const admin = await rig.worker.admin("GET", `/sessions/447700900000/${ALICE.number}`);
    expect(admin.ok && { found: true, ...admin.body }).toEqual(json);

    expect(await get(rig, "/api/workbench/customers/447700999999/session")).toMatchObject({ status: 404 });
  });

  it("resets a customer, keeping the opt-out unless asked to clear it, and says so in the chat", async () => {
    const rig = await rigWithWorker();
    await rig.page(`/api/customers/${BILAL.number}/messages`, { text: "hi" });
    await rig.page(`/api/customers/${BILAL.number}/messages`, { text: "stop" });
    expect((await get(rig, `/api/workbench/customers/${BILAL.number}/session`)).json).toMatchObject({ found: true, optedOut: true });

    const kept = await rig.page(`/api/workbench/customers/${BILAL.number}/reset`, { clearOptOut: false });
    expect(await kept.json()).toEqual({ ok: true });
    // A reset keeps what is known of the customer (their window, the messages handled), without a conversation.
    expect((await get(rig, `/api/workbench/customers/${BILAL.number}/session`)).json).toMatchObject({
      found: true,
      session: { pending: null, answers: [] },
      optedOut: true,
      sent: null,
      timers: [],
      strandedTimers: [],
      handover: null,
    });
    const notice = rig.sim.log.entries(BILAL.number).at(-1) as NoticeEntry;
    expect(notice).toMatchObject({ kind: "notice", level: "info", title: "Reset from the workbench: the worker forgot this conversation (any opt-out kept)" });

    await rig.page(`/api/workbench/customers/${BILAL.number}/reset`, { clearOptOut: true });
    expect((await get(rig, `/api/workbench/customers/${BILAL.number}/session`)).json).toEqual({ found: false });
    expect((rig.sim.log.entries(BILAL.number).at(-1) as NoticeEntry).title).toBe("Reset from the workbench: the worker forgot this conversation (its opt-out cleared too)");

    // Only the simulator's own page may reset anyone.
    const foreign = await rig.page(`/api/workbench/customers/${BILAL.number}/reset`, {}, { Origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
  });

  it("draws a menu version as cards in the order a customer meets them, options to one node merged, commands and fallback", async () => {
    const rig = await rigWithWorker();
    const { status, json } = await get(rig, "/api/workbench/menus/cafe/graph?version=1");
    expect(status).toBe(200);
    const { graph, mermaid } = json as MenuGraphResponse;
    expect(graph.cards.map((c) => [c.id, c.kind, c.style ?? null])).toEqual([
      ["welcome", "question", "buttons"],
      ["drink", "question", "list"],
      ["hours", "text", null],
      ["barista", "handover", null],
      ["size", "question", "buttons"],
      ["confirm", "question", "buttons"],
    ]);
    const welcome = graph.cards[0]!;
    expect(welcome.ways).toEqual([
      { labels: ["Order a drink"], options: ["order"], to: { node: "drink" } },
      { labels: ["Opening hours"], options: ["hours"], to: { node: "hours" } },
      { labels: ["Talk to us"], options: ["human"], to: { node: "barista" } },
    ]);
    expect(graph.cards[1]!.ways).toEqual([
      { labels: ["Espresso", "Flat white", "Latte", "Green tea", "Chai latte"], options: ["espresso", "flat-white", "latte", "green-tea", "chai"], to: { node: "size" } },
    ]);
    expect(graph.cards[2]!.ways).toEqual([{ labels: [], options: [], to: { node: "welcome" } }]);
    expect(graph.cards[3]).toEqual({ id: "barista", kind: "handover", text: "A barista will reply here shortly.", ways: [] });
    expect(graph.commands.map((c) => [c.command, c.to])).toEqual([
      ["restart", { node: "welcome" }],
      ["back", { back: true }],
      ["stop", { stop: expect.stringContaining("You will not get any more messages") }],
      ["start", { node: "welcome" }],
      ["agent", { end: "agent", text: "A barista will reply here shortly." }],
    ]);
    expect(graph.fallback).toEqual({ afterAttempts: 3, to: { end: "fallback", text: expect.stringContaining("Sorry, we could not work that out") } });
    // And the Mermaid the CLI prints for it.
    expect(mermaid).toMatch(/^flowchart TD\n/);

    expect(await get(rig, "/api/workbench/menus/cafe/graph?version=9")).toMatchObject({ status: 404 });
    expect(await get(rig, "/api/workbench/menus/cafe/graph")).toMatchObject({ status: 400 });
  });

  it("lists a finished menu's completion, verified, in the live feed of the receiver", async () => {
    const rig = await rigWithWorker({ receiver: true });
    const published = await rig.worker.admin("PUT", "/menus/order", pointWebhooksAt(ORDER, RECEIVER_URL).doc);
    expect(published).toMatchObject({ ok: true, status: 201 });

    const feed = await rig.sim.app.request("/api/workbench/events");
    const snapshotOnly = await readEvents(feed, (events) => events.length >= 1);
    expect(snapshotOnly[0]).toEqual({ event: "snapshot", data: { receiverUrl: RECEIVER_URL, webhooks: [], menuFiles: [] } satisfies WorkbenchSnapshot });

    // Listening from here on: the feed's listener is in place once its response is.
    const open = await rig.sim.app.request("/api/workbench/events");
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    await rig.page(`/api/customers/${ALICE.number}/flows`, { menuId: "order" });
    await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: lastBusiness(rig, ALICE.number).id, id: "tea" });

    const live = await readEvents(open, (events) => events.some((e) => e.event === "webhook"));
    const hook = live.find((e) => e.event === "webhook")!.data;
    expect(hook).toMatchObject({ path: "/hooks/orders", verified: true, status: 200, repeat: false, webhookId: expect.stringMatching(/^msg_[0-9a-f]{32}$/) });
    expect(hook.body).toMatchObject({ type: "menu.completed", data: { menu: "order", end: "drink/tea", customer: ALICE.number, answers: [{ node: "drink", id: "tea", title: "Tea" }] } });
    expect(rig.receiver!.received()).toEqual([hook]);
    // Delivered, so nothing is left failing.
    expect(await rig.worker.admin("GET", "/deliveries")).toMatchObject({ ok: true, body: { deliveries: [] } });
  });

  it("tells open pages what became of an edited menu file", async () => {
    const rig = await rigWithWorker();
    const event = { at: new Date().toISOString(), file: "menus/cafe.json", outcome: "invalid" as const, problems: ['menus/cafe.json $.start: start node "x" does not exist'], warnings: [] };
    const open = await rig.sim.app.request("/api/workbench/events");
    rig.sim.workbench.menuFile(event);
    expect(await readEvents(open, (events) => events.length >= 2)).toEqual([
      { event: "snapshot", data: { receiverUrl: null, webhooks: [], menuFiles: [] } },
      { event: "menu-file", data: event },
    ]);
    // A page opened later finds it in the snapshot.
    const later = await readEvents(await rig.sim.app.request("/api/workbench/events"), (events) => events.length >= 1);
    expect(later[0]!.data.menuFiles).toEqual([event]);
  });
});
