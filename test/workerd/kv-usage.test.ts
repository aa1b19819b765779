import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import booking from "../../menus/booking.json";
import delivery from "../../menus/delivery.json";
import { replyWebhook, statusWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { newCustomer } from "../scenarios/harness.js";
import { workerdHarness } from "./harness.js";

/**
 * Counts the Worker's calls on the real Miniflare KV bindings: operations (a bulk read is one), and the keys they
 * read or wrote by prefix (`session`, `sent`, `optout`).
 */
function countKv() {
  const spies = {
    sessionGets: vi.spyOn(env.SESSIONS, "get"),
    sessionPuts: vi.spyOn(env.SESSIONS, "put"),
    menuGets: vi.spyOn(env.MENUS, "get"),
    menuPuts: vi.spyOn(env.MENUS, "put"),
  };
  const byPrefix = (calls: unknown[][]) => {
    const out: Record<string, number> = {};
    for (const [key] of calls) {
      for (const one of Array.isArray(key) ? key : [key]) {
        const prefix = String(one).split(":")[0]!;
        out[prefix] = (out[prefix] ?? 0) + 1;
      }
    }
    return out;
  };
  return {
    reset: () => {
      for (const spy of Object.values(spies)) spy.mockClear();
    },
    counts: () => Object.fromEntries(Object.entries(spies).map(([k, s]) => [k, s.mock.calls.length])),
    reads: () => byPrefix(spies.sessionGets.mock.calls),
    keys: (spy: keyof typeof spies) => spies[spy].mock.calls.map((call) => call[0] as unknown),
    writes: () => byPrefix(spies.sessionPuts.mock.calls),
  };
}

describe("KV usage per webhook (workerd, Miniflare KV)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("an answer costs two writes to two keys (the session before sending, the sent record after); duplicates and statuses write nothing", async () => {
    const h = await workerdHarness();
    await h.publish(delivery);
    await h.bind(h.business, "delivery");
    const customer = newCustomer();
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    const kv = countKv();

    const reply = replyWebhook({ business: h.business, customer, id: "slot-2", title: "16:30" });
    await h.inbound(reply);
    // Two bulk reads: session, sent record and opt-out; then the claim and the opt-out read back (no compare-and-set).
    expect(kv.reads()).toEqual({ session: 2, sent: 1, optout: 2 });
    expect(kv.writes()).toEqual({ session: 1, sent: 1 });
    expect(kv.counts()).toEqual({ sessionGets: 2, sessionPuts: 2, menuGets: 0, menuPuts: 0 });

    kv.reset();
    await h.inbound(reply);
    expect(kv.counts()).toEqual({ sessionGets: 1, sessionPuts: 0, menuGets: 0, menuPuts: 0 });

    kv.reset();
    await h.status(statusWebhook({ messageUuid: h.api.accepted[1]!.messageUuid, business: h.business, customer, status: "read" }));
    expect(kv.counts()).toEqual({ sessionGets: 0, sessionPuts: 0, menuGets: 0, menuPuts: 0 });
    await h.dispose();
  });

  it("a new conversation reads the number's binding and the default in one operation, then the menu's pointer; the version is the isolate's; a returning customer's in one read", async () => {
    const h = await workerdHarness();
    await h.publish(delivery);
    await h.bind("default", "delivery");
    await h.inbound(textWebhook({ business: h.business, customer: newCustomer(), text: "hi" }));
    const kv = countKv();
    await h.inbound(textWebhook({ business: h.business, customer: newCustomer(), text: "hi" }));
    expect(kv.counts()).toEqual({ sessionGets: 2, sessionPuts: 2, menuGets: 2, menuPuts: 0 });
    expect(kv.keys("menuGets")).toEqual([[`binding:${h.business}`, "binding:default"], "menu:delivery"]);

    // A customer whose last conversation ran this menu: its pointer comes with the bindings, in the same read.
    const returning = newCustomer();
    await h.inbound(textWebhook({ business: h.business, customer: returning, text: "hi" }));
    await h.inbound(replyWebhook({ business: h.business, customer: returning, id: "slot-1", title: "15:00" }));
    kv.reset();
    const again = await h.inbound(textWebhook({ business: h.business, customer: returning, text: "hi" }));
    expect(await again.json()).toMatchObject({ outcome: "started" });
    expect(kv.keys("menuGets")).toEqual([[`binding:${h.business}`, "binding:default", "menu:delivery"]]);
    await h.dispose();
  });

  it("a step that calls the backend (a request node) costs what a static step costs: two writes, the same reads", async () => {
    const h = await workerdHarness();
    await h.publish(booking);
    await h.bind(h.business, "booking");
    const customer = newCustomer();
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    const kv = countKv();
    await h.inbound(textWebhook({ business: h.business, customer, text: "SW1A 1AA" }));
    expect(h.backend.requests.map((r) => r.path)).toEqual(["/slots"]);
    expect(kv.reads()).toEqual({ session: 2, sent: 1, optout: 2 });
    expect(kv.writes()).toEqual({ session: 1, sent: 1 });
    expect(kv.counts()).toEqual({ sessionGets: 2, sessionPuts: 2, menuGets: 0, menuPuts: 0 });
    await h.dispose();
  });

  it("reminders: no extra write per question asked, none for a stale timer, two for a reminder sent", async () => {
    const h = await workerdHarness();
    await h.publish({ ...delivery, settings: { reminders: { after: "10m", times: 1 } } });
    await h.bind(h.business, "delivery");
    const customer = newCustomer();
    const kv = countKv();
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    // The timer rides on the step's own session write; the queue gets one message.
    expect(kv.writes()).toEqual({ session: 1, sent: 1 });
    expect(h.timers.set).toHaveLength(1);

    kv.reset();
    h.clock.advance(10 * 60_000);
    expect(await h.timers.deliverDue()).toBe(1);
    expect(kv.writes()).toEqual({ session: 1, sent: 1 });
    expect(h.timers.set).toHaveLength(2);

    kv.reset();
    await h.timers.redeliver(h.timers.set[0]!.body);
    expect(kv.writes()).toEqual({});
    expect(kv.reads()).toEqual({ session: 1, sent: 1, optout: 1 });
    expect(kv.counts()).toMatchObject({ sessionGets: 1 });
    await h.dispose();
  });

  it("sessions expire after SESSION_TTL_SECONDS; an opt-out does not expire", async () => {
    const h = await workerdHarness({ env: { SESSION_TTL_SECONDS: "3600" } });
    await h.publish(delivery);
    await h.bind(h.business, "delivery");
    const [talking, stopped] = [newCustomer(), newCustomer()];
    const started = Date.now() / 1000;
    await h.inbound(textWebhook({ business: h.business, customer: talking, text: "hi" }));
    await h.inbound(textWebhook({ business: h.business, customer: stopped, text: "hi" }));
    await h.inbound(textWebhook({ business: h.business, customer: stopped, text: "stop" }));
    const { keys } = await env.SESSIONS.list({ prefix: `session:${h.business}:` });
    const expiration = Object.fromEntries(keys.map((k) => [k.name.split(":")[2], k.expiration]));
    expect(expiration[talking]).toBeGreaterThanOrEqual(Math.floor(started + 3600) - 1);
    expect(expiration[talking]).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000 + 3600) + 1);
    expect(expiration[stopped]).toBeUndefined();
    await h.dispose();
  });
});
