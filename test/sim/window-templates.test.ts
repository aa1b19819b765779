/**
 * The simulator as WhatsApp for templates and the 24-hour window: who free-form messages reach, the `rejected`
 * status the worker is sent otherwise, the page's clock control, template bubbles and their quick-reply taps.
 */
import { describe, expect, it } from "vitest";
import approved from "../fixtures/templates.json" with { type: "json" };
import type { BusinessEntry, CustomerEntry, Entry } from "../../sim/chat-log.js";
import { checkTemplates, type TemplateRegistry } from "../../sim/templates.js";
import { signatureKey, verifyWebhookSignature } from "../../src/vonage/signature.js";
import { cafeWelcomeCustom } from "../support/template-bodies.js";
import { ALICE, BILAL, BUSINESS, rigWithStub, type Received, type Rig } from "./rig.js";

const templates = checkTemplates(approved).registry as TemplateRegistry;

/** A worker that takes every webhook, as the real one does when all is well. */
const takesAll = async (request: Request) => (new URL(request.url).pathname === "/webhooks/status" ? new Response(null, { status: 204 }) : Response.json({ outcome: "started" }));
const rig = () => rigWithStub(takesAll, { templates });

const text = (to: string, body = "Your table is ready") => ({ from: BUSINESS.number, to, channel: "whatsapp", message_type: "text", text: body });
const cafeWelcome = (to: string, name: string) => ({
  from: BUSINESS.number,
  to,
  channel: "whatsapp",
  message_type: "template",
  template: { name: "cafe_welcome", parameters: [name] },
  whatsapp: { policy: "deterministic", locale: "en_GB" },
});

async function send(r: Rig, body: unknown): Promise<BusinessEntry> {
  const res = await r.sendRaw(body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { message_uuid } = (await res.json()) as { message_uuid: string };
  await r.sim.receipts.idle();
  return r.sim.log.get(message_uuid) as BusinessEntry;
}
const writes = async (r: Rig, customer: string, words = "hi") => expect(await (await r.page(`/api/customers/${customer}/messages`, { text: words })).json()).toEqual({ ok: true });
const statusesOf = (r: Rig, uuid: string) => r.received.filter((x) => x.path === "/webhooks/status" && x.json?.["message_uuid"] === uuid).map((x) => x.json!);
const inbound = (r: Rig) => r.received.filter((x) => x.path === "/webhooks/inbound");
const entriesOf = <K extends Entry["kind"]>(r: Rig, customer: string, kind: K) => r.sim.log.entries(customer).filter((e): e is Extract<Entry, { kind: K }> => e.kind === kind);
/** A webhook timestamp is the real time it was sent, whatever the clock control did. */
const isNow = (iso: unknown) => typeof iso === "string" && Math.abs(Date.parse(iso) - Date.now()) < 10_000;

const REJECTED_1340 = {
  type: "https://developer.nexmo.com/api-errors/messages-olympus#1340",
  title: 1340,
  detail: "Outside of the allowed window",
  instance: expect.any(String),
};

describe("the 24-hour window in the simulator", () => {
  it("delivers a free-form message to a customer who wrote, with submitted then delivered", async () => {
    const r = await rig();
    await writes(r, ALICE.number);
    const message = await send(r, text(ALICE.number));
    expect(message).toMatchObject({ tick: "delivered", content: { type: "text", text: "Your table is ready" } });
    expect(message.rejected).toBeUndefined();
    expect(statusesOf(r, message.id).map((s) => s["status"])).toEqual(["submitted", "delivered"]);
  });

  it("rejects a free-form message to a customer who never wrote: 202, then a rejected status with 1340", async () => {
    const r = await rig();
    const message = await send(r, text(BILAL.number));
    const statuses = statusesOf(r, message.id);
    expect(statuses).toEqual([{ message_uuid: message.id, to: BILAL.number, from: BUSINESS.number, timestamp: expect.any(String), status: "rejected", channel: "whatsapp", error: REJECTED_1340 }]);
    expect(isNow(statuses[0]!["timestamp"])).toBe(true);
    // The bubble stays in the chat, marked as never delivered and why; no tick moves.
    expect(message).toMatchObject({ tick: "accepted", rejected: { code: 1340, detail: "Outside of the allowed window" } });
    // Signed as every status webhook.
    const sent = r.received.find((x) => x.path === "/webhooks/status")!;
    await verifyWebhookSignature(sent.authorization ?? undefined, new TextEncoder().encode(sent.raw), { key: await signatureKey(r.signatureSecret), maxAgeSeconds: 60, now: Date.now() });
  });

  it("closes the window when the page moves the customer's clock past 24 hours; the webhooks keep real time", async () => {
    const r = await rig();
    await writes(r, ALICE.number);
    const opened = r.sim.windows.state(ALICE.number);
    expect(opened).toMatchObject({ customer: ALICE.number, open: true });

    const after23 = await (await r.page(`/api/customers/${ALICE.number}/clock`, { hours: 23 })).json();
    expect(after23).toMatchObject({ open: true, lastInboundAt: new Date(Date.parse(opened.lastInboundAt!) - 23 * 3_600_000).toISOString() });
    expect((await send(r, text(ALICE.number, "still open"))).tick).toBe("delivered");

    const after25 = await (await r.page(`/api/customers/${ALICE.number}/clock`, { hours: 2 })).json();
    expect(after25).toMatchObject({ open: false, closesAt: new Date(Date.parse(opened.lastInboundAt!) + 24 * 3_600_000 - 25 * 3_600_000).toISOString() });
    const late = await send(r, text(ALICE.number, "too late"));
    expect(late.rejected).toEqual({ code: 1340, detail: "Outside of the allowed window" });
    const [status] = statusesOf(r, late.id);
    expect(status).toMatchObject({ status: "rejected", error: REJECTED_1340 });
    expect(isNow(status!["timestamp"])).toBe(true);
    // Only Alice's clock moved.
    await writes(r, BILAL.number);
    expect((await send(r, text(BILAL.number))).tick).toBe("delivered");

    // Writing again opens it again, from now; the inbound webhook's timestamp is real time too.
    await writes(r, ALICE.number, "hello again");
    expect(isNow(inbound(r).at(-1)?.json?.["timestamp"])).toBe(true);
    expect(r.sim.windows.state(ALICE.number).open).toBe(true);
    expect((await send(r, text(ALICE.number, "welcome back"))).tick).toBe("delivered");
  });

  it("moves nothing for a customer who never wrote, and refuses odd clock moves", async () => {
    const r = await rig();
    expect(await (await r.page(`/api/customers/${BILAL.number}/clock`, { hours: 25 })).json()).toEqual({ customer: BILAL.number, lastInboundAt: null, closesAt: null, open: false });
    expect((await r.page(`/api/customers/${BILAL.number}/clock`, { hours: 0 })).status).toBe(400);
    expect((await r.page(`/api/customers/${BILAL.number}/clock`, { hours: 1.5 })).status).toBe(400);
    expect((await r.page("/api/customers/449999999999/clock", { hours: 1 })).status).toBe(404);
  });

  it("a rejected question cannot be tapped: it never reached the phone", async () => {
    const r = await rig();
    const question = await send(r, {
      ...text(BILAL.number),
      message_type: "custom",
      custom: { type: "interactive", interactive: { type: "button", body: { text: "Pick one" }, action: { buttons: [{ type: "reply", reply: { id: "a", title: "A" } }] } } },
    });
    expect(question.rejected?.code).toBe(1340);
    const res = await r.page(`/api/customers/${BILAL.number}/replies`, { messageUuid: question.id, id: "a" });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: "that message never reached the customer: WhatsApp rejected it" });
    expect(inbound(r)).toEqual([]);
  });

  it("tells the page's feed each customer's window, first in the snapshot, then on each change", async () => {
    const r = await rig();
    await writes(r, ALICE.number);
    const res = await r.sim.app.request("/api/events");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let feed = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(feed)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`feed ended before ${pattern}`);
        feed += value;
      }
    };
    await until(/event: snapshot\ndata: .*\n/);
    const snapshot = JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(feed)![1]!) as { windows: unknown[] };
    expect(snapshot.windows).toEqual([
      { customer: ALICE.number, lastInboundAt: expect.any(String), closesAt: expect.any(String), open: true },
      { customer: BILAL.number, lastInboundAt: null, closesAt: null, open: false },
    ]);
    await r.page(`/api/customers/${ALICE.number}/clock`, { hours: 25 });
    await until(/event: window\ndata: .*\n/);
    expect(JSON.parse(/event: window\ndata: (.*)\n/.exec(feed)![1]!)).toMatchObject({ type: "window", window: { customer: ALICE.number, open: false } });
    await reader.cancel();
    r.sim.closeFeeds();
  });
});

describe("templates in the simulator", () => {
  it("delivers a template to a customer who never wrote, shown with the registry's text and buttons", async () => {
    const r = await rig();
    const message = await send(r, cafeWelcome(BILAL.number, "Bilal"));
    expect(message.rejected).toBeUndefined();
    expect(statusesOf(r, message.id).map((s) => s["status"])).toEqual(["submitted", "delivered"]);
    expect(message.content).toEqual({
      type: "template",
      template: {
        name: "cafe_welcome",
        language: "en_GB",
        text: "Hi Bilal, welcome back to Corner Cafe! Would you like to order a drink? We are open every day 7:00-19:00.",
        // Form 1 sends no payloads: a tap answers with the button's text.
        buttons: [
          { index: 0, text: "Order now", payload: "Order now" },
          { index: 1, text: "Not now", payload: "Not now" },
        ],
      },
    });
    // The template opens no window: a free-form follow-up still needs the customer to answer first.
    expect((await send(r, text(BILAL.number))).rejected?.code).toBe(1340);
  });

  it("rejects an unknown template with WhatsApp's code in the status, and shows why in the chat", async () => {
    const r = await rig();
    await writes(r, ALICE.number);
    const message = await send(r, { ...cafeWelcome(ALICE.number, "Alice"), template: { name: "cafe_goodbye", parameters: ["Alice"] } });
    expect(statusesOf(r, message.id)).toEqual([
      expect.objectContaining({
        status: "rejected",
        error: {
          type: "https://developer.nexmo.com/api-errors/messages-olympus#132001",
          title: 132001,
          detail: 'Template name does not exist in the translation (no template "cafe_goodbye" is approved)',
          instance: expect.any(String),
        },
      }),
    ]);
    expect(message).toMatchObject({ content: { type: "template", template: { text: 'Template "cafe_goodbye" (en_GB): Alice', buttons: [] } }, rejected: { code: 132001 } });

    const short = await send(r, { ...cafeWelcome(ALICE.number, "Alice"), template: { name: "delivery_update", parameters: ["Alice"] } });
    expect(statusesOf(r, short.id)[0]).toMatchObject({
      status: "rejected",
      error: { title: 132000, detail: "Number of parameters does not match the expected number of params (body: 1 given, 2 expected)" },
    });
  });

  it("a tap on a quick reply sends the inbound button webhook with the payload sent for that button", async () => {
    const r = await rig();
    const template = await send(r, cafeWelcomeCustom(BUSINESS.number, BILAL.number, "Bilal"));
    const res = await r.page(`/api/customers/${BILAL.number}/buttons`, { messageUuid: template.id, index: 1 });
    expect(await res.json()).toEqual({ ok: true });

    const sent: Received = inbound(r).at(-1)!;
    expect(sent.json).toEqual({
      to: BUSINESS.number,
      from: BILAL.number,
      channel: "whatsapp",
      message_uuid: sent.json?.["message_uuid"],
      timestamp: sent.json?.["timestamp"],
      message_type: "button",
      button: { payload: "later", text: "Not now", subtype: "quick_reply" },
      profile: { name: "Bilal" },
      context: { message_uuid: template.id, message_from: BUSINESS.number },
    });
    expect(sent.json?.["message_uuid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.json?.["timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await verifyWebhookSignature(sent.authorization ?? undefined, new TextEncoder().encode(sent.raw), { key: await signatureKey(r.signatureSecret), maxAgeSeconds: 60, now: Date.now() });

    // The customer's bubble quotes the template; answering opened the window, so free-form now gets through.
    expect(entriesOf(r, BILAL.number, "customer").at(-1) as CustomerEntry).toMatchObject({
      delivery: "delivered",
      content: { type: "reply", id: "later", title: "Not now", quoted: { messageUuid: template.id, text: expect.stringContaining("Hi Bilal") } },
    });
    expect(r.sim.windows.state(BILAL.number).open).toBe(true);
    expect((await send(r, text(BILAL.number, "No problem, write when you like"))).tick).toBe("delivered");

    // As with reply buttons, a tapped one is disabled and the other stays live.
    expect((await r.page(`/api/customers/${BILAL.number}/buttons`, { messageUuid: template.id, index: 1 })).status).toBe(409);
    expect((await r.page(`/api/customers/${BILAL.number}/buttons`, { messageUuid: template.id, index: 0 })).status).toBe(200);
    expect(inbound(r).at(-1)?.json?.["button"]).toEqual({ payload: "order", text: "Order now", subtype: "quick_reply" });
  });

  it("a tap on a template sent in form 1 answers with the button's text as the payload", async () => {
    const r = await rig();
    const template = await send(r, cafeWelcome(ALICE.number, "Alice"));
    await r.page(`/api/customers/${ALICE.number}/buttons`, { messageUuid: template.id, index: 0 });
    expect(inbound(r).at(-1)?.json).toMatchObject({ message_type: "button", button: { payload: "Order now", text: "Order now", subtype: "quick_reply" }, context: { message_uuid: template.id } });
  });

  it("refuses taps on buttons a template lacks, on other chats' templates and on rejected templates", async () => {
    const r = await rig();
    const template = await send(r, cafeWelcomeCustom(BUSINESS.number, BILAL.number, "Bilal"));
    expect((await r.page(`/api/customers/${BILAL.number}/buttons`, { messageUuid: template.id, index: 2 })).status).toBe(404);
    expect((await r.page(`/api/customers/${ALICE.number}/buttons`, { messageUuid: template.id, index: 0 })).status).toBe(404);
    // No body parameter where cafe_welcome takes one: WhatsApp rejects it (132000), nobody ever sees its buttons.
    const wrong = await send(r, cafeWelcomeCustom(BUSINESS.number, BILAL.number, "Bilal", []));
    expect(wrong.rejected?.code).toBe(132000);
    const res = await r.page(`/api/customers/${BILAL.number}/buttons`, { messageUuid: wrong.id, index: 0 });
    expect(res.status).toBe(409);
    expect(inbound(r)).toEqual([]);
  });
});
