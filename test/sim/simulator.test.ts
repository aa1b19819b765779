/** The chat simulator against the real worker app, in process: what the page can do and what the worker gets. */
import { describe, expect, it } from "vitest";
import type { BusinessEntry, CustomerEntry, Entry, NoticeEntry } from "../../sim/chat-log.js";
import { signatureKey, verifyWebhookSignature } from "../../src/vonage/signature.js";
import { seedButtonReply, seedButtonRequest, seedListReply, seedListRequest } from "../fixtures/seed.js";
import { ALICE, BILAL, BUSINESS, rigWithWorker, type Received, type Rig } from "./rig.js";

const ofKind = <K extends Entry["kind"]>(rig: Rig, customer: string, kind: K) => rig.sim.log.entries(customer).filter((e): e is Extract<Entry, { kind: K }> => e.kind === kind);
const lastBusiness = (rig: Rig, customer: string) => ofKind(rig, customer, "business").at(-1)!;
const inbound = (rig: Rig) => rig.received.filter((r) => r.path === "/webhooks/inbound");

/**
 * The guide's payload with this webhook's own message_uuid and timestamp, which the guide leaves as examples,
 * and the customer's profile name, which Vonage adds to every inbound message.
 */
function asSent(expected: Record<string, unknown>, sent: Received, profileName: string) {
  return { ...expected, message_uuid: sent.json?.["message_uuid"], timestamp: sent.json?.["timestamp"], profile: { name: profileName } };
}

/**
 * The customer writes first (and gets the default menu), as on WhatsApp: a menu the business starts reaches only a
 * customer who wrote in the last 24 hours; to anyone else it is rejected (1340), and nothing in it can be tapped.
 */
async function writeFirst(rig: Rig, customer: string) {
  const res = await rig.page(`/api/customers/${customer}/messages`, { text: "hi" });
  expect(await res.json()).toEqual({ ok: true });
}

async function startMenu(rig: Rig, customer: string, menuId: string) {
  const res = await rig.page(`/api/customers/${customer}/flows`, { menuId });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
  return lastBusiness(rig, customer);
}

describe("chat simulator with the real worker", () => {
  it("starts a menu with the admin token; the question shown is the guide's button request", async () => {
    const rig = await rigWithWorker();
    // Inside WhatsApp's 24-hour window (she wrote): the question itself, free-form.
    await writeFirst(rig, ALICE.number);
    const question = await startMenu(rig, ALICE.number, "delivery");

    const start = rig.received.find((r) => r.path === "/flows/delivery/start")!;
    expect(start.authorization).toBe(`Bearer ${rig.adminToken}`);
    // The simulator knows the customer's name, so `{{profile.name}}` is filled before they ever wrote.
    expect(start.json).toEqual({ to: ALICE.number, from: BUSINESS.number, profileName: ALICE.name });
    expect(question.content).toEqual({ type: "interactive", interactive: seedButtonRequest(BUSINESS.number, ALICE.number).custom.interactive });
    expect(rig.sim.api.accepted.at(-1)?.body).toEqual(seedButtonRequest(BUSINESS.number, ALICE.number));
  });

  it("a tap sends exactly the guide's reply webhook, signed as Vonage signs, and shows the answer", async () => {
    const rig = await rigWithWorker();
    await writeFirst(rig, ALICE.number);
    const question = await startMenu(rig, ALICE.number, "delivery");

    const res = await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: question.id, id: "slot-1" });
    expect(await res.json()).toEqual({ ok: true });

    const sent = inbound(rig).at(-1);
    expect(sent!.json).toEqual(asSent(seedButtonReply(BUSINESS.number, ALICE.number, ""), sent!, "Alice"));
    expect(sent!.json?.["timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The worker's own verifier: HS256 with the signature secret, payload_hash over these exact bytes.
    const verified = await verifyWebhookSignature(sent!.authorization ?? undefined, new TextEncoder().encode(sent!.raw), {
      key: await signatureKey(rig.signatureSecret),
      maxAgeSeconds: 60,
      now: Date.now(),
    });
    expect(verified.applicationId).toBe(rig.applicationId);

    const mine = ofKind(rig, ALICE.number, "customer").at(-1)!;
    expect(mine).toMatchObject({ delivery: "delivered", outcome: "completed", content: { type: "reply", id: "slot-1", title: "15:00", quoted: { messageUuid: question.id } } });
    expect(lastBusiness(rig, ALICE.number).content).toEqual({ type: "text", text: "Booked: your order arrives at 15:00, give or take 15 minutes. Thank you!" });
  });

  it("a tapped button cannot be tapped again, the others of that message still can", async () => {
    const rig = await rigWithWorker();
    await writeFirst(rig, ALICE.number);
    const question = await startMenu(rig, ALICE.number, "delivery");
    await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: question.id, id: "slot-1" });
    expect((rig.sim.log.get(question.id) as BusinessEntry).chosen).toEqual(["slot-1"]);

    const again = await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: question.id, id: "slot-1" });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: '"15:00" was already tapped' });
    // The customer's "hi", then the one tap.
    expect(inbound(rig)).toHaveLength(2);

    const other = await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: question.id, id: "slot-2" });
    expect(other.status).toBe(200);
    expect(inbound(rig).at(-1)?.json?.["reply"]).toEqual({ id: "slot-2", title: "16:30" });
    expect((rig.sim.log.get(question.id) as BusinessEntry).chosen).toEqual(["slot-1", "slot-2"]);
  });

  it("a list row is answered with its id, title and description, as in the guide", async () => {
    const rig = await rigWithWorker();
    await writeFirst(rig, BILAL.number);
    const list = await startMenu(rig, BILAL.number, "pills");
    expect(rig.sim.api.accepted.at(-1)?.body).toEqual(seedListRequest(BUSINESS.number, BILAL.number));

    await rig.page(`/api/customers/${BILAL.number}/replies`, { messageUuid: list.id, id: "row1" });
    const sent = inbound(rig).at(-1)!;
    expect(sent.json).toEqual(asSent(seedListReply(BUSINESS.number, BILAL.number, ""), sent, "Bilal"));
    const next = lastBusiness(rig, BILAL.number);
    expect(next.content).toMatchObject({ type: "interactive", interactive: { body: { text: "The red pill: you stay in Wonderland. Are you sure?" } } });
  });

  it("typing into an empty chat sends a text webhook and gets the default menu", async () => {
    const rig = await rigWithWorker();
    const res = await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi there" });
    expect(await res.json()).toEqual({ ok: true });

    const sent = inbound(rig).at(-1)!;
    expect(sent.json).toEqual({
      to: BUSINESS.number,
      from: ALICE.number,
      channel: "whatsapp",
      message_uuid: sent.json?.["message_uuid"],
      timestamp: sent.json?.["timestamp"],
      message_type: "text",
      text: "hi there",
      profile: { name: "Alice" },
    });
    expect(ofKind(rig, ALICE.number, "customer").at(-1)).toMatchObject({ delivery: "delivered", outcome: "started", content: { type: "text", text: "hi there" } });
    expect(lastBusiness(rig, ALICE.number).content).toMatchObject({ interactive: { body: { text: "Hi! What can we do for you today?" } } });
  });

  it("ticks follow the status webhooks: submitted and delivered at once, read when the chat is looked at", async () => {
    const rig = await rigWithWorker();
    await writeFirst(rig, ALICE.number);
    const question = await startMenu(rig, ALICE.number, "delivery");
    await rig.sim.receipts.idle();
    expect(rig.sim.log.get(question.id)).toMatchObject({ tick: "delivered" });
    // This question's statuses (the greeting the customer's "hi" got has its own).
    const ofQuestion = (r: Received) => r.path === "/webhooks/status" && r.json?.["message_uuid"] === question.id;
    const statuses = () => rig.received.filter(ofQuestion).map((r) => [r.json?.["message_uuid"], r.json?.["status"]]);
    expect(statuses()).toEqual([
      [question.id, "submitted"],
      [question.id, "delivered"],
    ]);
    const status = rig.received.find(ofQuestion)!;
    expect(status.json).toMatchObject({ message_uuid: question.id, to: ALICE.number, from: BUSINESS.number, channel: "whatsapp" });
    await verifyWebhookSignature(status.authorization ?? undefined, new TextEncoder().encode(status.raw), { key: await signatureKey(rig.signatureSecret), maxAgeSeconds: 60, now: Date.now() });

    // Bilal looking at his chat reads nothing of Alice's.
    await rig.page(`/api/customers/${BILAL.number}/read`);
    await rig.sim.receipts.idle();
    expect(rig.sim.log.get(question.id)).toMatchObject({ tick: "delivered" });

    await rig.page(`/api/customers/${ALICE.number}/read`);
    await rig.page(`/api/customers/${ALICE.number}/read`);
    await rig.sim.receipts.idle();
    expect(rig.sim.log.get(question.id)).toMatchObject({ tick: "read" });
    expect(statuses().filter(([, s]) => s === "read")).toHaveLength(1);
  });

  it("keeps each customer's conversation apart, and adds customers with new numbers", async () => {
    const rig = await rigWithWorker();
    await startMenu(rig, ALICE.number, "delivery");
    await startMenu(rig, BILAL.number, "pills");
    const added = await rig.page("/api/customers", { name: "Carla" });
    expect(added.status).toBe(201);
    const carla = (await added.json()) as { number: string; name: string };
    expect(carla.name).toBe("Carla");
    expect([ALICE.number, BILAL.number, BUSINESS.number]).not.toContain(carla.number);
    await rig.page(`/api/customers/${carla.number}/messages`, { text: "hello" });

    const bodies = (n: string) =>
      ofKind(rig, n, "business").map((e) => (e.content.type === "template" ? `template ${e.content.template.name}` : (e.content as { interactive: { type: string } }).interactive.type));
    // Alice and Bilal never wrote: outside the 24-hour window, the menus' approved templates reach them.
    expect(bodies(ALICE.number)).toEqual(["template delivery_update"]);
    expect(bodies(BILAL.number)).toEqual(["template pills_reminder"]);
    expect(bodies(carla.number)).toEqual(["button"]);
    expect(rig.sim.log.customers().map((c) => c.name)).toEqual(["Alice", "Bilal", "Carla"]);
  });

  it("shows the worker's refusal to start an unknown menu in that chat", async () => {
    const rig = await rigWithWorker();
    const res = await rig.page(`/api/customers/${ALICE.number}/flows`, { menuId: "nope" });
    expect(await res.json()).toEqual({ ok: false });
    const notice = ofKind(rig, ALICE.number, "notice").at(-1) as NoticeEntry;
    expect(notice).toMatchObject({ level: "error", title: 'Could not start the menu "nope"' });
    expect(notice.detail).toContain('404: menu "nope" does not exist');
  });

  it("says a menu started only once the worker started it, above its first question", async () => {
    const rig = await rigWithWorker();
    const question = await startMenu(rig, ALICE.number, "delivery");
    const entries = rig.sim.log.entries(ALICE.number);
    expect(entries.map((e) => e.kind)).toEqual(["notice", "business"]);
    expect(entries[0]).toMatchObject({ level: "info", title: 'Started the menu "Delivery time"' });
    expect(entries[1]!.id).toBe(question.id);
  });

  it("starting a menu for an opted-out customer shows only the worker's refusal", async () => {
    const rig = await rigWithWorker();
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "stop" });
    expect(ofKind(rig, ALICE.number, "customer").at(-1)).toMatchObject({ outcome: "stopped" });
    const before = rig.sim.log.entries(ALICE.number).length;

    const res = await rig.page(`/api/customers/${ALICE.number}/flows`, { menuId: "delivery" });
    expect(await res.json()).toEqual({ ok: false });
    const added = rig.sim.log.entries(ALICE.number).slice(before);
    expect(added).toEqual([expect.objectContaining({ kind: "notice", level: "error", title: 'Could not start the menu "Delivery time"' })]);
    expect((added[0] as NoticeEntry).detail).toContain("409: this customer opted out");
    expect(rig.sim.log.entries(ALICE.number).some((e) => e.kind === "notice" && e.title.startsWith("Started"))).toBe(false);
  });

  it("refuses page calls that name no known customer or message", async () => {
    const rig = await rigWithWorker();
    expect((await rig.page("/api/customers/449999999999/messages", { text: "x" })).status).toBe(404);
    expect((await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "   " })).status).toBe(400);
    expect((await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: "nope", id: "slot-1" })).status).toBe(404);
    const question = await startMenu(rig, ALICE.number, "delivery");
    // Bilal cannot answer Alice's question.
    expect((await rig.page(`/api/customers/${BILAL.number}/replies`, { messageUuid: question.id, id: "slot-1" })).status).toBe(404);
    expect((await rig.page(`/api/customers/${ALICE.number}/replies`, { messageUuid: question.id, id: "slot-9" })).status).toBe(404);
    expect(inbound(rig)).toHaveLength(0);
    expect(ofKind(rig, ALICE.number, "customer") as CustomerEntry[]).toHaveLength(0);
  });
});
