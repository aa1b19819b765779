/**
 * Reminders, timeouts and handover, on every runtime, with the clock and the queue driven by the test: nothing
 * sleeps. The worker sets timers through its real scheduler binding; the harness delivers the due ones through
 * the runtime's own consumer (Workers `queue()`, Deno KV's `listenQueue`).
 */
import assert from "node:assert/strict";
import type { TimerMessage } from "../../src/flow/types.js";
import { locationWebhook, statusWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { scenario, type Harness, type MenuDoc, type Scenario } from "./harness.js";

const MINUTE = 60_000;
const HOOKS = "https://hooks.test/completed";

/** A one-question menu that reminds after 10 minutes, twice, then goes to a closing node; "Talk to us" hands over. */
function teaMenu(overrides: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): MenuDoc {
  return {
    id: "tea",
    start: "ask",
    settings: { reminders: { after: "10m", times: 2, timeout: "bye" }, handover: { webhook: HOOKS, idle: "1h" }, ...settings },
    nodes: {
      ask: {
        type: "question",
        text: "Tea or coffee?",
        options: [
          { id: "tea", title: "Tea", next: { text: "One tea coming up." } },
          { id: "coffee", title: "Coffee", next: { text: "One coffee coming up." } },
          { id: "person", title: "Talk to us", next: "desk" },
        ],
      },
      desk: { type: "handover", text: "A barista will answer you here." },
      bye: { type: "text", text: "We will leave it there. Write menu to start again." },
    },
    ...overrides,
  };
}

/** `menu` with the question `ask`'s own `reminders`. */
function withAskReminders(menu: MenuDoc, reminders: Record<string, unknown>): MenuDoc {
  const nodes = menu["nodes"] as Record<string, Record<string, unknown>>;
  return { ...menu, nodes: { ...nodes, ask: { ...nodes["ask"], reminders } } };
}

/** What the customer's phone shows, one line per message the Messages API took. */
function phone(h: Harness): string[] {
  return h.api.accepted.map(({ body }) => {
    const b = body as { message_type?: string; text?: string; custom?: { type?: string; interactive?: { body?: { text?: string } }; template?: { name?: string } }; template?: { name?: string } };
    if (b.message_type === "text") return b.text ?? "";
    if (b.message_type === "template") return `template ${b.template?.name}`;
    if (b.custom?.type === "template") return `template ${b.custom.template?.name}`;
    return `? ${b.custom?.interactive?.body?.text ?? ""}`;
  });
}

/** The events the agent endpoint (and completion receiver) got, by type. */
const events = (h: Harness) => h.hooks.delivered.map((d) => JSON.parse(d.body) as { type: string; data: Record<string, any> });

async function writes(h: Harness, customer: string, text: string): Promise<Record<string, unknown>> {
  const res = await h.inbound(textWebhook({ business: h.business, customer, text, timestamp: new Date(h.clock.now()).toISOString().replace(/\.\d+Z$/, "Z") }));
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

/** Moves the clock and lets the queue deliver what is due. */
async function later(h: Harness, ms: number): Promise<number> {
  h.clock.advance(ms);
  return h.timers.deliverDue();
}

const session = async (h: Harness, customer: string) => {
  const res = await h.admin("GET", `/admin/sessions/${h.business}/${customer}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { timers: TimerMessage[]; strandedTimers: TimerMessage[]; handover: Record<string, unknown> | null; session: { pending: { node: string } | null } };
};

const started = { menus: [teaMenu()], bind: "tea" };

export const timerScenarios: Scenario[] = [
  scenario("a reminder goes out after the delay, and not before", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.deepEqual(phone(h), ["? Tea or coffee?"]);
    assert.equal((await session(h, customer)).timers.length, 1, "the admin view shows the pending timer");
    assert.equal(await later(h, 9 * MINUTE), 0, "nothing is due after 9 minutes");
    assert.equal(await later(h, MINUTE), 1);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?"], "the question again");
    assert.equal((await session(h, customer)).timers[0]?.count, 1);
    // The reminder is the question again: answering it goes on as usual.
    assert.equal((await writes(h, customer, "tea")).outcome, "completed");
    assert.equal(phone(h).at(-1), "One tea coming up.");
  }),

  scenario("a timer whose step fails leaves a log line saying so before the queue delivers it again; one whose numbers are no phone numbers is ignored", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    const body = h.timers.set[0]!.body as TimerMessage;
    // A message of another shape (another release, another producer): nothing to do, and nothing to deliver again.
    await h.timers.redeliver({ ...body, business: "9".repeat(700) });
    await h.timers.redeliver({ ...body, customer: "not a number" });
    assert.equal(h.logs.filter((l) => l.includes('"msg":"timer"') && l.includes('"outcome":"ignored"')).length, 2, h.logs.slice(-3).join("\n"));
    // The session store refuses the reminder's claim once: the queue gets it back, and the operator a line with the code.
    h.gate.failPuts("session:", 1);
    h.clock.advance(10 * MINUTE);
    await assert.rejects(h.timers.deliverDue());
    const line = h.logs.find((l) => l.includes("ERR_STORE_UNAVAILABLE"));
    assert.ok(line !== undefined, `no log line says why the timer failed:\n${h.logs.slice(-3).join("\n")}`);
    assert.match(line, /"msg":"a timer failed; the queue delivers it again"/);
    assert.ok(!line.includes(customer), "the customer's number is masked");
  }),

  scenario("no reminder when the customer answered first", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await writes(h, customer, "coffee");
    await later(h, 30 * MINUTE);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "One coffee coming up."]);
    assert.equal((await session(h, customer)).timers.length, 0);
  }),

  scenario("a duplicated or late timer sends nothing extra", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await later(h, 10 * MINUTE);
    assert.equal(phone(h).length, 2);
    const first = h.timers.set[0]!.body;
    // The queue delivers the same timer twice more (at least once), then late, after the customer answered.
    await h.timers.redeliver(first);
    await h.timers.redeliver(first);
    assert.equal(phone(h).length, 2, "a redelivered timer is stale: its reminder already went out");
    await writes(h, customer, "tea");
    for (const t of h.timers.set) await h.timers.redeliver(t.body);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?", "One tea coming up."]);
  }),

  scenario("N reminders, then the timeout node", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    for (let i = 0; i < 3; i++) await later(h, 10 * MINUTE);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?", "? Tea or coffee?", "We will leave it there. Write menu to start again."]);
    const view = await session(h, customer);
    assert.equal(view.session.pending, null);
    assert.equal(view.timers.length, 0);
    assert.equal(await later(h, 60 * MINUTE), 0, "no timer is left");
  }),

  scenario(
    "a question's own reminders override the menu's field by field: its after (2h) wins, the menu's times and timeout still apply",
    { menus: [withAskReminders(teaMenu({}, { reminders: { after: "10m", times: 1, timeout: "bye" } }), { after: "2h" })], bind: "tea" },
    async ({ h, customer }) => {
      await writes(h, customer, "hi");
      assert.equal(await later(h, 10 * MINUTE), 0, "the menu's 10 minutes do not apply to this question");
      assert.equal(await later(h, 109 * MINUTE), 0, "nothing before its own 2 hours");
      assert.equal(await later(h, MINUTE), 1);
      assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?"]);
      assert.equal(await later(h, 2 * 60 * MINUTE), 1, "the menu's times (1): after the one reminder, its timeout");
      assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?", "We will leave it there. Write menu to start again."]);
    },
  ),

  scenario(
    "a reminder's text has its placeholders filled when it is sent: the customer's name",
    { menus: [teaMenu({}, { reminders: { after: "10m", times: 1, text: "Still there, {{profile.name}}?", timeout: "bye" } })], bind: "tea" },
    async ({ h, customer }) => {
      const res = await h.inbound(textWebhook({ business: h.business, customer, text: "hi", profileName: "Ada" }));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(await later(h, 10 * MINUTE), 1);
      assert.deepEqual(phone(h), ["? Tea or coffee?", "Still there, Ada?"]);
    },
  ),

  scenario(
    "a reminder due past the 24-hour window uses the menu's template",
    {
      menus: [teaMenu({ template: { name: "tea_again", language: "en_GB", buttons: [{ id: "again", text: "Carry on", next: "ask" }] } }, { reminders: { after: "1d", times: 1 } })],
      bind: "tea",
    },
    async ({ h, customer }) => {
      await writes(h, customer, "hi");
      await later(h, 24 * 60 * MINUTE);
      assert.deepEqual(phone(h), ["? Tea or coffee?", "template tea_again"], "never free-form outside the window");
    },
  ),

  scenario("a reminder due past the 24-hour window without a template is skipped", { menus: [teaMenu({}, { reminders: { after: "1d", times: 1 } })], bind: "tea" }, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await later(h, 24 * 60 * MINUTE);
    // The skipped timer is spent: the admin view lists none, and firing "the pending timer" finds none either.
    assert.deepEqual((await session(h, customer)).timers, []);
    const fired = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/timer/fire`);
    assert.equal(fired.status, 404, await fired.clone().text());
    await later(h, 24 * 60 * MINUTE);
    assert.deepEqual(phone(h), ["? Tea or coffee?"]);
  }),

  scenario(
    "a timeout due past the 24-hour window sends the customer nothing, and the business still gets the completion",
    { menus: [teaMenu({}, { reminders: { after: "1d", times: 0, timeout: { text: "We will leave it there.", webhook: HOOKS } } })], bind: "tea" },
    async ({ h, customer }) => {
      await writes(h, customer, "hi");
      assert.equal(await later(h, 24 * 60 * MINUTE), 1);
      assert.deepEqual(phone(h), ["? Tea or coffee?"], "never free-form outside the window");
      const [done] = events(h);
      assert.equal(done?.type, "menu.completed");
      assert.equal(done?.data["end"], "ask/timeout");
      assert.equal((await session(h, customer)).session.pending, null);
    },
  ),

  scenario("handover, relay, agent reply, hand back to a node", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "talk to us")).outcome, "handed_over");
    assert.equal(phone(h).at(-1), "A barista will answer you here.");
    const [handed] = events(h);
    assert.equal(handed?.type, "handover.started");
    assert.deepEqual(
      handed?.data["answers"].map((a: { id: string }) => a.id),
      ["person"],
      "the agent gets the answers so far",
    );
    assert.ok((await session(h, customer)).handover, "the admin view shows the handover");

    // While handed over, the bot does not answer: the message is relayed, signed, to the agent endpoint.
    const before = phone(h).length;
    assert.equal((await writes(h, customer, "tea")).outcome, "relayed");
    assert.equal(phone(h).length, before, "nothing goes to the customer");
    const relayed = events(h).at(-1)!;
    assert.equal(relayed.type, "handover.message");
    assert.equal(relayed.data["message"].text, "tea");
    assert.ok(h.hooks.delivered.at(-1)!.headers["webhook-signature"]?.startsWith("v1,"));

    const reply = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Your tea is on its way." });
    assert.equal(reply.status, 200, await reply.clone().text());
    assert.equal(phone(h).at(-1), "Your tea is on its way.");

    const back = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/handback`, { node: "ask" });
    assert.equal(back.status, 200, await back.clone().text());
    assert.equal(phone(h).at(-1), "? Tea or coffee?");
    assert.equal(events(h).at(-1)?.type, "handover.ended");
    assert.equal((await writes(h, customer, "coffee")).outcome, "completed", "the menu answers again");
    const again = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "hello?" });
    assert.equal(again.status, 409, "no agent text once handed back");
  }),

  scenario("a location the customer shares with the agent reaches the agent endpoint with its coordinates", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "talk to us")).outcome, "handed_over");
    const pin = locationWebhook({ business: h.business, customer, lat: 51.5072, long: -0.1276, name: "Our flat", address: "1 Some Street" });
    const res = await h.inbound(pin);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { outcome: string }).outcome, "relayed");
    const relayed = events(h).at(-1)!;
    assert.equal(relayed.type, "handover.message");
    assert.equal(relayed.data["message"].kind, "location");
    assert.deepEqual(relayed.data["message"].location, { lat: 51.5072, long: -0.1276, name: "Our flat", address: "1 Some Street" }, "where the customer is, not only that they shared something");
  }),

  scenario("a picture, a video, a voice note or a file the customer sends the agent reaches the agent endpoint with its link and caption", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "talk to us")).outcome, "handed_over");
    const media = async (type: string, content: Record<string, unknown>) => {
      const body = { ...textWebhook({ business: h.business, customer, text: "" }), message_type: type, [type]: content };
      delete body["text"];
      const res = await h.inbound(body);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { outcome: string }).outcome, "relayed");
      return events(h).at(-1)!.data["message"];
    };
    const photo = await media("image", { url: "https://api-eu.nexmo.com/v3/media/0f1e2d3c", caption: "The cup arrived broken" });
    assert.equal(photo.kind, "image");
    assert.deepEqual(photo.media, { url: "https://api-eu.nexmo.com/v3/media/0f1e2d3c", caption: "The cup arrived broken" }, "the agent sees the picture and what the customer wrote with it");
    assert.deepEqual((await media("file", { url: "https://api-eu.nexmo.com/v3/media/aa", name: "receipt.pdf" })).media, { url: "https://api-eu.nexmo.com/v3/media/aa", name: "receipt.pdf" });
    assert.deepEqual((await media("audio", { url: "https://api-eu.nexmo.com/v3/media/bb" })).media, { url: "https://api-eu.nexmo.com/v3/media/bb" });
    const odd = await media("video", { url: 42 });
    assert.equal(odd.kind, "video");
    assert.equal(odd.media, undefined, "a media object of another shape is relayed without it, never refused");
  }),

  scenario("a reaction the customer puts on the agent's text reaches the agent endpoint, as each message while handed over does", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "talk to us")).outcome, "handed_over");
    const before = events(h).length;
    const body: Record<string, unknown> = { ...textWebhook({ business: h.business, customer, text: "" }), message_type: "reaction", reaction: { action: "react", emoji: "\u{1F44D}" } };
    delete body["text"];
    const res = await h.inbound(body);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { outcome: string }).outcome, "relayed");
    assert.equal(events(h).length, before + 1);
    const relayed = events(h).at(-1)!;
    assert.equal(relayed.type, "handover.message");
    assert.equal(relayed.data["message"].kind, "reaction");
    assert.deepEqual(relayed.data["message"].reaction, { action: "react", emoji: "\u{1F44D}" });
  }),

  scenario("a hand back whose body is not JSON is a 400 and leaves the customer handed over; an empty body hands back to the start", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "talk to us")).outcome, "handed_over");
    const path = `/admin/sessions/${h.business}/${customer}/handback`;
    const raw = (body: string | Uint8Array) => h.request(path, { method: "POST", headers: { Authorization: `Bearer ${h.adminToken}`, "Content-Type": "application/json" }, body });
    // An agent system's body cut short, or one over the size limit: the hand back it meant is not some other one.
    // A no-break space is no JSON white space: not an empty body either.
    for (const body of ['{"node": "ask"', `{"node": "ask", "pad": "${"x".repeat(70_000)}"}`, "\u00a0"]) {
      const res = await raw(body);
      assert.ok(res.status === 400 || res.status === 413, `${res.status}: ${await res.clone().text()}`);
      assert.ok((await session(h, customer)).handover, "still handed over");
    }
    // A body in Latin-1 ("café" as one byte E9): a 400 that says at which byte, not a node named "caf\uFFFD".
    const latin1 = await raw(new Uint8Array([...new TextEncoder().encode('{"node": "caf'), 0xe9, ...new TextEncoder().encode('"}')]));
    assert.equal(latin1.status, 400);
    assert.match(((await latin1.json()) as { message: string }).message, /^body is not UTF-8 text \(byte 13 \(0xE9\) is not UTF-8\): save the file/);
    assert.ok((await session(h, customer)).handover, "still handed over");
    const before = phone(h).length;
    const empty = await raw(" \r\n");
    assert.equal(empty.status, 200, await empty.clone().text());
    assert.equal((await session(h, customer)).handover, null);
    assert.equal(phone(h).length, before + 1);
    assert.equal(phone(h).at(-1), "? Tea or coffee?");
  }),

  scenario("a business start does not cut off a customer talking to a person, unless it says endHandover", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "agent")).outcome, "handed_over");
    const before = phone(h).length;
    const refused = await h.admin("POST", "/flows/tea/start", { to: customer, from: h.business });
    assert.equal(refused.status, 409);
    const body = (await refused.json()) as { error: string; message: string };
    assert.equal(body.error, "ERR_HANDED_OVER");
    assert.match(body.message, /endHandover/, "the refusal says how to go on");
    const bulk = await h.admin("POST", "/flows/tea/start/bulk", { from: h.business, requestId: "campaign-1", customers: [{ to: customer }] });
    assert.equal(bulk.status, 200, await bulk.clone().text());
    assert.deepEqual(
      ((await bulk.json()) as { results: Array<{ outcome: string; retry: boolean }> }).results.map((r) => [r.outcome, r.retry]),
      [["refused", false]],
    );
    assert.ok((await session(h, customer)).handover, "still handed over");
    assert.equal(phone(h).length, before, "nothing reached the customer");
    assert.deepEqual(
      events(h).map((e) => e.type),
      ["handover.started"],
    );

    const forced = await h.admin("POST", "/flows/tea/start", { to: customer, from: h.business, endHandover: true });
    assert.equal(forced.status, 200, await forced.clone().text());
    assert.equal(((await forced.json()) as { outcome: string }).outcome, "started");
    assert.equal(phone(h).at(-1), "? Tea or coffee?");
    assert.equal((await session(h, customer)).handover, null);
    const ended = events(h).filter((e) => e.type === "handover.ended");
    assert.deepEqual(
      ended.map((e) => e.data["reason"]),
      ["start"],
      "the agent endpoint learns the customer left the handover",
    );
    const reply = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Still there?" });
    assert.equal(reply.status, 409, "no agent text once the start ended the handover");
    assert.equal((await writes(h, customer, "tea")).outcome, "completed", "the menu answers again");
    // The handover's idle timer, due later, finds nothing to hand back.
    await later(h, 2 * 60 * MINUTE);
    assert.equal(events(h).filter((e) => e.type === "handover.ended").length, 1);
  }),

  scenario("an agent's text WhatsApp does not deliver (1340) is reported to the agent endpoint, once, and marks the window closed", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    assert.equal((await writes(h, customer, "agent")).outcome, "handed_over");
    const reply = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Your order is on its way." });
    assert.equal(reply.status, 200, await reply.clone().text());
    const [uuid] = ((await reply.json()) as { sent: string[] }).sent;
    const refused = statusWebhook({
      messageUuid: uuid!,
      business: h.business,
      customer,
      status: "rejected",
      error: { type: "https://developer.vonage.com/api-errors/messages#1340", title: 1340, detail: "Outside the allowed window" },
    });
    // Vonage's delivery is at least once: the same status twice, and an undeliverable after it.
    for (const status of [refused, refused, { ...refused, status: "undeliverable" }]) assert.ok((await h.status(status)).ok);
    const told = events(h).filter((e) => e.type === "handover.undelivered");
    assert.equal(told.length, 1, "told once");
    assert.deepEqual(told[0]!.data["undelivered"], { id: uuid, status: "rejected", code: "1340", detail: "Outside the allowed window" });
    assert.ok((await session(h, customer)).handover, "still handed over: the agent decides what to do");
    const view = (await (await h.admin("GET", `/admin/sessions/${h.business}/${customer}`)).json()) as { window: { open: boolean } };
    assert.equal(view.window.open, false, "the window is marked closed");
  }),

  scenario("STOP while handed over still opts out", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await writes(h, customer, "agent");
    assert.equal((await writes(h, customer, "stop")).outcome, "stopped");
    assert.equal(phone(h).at(-1), 'You will not get any more messages from us. Write "start" if you change your mind.');
    // The agent's side learns that the conversation it had is over, rather than waiting on a customer it cannot reach.
    const ended = events(h).filter((e) => e.type === "handover.ended");
    assert.deepEqual(
      ended.map((e) => e.data["reason"]),
      ["stop"],
    );
    assert.equal((await session(h, customer)).handover, null);
    const reply = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Are you there?" });
    assert.equal(reply.status, 409);
    await later(h, 2 * 60 * MINUTE);
    assert.equal(phone(h).at(-1), 'You will not get any more messages from us. Write "start" if you change your mind.', "no timer sends to a customer who stopped");
    assert.equal(events(h).filter((e) => e.type === "handover.ended").length, 1, "the handover's idle timer finds nothing to hand back");
  }),

  scenario("an admin reset while handed over tells the agent endpoint the handover ended, once", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await writes(h, customer, "agent");
    const started = events(h).find((e) => e.type === "handover.started");
    assert.ok(started, "handed over");
    assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${customer}`)).status, 204);
    // Without the event the agent's desk would keep a conversation open that no text can reach any more.
    const ended = events(h).filter((e) => e.type === "handover.ended");
    assert.deepEqual(
      ended.map((e) => [e.data["reason"], e.data["conversation"]]),
      [["reset", started.data["conversation"]]],
    );
    assert.equal((await session(h, customer)).handover, null);
    assert.equal((await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Are you there?" })).status, 409);
    // A second reset finds no handover; the idle timer finds nothing to hand back.
    assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${customer}`)).status, 204);
    await later(h, 2 * 60 * MINUTE);
    assert.equal(events(h).filter((e) => e.type === "handover.ended").length, 1);
    // The customer's next message starts the menu afresh, not the agent's conversation.
    assert.equal((await writes(h, customer, "hi")).outcome, "started");
  }),

  scenario(
    "a customer who stopped while handed over and writes start is opted in again: the menu starts, and the agent endpoint was told the handover ended at the stop",
    started,
    async ({ h, customer }) => {
      await writes(h, customer, "hi");
      await writes(h, customer, "agent");
      assert.equal((await writes(h, customer, "start")).outcome, "relayed", "not opted out, start is the agent's to read, as every message");
      assert.equal((await writes(h, customer, "stop")).outcome, "stopped");
      assert.equal((await writes(h, customer, "hello?")).outcome, "opted_out", "nothing is relayed to the agent once they stopped");
      const relayed = events(h).filter((e) => e.type === "handover.message").length;
      assert.equal((await writes(h, customer, "start")).outcome, "started");
      assert.equal(phone(h).at(-1), "? Tea or coffee?");
      const ended = events(h).filter((e) => e.type === "handover.ended");
      assert.equal(ended.length, 1);
      assert.equal(ended[0]!.data["reason"], "stop");
      const view = await session(h, customer);
      assert.equal(view.handover, null);
      assert.equal((view as unknown as { optedOut: boolean }).optedOut, false);
      assert.equal(view.session.pending?.node, "ask");
      const reply = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Are you there?" });
      assert.equal(reply.status, 409, "the agent no longer has the conversation");
      assert.equal((await writes(h, customer, "tea")).outcome, "completed");
      assert.equal(phone(h).at(-1), "One tea coming up.");
      // The ended handover's idle timer finds nothing to hand back.
      await later(h, 2 * 60 * MINUTE);
      assert.equal(events(h).filter((e) => e.type === "handover.ended").length, 1);
      assert.equal(events(h).filter((e) => e.type === "handover.message").length, relayed);
    },
  ),

  scenario("the admin view says when an idle handover hands back: an hour after the last message either way, not after the handover began", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await writes(h, customer, "agent");
    await later(h, 30 * MINUTE);
    await writes(h, customer, "still there?");
    const view = await session(h, customer);
    const last = Date.parse(String(view.handover?.["lastActivityAt"]));
    assert.equal(view.timers.length, 1);
    assert.equal(view.timers[0]!.kind, "handback");
    assert.equal(view.timers[0]!.due, new Date(last + 60 * MINUTE).toISOString(), "the hand back the timer will do, not the one it was first set for");
    // And it is right: 59 minutes after the message, still handed over; after the hour, handed back.
    await later(h, 59 * MINUTE);
    assert.ok((await session(h, customer)).handover);
    await later(h, 2 * MINUTE);
    assert.equal((await session(h, customer)).handover, null);
  }),

  scenario("a handover with no activity hands back by itself; outside the window the agent's text is refused", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await writes(h, customer, "agent");
    await later(h, 30 * MINUTE);
    await writes(h, customer, "still there?");
    // The idle time counts from the last message: 30 minutes after it, still handed over.
    await later(h, 30 * MINUTE);
    assert.ok((await session(h, customer)).handover);
    await later(h, 31 * MINUTE);
    assert.equal((await session(h, customer)).handover, null);
    assert.equal(events(h).at(-1)?.data["reason"], "idle");
    assert.equal((await writes(h, customer, "hi")).outcome, "started", "the menu answers again");

    await writes(h, customer, "agent");
    h.clock.advance(24 * 60 * MINUTE);
    const reply = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/reply`, { text: "Sorry for the wait" });
    assert.equal(reply.status, 409, "outside the 24-hour window WhatsApp would refuse it");
  }),

  scenario("an admin can fire a customer's pending timer now", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    const res = await h.admin("POST", `/admin/sessions/${h.business}/${customer}/timer/fire`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { outcome: string }).outcome, "reminded");
    assert.equal(phone(h).length, 2);
  }),
];

/** The sweep's log lines, parsed. */
const sweeps = (h: Harness) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l["msg"] === "timer sweep");

/**
 * Timers the queue refused every time their step tried (`arm`): kept under `timer-stranded:` keys, and handed to
 * the queue again by the sweep, which each runtime's schedule runs (Workers: a real scheduled event to the Worker's
 * `scheduled()`; Deno: the function `Deno.cron` runs), over the runtime's real KV.
 */
export const sweepScenarios: Scenario[] = [
  scenario("a reminder the queue refused is kept, and the sweep sets it: it comes once, at its time", started, async ({ h, customer }) => {
    h.timers.refusing = true;
    await writes(h, customer, "hi");
    assert.deepEqual(phone(h), ["? Tea or coffee?"], "the step itself goes through");
    assert.equal(h.timers.refused, 3, "tried three times");
    const [kept, ...more] = await h.stranded();
    assert.equal(more.length, 0);
    assert.equal(kept?.id, (await session(h, customer)).timers[0]?.id, "the record is the timer the session waits on");
    assert.ok(h.logs.some((l) => l.includes("kept for the sweep")));

    h.timers.refusing = false;
    h.clock.advance(MINUTE);
    await h.sweep();
    assert.deepEqual(await h.stranded(), [], "removed once the queue took it");
    assert.equal(h.timers.set.length, 1);
    assert.equal(sweeps(h).at(-1)?.["requeued"], 1);
    assert.equal(await later(h, 8 * MINUTE), 0, "with what was left of its delay: not due after 9 minutes");
    // Queues take whole seconds: the remaining delay is rounded up.
    assert.equal(await later(h, MINUTE + 2_000), 1);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?"]);

    await h.sweep();
    assert.equal(h.timers.set.length, 2, "a second sweep finds nothing: only the next reminder was set, by the queue's delivery");
    await later(h, 10 * MINUTE);
    assert.equal(phone(h).length, 3, "and the conversation's timers go on as usual");
  }),

  scenario("a queue that refuses during the sweep keeps the record for the next sweep: the timeout comes late, once", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    await later(h, 10 * MINUTE);
    // The second reminder goes out, and the timer for the timeout it sets is refused.
    h.timers.refusing = true;
    await later(h, 10 * MINUTE);
    assert.equal(phone(h).length, 3);
    assert.equal((await h.stranded()).length, 1);

    await later(h, 10 * MINUTE);
    await h.sweep();
    assert.equal((await h.stranded()).length, 1, "kept: the queue refused it again");
    assert.equal(sweeps(h).at(-1)?.["kept"], 1);
    assert.equal(phone(h).length, 3, "nothing came in the meantime");

    h.timers.refusing = false;
    h.clock.advance(5 * MINUTE);
    await h.sweep();
    assert.deepEqual(await h.stranded(), []);
    assert.equal(await h.timers.deliverDue(), 1, "past due: queued with no delay");
    assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?", "? Tea or coffee?", "We will leave it there. Write menu to start again."]);
    assert.equal((await session(h, customer)).timers.length, 0);
  }),

  scenario("a kept timer whose conversation moved on sends nothing, and its record is removed", started, async ({ h, customer }) => {
    h.timers.refusing = true;
    await writes(h, customer, "hi");
    h.timers.refusing = false;
    await writes(h, customer, "coffee");
    await later(h, 10 * MINUTE);
    await h.sweep();
    assert.deepEqual(await h.stranded(), []);
    assert.equal(await h.timers.deliverDue(), 1);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "One coffee coming up."]);
  }),

  scenario("a record the sweep sees twice (a stale list) queues the timer twice; the customer gets one reminder", started, async ({ h, customer }) => {
    h.timers.refusing = true;
    await writes(h, customer, "hi");
    const [kept] = await h.stranded();
    h.timers.refusing = false;
    await h.sweep();
    await h.strand(kept!);
    await h.sweep();
    assert.equal(h.timers.set.filter((t) => t.body.id === kept!.id).length, 2);
    assert.equal(await later(h, 10 * MINUTE + 2_000), 2);
    assert.deepEqual(phone(h), ["? Tea or coffee?", "? Tea or coffee?"]);
  }),

  scenario("an idle hand-back the queue refused still hands back after the sweep", started, async ({ h, customer }) => {
    await writes(h, customer, "hi");
    h.timers.refusing = true;
    assert.equal((await writes(h, customer, "agent")).outcome, "handed_over");
    assert.equal((await h.stranded())[0]?.kind, "handback");
    assert.deepEqual(
      (await session(h, customer)).strandedTimers.map((t) => t.kind),
      ["handback"],
      "the admin view shows the timer waiting for the sweep",
    );
    h.timers.refusing = false;
    await h.sweep();
    assert.deepEqual((await session(h, customer)).strandedTimers, []);
    await later(h, 61 * MINUTE);
    assert.equal((await session(h, customer)).handover, null);
    assert.deepEqual(
      events(h)
        .filter((e) => e.type === "handover.ended")
        .map((e) => e.data["reason"]),
      ["idle"],
    );
  }),
];
