/**
 * A location pin the page shares, against the real worker app, in process: the simulator sends Vonage's `location`
 * inbound webhook, signed, and the worker takes it as the answer to a location input (test/fixtures/pickup-menu.json:
 * where should the courier come), or as not an answer to a question.
 */
import { describe, expect, it } from "vitest";
import type { BusinessEntry, Entry } from "../../sim/chat-log.js";
import { signatureKey, verifyWebhookSignature } from "../../src/vonage/signature.js";
import PICKUP from "../fixtures/pickup-menu.json" with { type: "json" };
import { ALICE, BILAL, BUSINESS, rigWithWorker, type Rig } from "./rig.js";

const ofKind = <K extends Entry["kind"]>(rig: Rig, customer: string, kind: K) => rig.sim.log.entries(customer).filter((e): e is Extract<Entry, { kind: K }> => e.kind === kind);
const lastBusiness = (rig: Rig, customer: string) => ofKind(rig, customer, "business").at(-1)!;
const lastMine = (rig: Rig, customer: string) => ofKind(rig, customer, "customer").at(-1)!;
const inbound = (rig: Rig) => rig.received.filter((r) => r.path === "/webhooks/inbound");
const share = (rig: Rig, customer: string, pin: unknown) => rig.page(`/api/customers/${customer}/locations`, pin);

/** The customer writes first (WhatsApp's 24-hour window), then the business starts `menuId` for them. */
async function started(rig: Rig, customer: string, menuId: string): Promise<BusinessEntry> {
  expect(await (await rig.page(`/api/customers/${customer}/messages`, { text: "hi" })).json()).toEqual({ ok: true });
  expect(await (await rig.page(`/api/customers/${customer}/flows`, { menuId })).json()).toEqual({ ok: true });
  return lastBusiness(rig, customer);
}

describe("a location shared from the simulator's page", () => {
  it("reaches the worker as Vonage's signed location webhook and answers a location input", async () => {
    const rig = await rigWithWorker();
    expect((await rig.worker.admin("PUT", "/menus/pickup", PICKUP)).ok).toBe(true);
    const question = await started(rig, ALICE.number, "pickup");
    // WhatsApp's location request message, kept as sent: the page draws its Send location button.
    expect(question.content).toEqual({
      type: "interactive",
      interactive: { type: "location_request_message", body: { text: "Where should the courier pick up your parcel?" }, action: { name: "send_location" } },
    });

    const res = await share(rig, ALICE.number, { lat: 51.501364, long: -0.14189, name: "Buckingham Palace", address: "London SW1A 1AA" });
    expect(await res.json()).toEqual({ ok: true });

    const sent = inbound(rig).at(-1)!;
    // Vonage's inbound message with the location object: no context, as a pin from the attach menu quotes nothing.
    expect(sent.json).toEqual({
      to: BUSINESS.number,
      from: ALICE.number,
      channel: "whatsapp",
      message_uuid: sent.json?.["message_uuid"],
      timestamp: sent.json?.["timestamp"],
      message_type: "location",
      location: { lat: 51.501364, long: -0.14189, name: "Buckingham Palace", address: "London SW1A 1AA" },
      profile: { name: "Alice" },
    });
    expect(sent.json?.["message_uuid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.json?.["timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The worker's own verifier: HS256 with the signature secret, payload_hash over these exact bytes.
    const verified = await verifyWebhookSignature(sent.authorization ?? undefined, new TextEncoder().encode(sent.raw), {
      key: await signatureKey(rig.signatureSecret),
      maxAgeSeconds: 60,
      now: Date.now(),
    });
    expect(verified.applicationId).toBe(rig.applicationId);

    expect(lastMine(rig, ALICE.number)).toMatchObject({
      id: sent.json?.["message_uuid"],
      delivery: "delivered",
      outcome: "completed",
      content: { type: "location", lat: 51.501364, long: -0.14189, name: "Buckingham Palace", address: "London SW1A 1AA" },
    });
    expect(lastBusiness(rig, ALICE.number).content).toEqual({ type: "text", text: "The courier will come to Buckingham Palace (51.501364,-0.14189)." });
  });

  it("a bare pin (no name, no address) leaves both out of the webhook, and is answered by its coordinates", async () => {
    const rig = await rigWithWorker();
    expect((await rig.worker.admin("PUT", "/menus/pickup", PICKUP)).ok).toBe(true);
    await started(rig, BILAL.number, "pickup");
    // Empty fields, as the page's form may send them, are what a pin without them is.
    expect(await (await share(rig, BILAL.number, { lat: 53.4774, long: -2.2309, name: "  ", address: "" })).json()).toEqual({ ok: true });
    expect(inbound(rig).at(-1)!.json?.["location"]).toEqual({ lat: 53.4774, long: -2.2309 });
    expect(lastMine(rig, BILAL.number).content).toEqual({ type: "location", lat: 53.4774, long: -2.2309 });
    expect(lastBusiness(rig, BILAL.number).content).toEqual({ type: "text", text: "The courier will come to 53.4774,-2.2309 (53.4774,-2.2309)." });
  });

  it("sent to an ordinary question, it is not an answer: the question again, no attempt counted", async () => {
    const rig = await rigWithWorker();
    const question = await started(rig, ALICE.number, "delivery");
    expect(await (await share(rig, ALICE.number, { lat: 51.530881, long: -0.123575, name: "King's Cross station" })).json()).toEqual({ ok: true });

    expect(lastMine(rig, ALICE.number)).toMatchObject({ delivery: "delivered", outcome: "not_an_answer", content: { type: "location", name: "King's Cross station" } });
    const again = lastBusiness(rig, ALICE.number);
    expect(again.id).not.toBe(question.id);
    // The menu's note for what is not an answer, then the same question with its three live buttons.
    expect(again.content).toMatchObject({
      type: "interactive",
      interactive: {
        type: "button",
        header: { text: "Delivery time" },
        body: { text: "Please tap one of the options, or type its number.\n\nWhich time would you like us to deliver your order at?" },
      },
    });
    expect((question.content as { interactive: unknown }).interactive).toMatchObject({ action: (again.content as { interactive: { action: unknown } }).interactive.action });
    const session = await rig.worker.admin("GET", `/sessions/${BUSINESS.number}/${ALICE.number}`);
    expect(session.ok && session.body["session"]).toMatchObject({ pending: { node: "delivery-time" }, attempts: 0, answers: [] });
  });

  it("refuses a pin the page could not have sent, and sends nothing", async () => {
    const rig = await rigWithWorker();
    const refused = async (customer: string, pin: unknown) => {
      const res = await share(rig, customer, pin);
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    expect(await refused(ALICE.number, { lat: 91, long: 0 })).toEqual({ status: 400, error: "lat: a latitude is between -90 and 90" });
    expect(await refused(ALICE.number, { lat: 0, long: -180.5 })).toEqual({ status: 400, error: "long: a longitude is between -180 and 180" });
    expect((await refused(ALICE.number, { lat: 0 })).status).toBe(400);
    expect((await refused(ALICE.number, { lat: "51.5", long: 0 })).status).toBe(400);
    expect((await refused(ALICE.number, { lat: 0, long: 0, url: "x" })).status).toBe(400);
    expect(await refused("449999999999", { lat: 0, long: 0 })).toEqual({ status: 404, error: "no customer 449999999999; add one first" });
    expect(inbound(rig)).toHaveLength(0);
    expect(ofKind(rig, ALICE.number, "customer")).toHaveLength(0);
  });
});
