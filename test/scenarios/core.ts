/** Conversation scenarios of the core loop, written once and run against every runtime's harness. */
import assert from "node:assert/strict";
import cafe from "../../menus/cafe.json" with { type: "json" };
import delivery from "../../menus/delivery.json" with { type: "json" };
import pills from "../../menus/pills.json" with { type: "json" };
import { replyWebhook, statusWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { seedButtonReply, seedButtonRequest, seedListReply, seedListRequest } from "../fixtures/seed.js";
import { newCustomer, scenario, type Harness, type Scenario } from "./harness.js";

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

const lastBody = (h: Harness) => h.api.accepted.at(-1)?.body;

/** A re-asked question: the same message, its body text prefixed with a short note. */
export function assertReasked(body: Record<string, unknown> | undefined, original: Record<string, unknown>, note: RegExp) {
  const sent = structuredClone(body) as { custom: { interactive: { body: { text: string } } } };
  const want = structuredClone(original) as typeof sent;
  const text = sent.custom.interactive.body.text;
  assert.match(text, note);
  assert.ok(text.endsWith(`\n\n${want.custom.interactive.body.text}`), `the question follows the note: ${text}`);
  sent.custom.interactive.body.text = want.custom.interactive.body.text;
  assert.deepEqual(sent, want);
}
const interactiveOf = (body: Record<string, unknown> | undefined) => (body?.["custom"] as { interactive?: { type: string; body: { text: string } } } | undefined)?.interactive;

export const coreScenarios: Scenario[] = [
  scenario("seed buttons: the started question equals the guide's request, and its reply gets the confirmation", { wrote: true, menus: [delivery] }, async ({ h, customer }) => {
    const res = await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(h.api.accepted.length, 1);
    assert.deepEqual(h.api.accepted[0]!.body, seedButtonRequest(h.business, customer));

    const reply = await h.inbound(seedButtonReply(h.business, customer, crypto.randomUUID()));
    assert.equal(reply.status, 200, await reply.clone().text());
    assert.equal((await json(reply))["outcome"], "completed");
    assert.equal(h.api.accepted.length, 2);
    assert.deepEqual(lastBody(h), {
      from: h.business,
      to: customer,
      channel: "whatsapp",
      message_type: "text",
      text: "Booked: your order arrives at 15:00, give or take 15 minutes. Thank you!",
    });
    const session = await h.session(customer);
    assert.equal(session?.pending, null);
    assert.deepEqual(
      session?.answers.map((a) => [a.node, a.id, a.title]),
      [["delivery-time", "slot-1", "15:00"]],
    );
  }),
  scenario("seed list: a customer who writes first gets the bound menu, equal to the guide's list request", { menus: [pills], bind: "pills" }, async ({ h, customer }) => {
    const hi = await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    assert.equal(hi.status, 200, await hi.clone().text());
    assert.equal((await json(hi))["outcome"], "started");
    assert.deepEqual(lastBody(h), seedListRequest(h.business, customer));

    const pendingUuid = h.api.accepted[0]!.messageUuid;
    assert.equal((await h.session(customer))?.pending?.messageUuid, pendingUuid, "the session records the question's message_uuid");

    const red = await h.inbound(seedListReply(h.business, customer, crypto.randomUUID()));
    assert.equal((await json(red))["outcome"], "advanced");
    assert.equal(interactiveOf(lastBody(h))?.body.text, "The red pill: you stay in Wonderland. Are you sure?");

    await h.inbound(replyWebhook({ business: h.business, customer, id: "red-yes", title: "Yes, I'm sure" }));
    assert.equal(lastBody(h)?.["text"], "Confirmed: red pill. Welcome to the real world.");
    assert.equal(h.api.accepted.length, 3);

    // One structured line per webhook, the customer's number masked.
    const lines = h.logs.flatMap((l) => (l.startsWith("{") ? [JSON.parse(l) as Record<string, unknown>] : [])).filter((l) => l["msg"] === "inbound");
    assert.deepEqual(
      lines.map((l) => [l["menu"], l["outcome"]]),
      [
        ["pills", "started"],
        ["pills", "advanced"],
        ["pills", "completed"],
      ],
    );
    assert.equal(lines[0]!["customer"], `${"*".repeat(customer.length - 4)}${customer.slice(-4)}`);
    assert.equal(typeof lines[0]!["ms"], "number");
    assert.ok(!h.logs.some((l) => l.includes(customer)), "the full number never appears in a log line");
  }),
  scenario("the default menu serves numbers without a binding", { menus: [delivery] }, async ({ h, customer }) => {
    const before = await h.inbound(textWebhook({ business: h.business, customer, text: "hello" }));
    assert.equal((await json(before))["outcome"], "no_menu");
    assert.equal(h.api.accepted.length, 0);
    await h.bind("default", "delivery");
    const after = await h.inbound(textWebhook({ business: h.business, customer, text: "hello" }));
    assert.equal((await json(after))["outcome"], "started");
    assert.deepEqual(lastBody(h), seedButtonRequest(h.business, customer));
  }),
  scenario("a richer menu chains buttons, a list, a text and loops back", { menus: [cafe], bind: "cafe" }, async ({ h, customer }) => {
    const tap = (id: string, title: string) => h.inbound(replyWebhook({ business: h.business, customer, id, title }));
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    await tap("hours", "Opening hours");
    // A text node then the menu it leads back to, in order.
    assert.equal(h.api.accepted.length, 3);
    assert.equal(h.api.accepted[1]!.body["text"], "We are open every day from 7:00 to 19:00, holidays included.");
    assert.equal(interactiveOf(h.api.accepted[2]!.body)?.type, "button");
    await tap("order", "Order a drink");
    assert.equal(interactiveOf(lastBody(h))?.type, "list");
    await tap("flat-white", "Flat white");
    await tap("large", "Large");
    const done = await tap("yes", "Yes, please");
    assert.equal((await json(done))["outcome"], "completed");
    assert.equal(lastBody(h)?.["text"], "Thank you! Your Flat white is on its way. Pay at the counter.");
    const answers = (await h.session(customer))?.answers.map((a) => `${a.node}=${a.id}`);
    assert.deepEqual(answers, ["welcome=hours", "welcome=order", "drink=flat-white", "size=large", "confirm=yes"]);
  }),
  scenario("a duplicate delivery is acknowledged and sends nothing", { wrote: true, menus: [delivery] }, async ({ h, customer }) => {
    await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    const payload = seedButtonReply(h.business, customer, crypto.randomUUID());
    const first = await h.inbound(payload);
    const second = await h.inbound(payload);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal((await json(second))["outcome"], "duplicate");
    assert.equal(h.api.accepted.length, 2, "the start and one confirmation");
  }),
  scenario("forged, tampered, stale, future and missing signatures are refused with 401 before anything is sent", { menus: [delivery], bind: "delivery" }, async ({ h, customer }) => {
    const payload = () => textWebhook({ business: h.business, customer, text: "hi" });
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Parameters<Harness["inbound"]>[1]]> = [
      ["forged", { secret: "not-the-signature-secret-at-all" }],
      ["tampered", { tamper: (b) => b.replace('"hi"', '"HI"') }],
      ["hash of another body", { hashOf: "{}" }],
      ["stale", { iat: now - 3600 }],
      ["future", { iat: now + 3600 }],
      ["missing", { authorization: null }],
      ["not bearer", { authorization: "Basic dXNlcjpwYXNz" }],
      ["garbage token", { authorization: "Bearer not.a.jwt" }],
    ];
    for (const [what, options] of cases) {
      const res = await h.inbound(payload(), options);
      assert.equal(res.status, 401, `${what}: ${await res.clone().text()}`);
      const body = await json(res);
      assert.match(String(body["message"]), /\w/, `${what} says why`);
    }
    const status = await h.status(statusWebhook({ messageUuid: crypto.randomUUID(), business: h.business, customer, status: "read" }), { secret: "wrong-secret-wrong-secret" });
    assert.equal(status.status, 401);
    assert.equal(h.api.requests, 0);
    assert.equal(await h.session(customer), null, "nothing was stored");
    assert.ok(!h.logs.join("\n").includes(h.signatureSecret), "the secret is never logged");
  }),
  scenario("Messages API 500 then 202: the question goes out once, within the same webhook", { menus: [delivery], bind: "delivery" }, async ({ h, customer }) => {
    h.api.failNext({ status: 500 }, { status: 429, retryAfter: 0 });
    const res = await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(h.api.requests, 3);
    assert.equal(h.api.accepted.length, 1);
  }),
  scenario("a send that keeps failing answers 5xx and the session owes it; Vonage's redelivery sends it once", { menus: [delivery] }, async ({ h, customer }) => {
    await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    h.api.failNext({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const payload = seedButtonReply(h.business, customer, crypto.randomUUID());
    const failed = await h.inbound(payload);
    assert.ok(failed.status >= 500 && failed.status !== 500, `retryable 5xx, got ${failed.status}`);
    // The decided step was stored before the send: it owes the confirmation to exactly that message.
    const owing = await h.session(customer);
    assert.equal(owing?.owed?.inbound, payload["message_uuid"]);
    assert.equal(owing?.owed?.sends.length, 1);
    const redelivered = await h.inbound(payload);
    assert.equal(redelivered.status, 200);
    const again = await h.inbound(payload);
    assert.equal((await json(again))["outcome"], "duplicate");
    const confirmations = h.api.accepted.filter((m) => m.body["message_type"] === "text");
    assert.equal(confirmations.length, 1, "exactly one confirmation reached the customer");
  }),
  scenario("a step of two messages interrupted after the first: the redelivery sends only the second", { menus: [cafe], bind: "cafe" }, async ({ h, customer }) => {
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    const tap = replyWebhook({ business: h.business, customer, id: "hours", title: "Opening hours" });
    // The text goes out; the question after it fails on every retry.
    h.api.failNext({ pass: true }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const failed = await h.inbound(tap);
    assert.equal(failed.status, 503);
    assert.equal(h.api.accepted.at(-1)!.body["text"], "We are open every day from 7:00 to 19:00, holidays included.");
    const redelivered = await h.inbound(tap);
    assert.equal(((await redelivered.json()) as { outcome: string }).outcome, "resent");
    const texts = h.api.accepted.filter((m) => m.body["message_type"] === "text");
    assert.equal(texts.length, 1, "the opening hours went out once");
    assert.equal(interactiveOf(h.api.accepted.at(-1)!.body)?.body.text, "Hi! What can we do for you today?");
    assert.equal((await h.session(customer))?.pending?.messageUuid, h.api.accepted.at(-1)!.messageUuid);
    assert.equal(((await (await h.inbound(tap)).json()) as { outcome: string }).outcome, "duplicate");
  }),
  scenario("a tap on a question the stored session has not caught up with is answered 503, so Vonage redelivers it", { menus: [cafe], bind: "cafe" }, async ({ h, customer }) => {
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    const atWelcome = await h.rawSession(customer);
    await h.inbound(replyWebhook({ business: h.business, customer, id: "order", title: "Order a drink" }));
    const drinkList = h.api.accepted.at(-1)!;
    const current = await h.rawSession(customer);
    // A stale KV read: the session as it was at the welcome, while the sent record is already the drink list's.
    await h.storeSession(atWelcome!);
    const tap = replyWebhook({ business: h.business, customer, id: "latte", title: "Latte", contextUuid: drinkList.messageUuid });
    const res = await h.inbound(tap);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: string }).error, "ERR_SESSION_BEHIND");
    assert.equal(h.api.accepted.length, 2, "nothing sent on a stale read");
    // KV catches up; Vonage's redelivery is then taken as the answer it is.
    await h.storeSession(current!);
    assert.equal((await json(await h.inbound(tap)))["outcome"], "advanced");
    assert.deepEqual(
      (await h.session(customer))?.answers.map((a) => a.id),
      ["order", "latte"],
    );
  }),
  scenario("a tap on an old question after a restart is a stale tap, never a 503 and never an answer", { menus: [cafe], bind: "cafe" }, async ({ h, customer }) => {
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    await h.inbound(replyWebhook({ business: h.business, customer, id: "order", title: "Order a drink" }));
    const drinkList = h.api.accepted.at(-1)!;
    await h.inbound(textWebhook({ business: h.business, customer, text: "menu" }));
    const tap = await h.inbound(replyWebhook({ business: h.business, customer, id: "latte", title: "Latte", contextUuid: drinkList.messageUuid }));
    assert.equal(tap.status, 200);
    assert.equal((await json(tap))["outcome"], "stale");
    const session = await h.session(customer);
    assert.equal(session?.pending?.node, "welcome");
    assert.deepEqual(session?.answers, [], "the old drink list answers nothing in the new conversation");
  }),
  scenario("a 402 from the Messages API is redelivered until the balance is fixed; the step is owed, sent once", { wrote: true, menus: [delivery] }, async ({ h, customer }) => {
    await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    h.api.failNext({ status: 402 });
    const payload = seedButtonReply(h.business, customer, crypto.randomUUID());
    const res = await h.inbound(payload);
    assert.equal(res.status, 502);
    assert.equal(h.api.requests, 2, "a 402 is not retried");
    assert.equal((await h.session(customer))?.owed?.inbound, payload["message_uuid"]);
    assert.match(h.logs.join("\n"), /answered 402: Low balance/);
    const health = await h.request("/healthz");
    assert.equal(health.status, 503, "healthz reports the failing sends");
    assert.match(await health.text(), /402/);
    assert.equal((await h.inbound(payload)).status, 200, "the redelivery after a top-up sends it");
    assert.equal(h.api.accepted.filter((m) => m.body["message_type"] === "text").length, 1);
    assert.equal((await h.request("/healthz")).status, 200);
  }),
  scenario("a 422 from the Messages API is final: answered 200, recorded for the admin view, never redelivered in a loop", { menus: [cafe], bind: "cafe" }, async ({ h, customer }) => {
    h.api.failNext({ status: 422 });
    const res = await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(h.api.requests, 1, "a 422 is not retried");
    const view = (await (await h.admin("GET", `/admin/sessions/${h.business}/${customer}`)).json()) as { session: { pending: { failed?: { code?: string } } } };
    assert.equal(view.session.pending.failed?.code, "422");
    assert.match(h.logs.join("\n"), /422/);
    // The customer's next message gets the question again.
    const again = await h.inbound(textWebhook({ business: h.business, customer, text: "hello?" }));
    assert.equal((await json(again))["outcome"], "resent");
    assert.equal(h.api.accepted.length, 1);
  }),
  scenario("Vonage's own texts that quote a number written in groups are masked in the 502, the log lines and the admin view", { menus: [cafe], bind: "cafe" }, async ({ h, customer }) => {
    // A number as Vonage might quote it, in groups of another country's style; none of its groups may be shown whole.
    const quoted = "+33 6 12 34 56 78";
    const shown = /\+\*\* \* \*\* \*\* 56 78/;
    const whole = /6 12 34|12 34 56/;
    h.api.failNext({ status: 402, detail: `Low balance: cannot send to ${quoted}` });
    const hi = textWebhook({ business: h.business, customer, text: "hi" });
    const refused = await h.inbound(hi);
    assert.equal(refused.status, 502);
    const body = await refused.text();
    assert.match(body, shown, body);
    assert.doesNotMatch(body, whole);
    assert.match(h.logs.join("\n"), shown);
    assert.doesNotMatch(h.logs.join("\n"), whole);
    // The redelivery goes out; then WhatsApp refuses it, and the status's detail quotes the number too.
    assert.equal((await h.inbound(hi)).status, 200);
    const question = h.api.accepted.at(-1)!;
    const status = await h.status(
      statusWebhook({
        messageUuid: question.messageUuid,
        business: h.business,
        customer,
        status: "rejected",
        error: { type: "https://developer.vonage.com/api-errors/messages#1300", title: `Not a WhatsApp user: ${quoted}`, detail: `${quoted} has no WhatsApp account` },
      }),
    );
    assert.ok(status.ok, await status.clone().text());
    const view = await (await h.admin("GET", `/admin/sessions/${h.business}/${customer}`)).text();
    assert.match(view, shown, view);
    assert.doesNotMatch(view, whole);
    assert.doesNotMatch(h.logs.join("\n"), whole);
  }),
  scenario(
    "a status's WhatsApp error code (at most six digits) stays readable in the log line and the admin view; a number where the code goes stays masked",
    { menus: [cafe], bind: "cafe" },
    async ({ h, customer }) => {
      const failedOf = async (who: string) => {
        const view = await (await h.admin("GET", `/admin/sessions/${h.business}/${who}`)).text();
        return { view, failed: (JSON.parse(view) as { session: { pending: { failed?: Record<string, string> } } }).session.pending.failed };
      };
      const statusLines = () => h.logs.filter((l) => l.includes('"msg":"status"'));
      await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
      const question = h.api.accepted.at(-1)!.messageUuid;
      const detail = "Re-engagement message (#131047): more than 24 hours have passed since the customer last replied";
      const error = { type: "https://developer.vonage.com/api-errors/messages#131047", title: 131047, detail };
      assert.equal((await h.status(statusWebhook({ messageUuid: question, business: h.business, customer, status: "rejected", error }))).status, 204);
      const { failed } = await failedOf(customer);
      assert.equal(failed?.["code"], "131047");
      assert.equal(failed?.["detail"], detail);
      assert.match(statusLines().at(-1) ?? "", /"code":"131047"/);
      // Quoted in the status's own title, the code stays readable in the log line too.
      const third = newCustomer();
      await h.inbound(textWebhook({ business: h.business, customer: third, text: "hi" }));
      const titled = { type: "https://developer.vonage.com/api-errors/messages#131047", title: "Re-engagement message (#131047)" };
      assert.equal((await h.status(statusWebhook({ messageUuid: h.api.accepted.at(-1)!.messageUuid, business: h.business, customer: third, status: "rejected", error: titled }))).status, 204);
      assert.match(statusLines().at(-1) ?? "", /"code":"131047".*"title":"Re-engagement message \(#131047\)"/);

      // A number where Vonage's code or title goes is no code: masked in the view and the log line alike.
      const other = newCustomer();
      await h.inbound(textWebhook({ business: h.business, customer: other, text: "hi" }));
      const next = h.api.accepted.at(-1)!.messageUuid;
      const numbered = { type: `https://developer.vonage.com/api-errors/messages#${other}`, title: other, detail: `${other} (#131026) cannot receive this message` };
      assert.equal((await h.status(statusWebhook({ messageUuid: next, business: h.business, customer: other, status: "undeliverable", error: numbered }))).status, 204);
      const masked = await failedOf(other);
      assert.ok(!JSON.stringify(masked.failed).includes(other), masked.view);
      assert.match(masked.failed?.["code"] ?? "", /^\*+\d{4}$/);
      for (const line of h.logs) assert.ok(!line.includes(other), line);
      assert.match(statusLines().at(-1) ?? "", /"code":"\*+\d{4}"/);
    },
  ),
  scenario("a sender that is not a phone number is refused at the door", { menus: [delivery], bind: "delivery" }, async ({ h }) => {
    const res = await h.inbound(textWebhook({ business: h.business, customer: "0123", text: "hi" }));
    assert.equal(res.status, 400);
    assert.match(String((await json(res))["message"]), /\$\.from/);
    assert.equal(h.api.requests, 0);
  }),
  scenario("a status whose numbers are not phone numbers is a 400 naming the field, never a 500", { menus: [delivery], bind: "delivery" }, async ({ h, customer }) => {
    // Longer than a KV key may be, and not digits: the status of a failed send looks the customer's session up by them.
    for (const [business, to] of [
      [h.business, "9".repeat(3000)],
      ["business:number", customer],
      [h.business, "+44 7700 900123"],
    ] as const) {
      const res = await h.status(statusWebhook({ messageUuid: crypto.randomUUID(), business, customer: to, status: "rejected", error: { title: 1340 } }));
      assert.equal(res.status, 400, await res.clone().text());
      assert.match(String((await json(res))["message"]), /\$\.(to|from): must be a phone number/);
    }
    // A + before the number is Vonage's form too, as on inbound messages.
    const plus = await h.status(statusWebhook({ messageUuid: crypto.randomUUID(), business: `+${h.business}`, customer: `+${customer}`, status: "delivered" }));
    assert.equal(plus.status, 204);
  }),
  scenario("malformed bodies get a 400 that says what is wrong; oversized ones 413", {}, async ({ h, customer }) => {
    const notJson = await h.inbound({}, { raw: "{not json" });
    assert.equal(notJson.status, 400);
    assert.match(String((await json(notJson))["message"]), /not valid JSON/);

    const missing = await h.inbound({ to: h.business, from: customer, channel: "whatsapp", message_type: "text", text: "x" });
    assert.equal(missing.status, 400);
    assert.match(String((await json(missing))["message"]), /\$\.message_uuid/);

    const replyWithout = await h.inbound({ ...textWebhook({ business: h.business, customer, text: "x" }), message_type: "reply" });
    assert.equal(replyWithout.status, 400);
    assert.match(String((await json(replyWithout))["message"]), /\$\.reply/);

    const huge = await h.inbound({}, { raw: JSON.stringify({ pad: "x".repeat(70_000) }) });
    assert.equal(huge.status, 413);

    const status = await h.status({ hello: "world" });
    assert.equal(status.status, 400);
    assert.equal(h.api.requests, 0);
  }),
  scenario("a webhook in the Messages API v0.1 format gets a 400 that says to set the application's webhook version to v1", {}, async ({ h, customer }) => {
    const party = (number: string) => ({ type: "whatsapp", number });
    const base = { message_uuid: crypto.randomUUID(), timestamp: new Date(h.clock.now()).toISOString() };
    const inbound = await h.inbound({ ...base, to: party(h.business), from: party(customer), message: { content: { type: "text", text: "hi" } } });
    const status = await h.status({ ...base, to: party(customer), from: party(h.business), status: "rejected", error: { code: 1340, reason: "Outside of the allowed window" } });
    for (const res of [inbound, status]) {
      assert.equal(res.status, 400);
      const text = await res.text();
      assert.match(text, /v0\.1 format.*set the Vonage application's Messages webhook version to v1/);
      assert.ok(!text.includes(customer) && !text.includes(h.business), "the answer quotes no number");
    }
    assert.equal(h.api.requests, 0);
    assert.equal(await h.session(customer), null);
  }),
  scenario("unknown message types, other channels and reactions never break a conversation", { menus: [pills], bind: "pills" }, async ({ h, customer }) => {
    const sms = await h.inbound({ ...textWebhook({ business: h.business, customer, text: "hi" }), channel: "sms" });
    assert.equal((await json(sms))["outcome"], "ignored");
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    assert.equal(h.api.accepted.length, 1);
    const reaction = await h.inbound({ ...textWebhook({ business: h.business, customer, text: "" }), message_type: "reaction", reaction: { action: "react", emoji: "👍" } });
    assert.equal((await json(reaction))["outcome"], "ignored");
    const sticker = await h.inbound({
      ...textWebhook({ business: h.business, customer, text: "" }),
      message_type: "sticker",
      sticker: { url: "https://example.com/s.webp" },
      unknown_field: { deep: [1, 2] },
    });
    assert.equal(sticker.status, 200);
    assert.equal((await json(sticker))["outcome"], "not_an_answer");
    assertReasked(lastBody(h), seedListRequest(h.business, customer), /^Please tap one of the options, or type its number/);
    assert.equal((await h.session(customer))?.attempts, 0, "a picture or a sticker is no failed attempt");
    const status = await h.status(statusWebhook({ messageUuid: h.api.accepted[0]!.messageUuid, business: h.business, customer, status: "delivered" }));
    assert.equal(status.status, 204);
  }),
  scenario("a reply id the pending question does not offer, or free text that matches nothing, re-asks the question", { wrote: true, menus: [delivery] }, async ({ h, customer }) => {
    await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    const odd = await h.inbound(replyWebhook({ business: h.business, customer, id: "slot-9", title: "23:00" }));
    assert.equal((await json(odd))["outcome"], "reprompted");
    const typed = await h.inbound(textWebhook({ business: h.business, customer, text: "whenever" }));
    assert.equal((await json(typed))["outcome"], "reprompted");
    assert.equal(h.api.accepted.length, 3);
    for (const m of h.api.accepted.slice(1)) assertReasked(m.body, seedButtonRequest(h.business, customer), /^Sorry, I didn't catch that/);
    assert.equal((await h.session(customer))?.pending?.messageUuid, h.api.accepted[2]!.messageUuid);
  }),
  scenario("starting a flow needs the admin token and a real menu", { menus: [delivery] }, async ({ h, customer }) => {
    const none = await h.request("/flows/delivery/start", { method: "POST", body: JSON.stringify({ to: customer, from: h.business }) });
    assert.equal(none.status, 401);
    const wrong = await h.request("/flows/delivery/start", { method: "POST", headers: { Authorization: "Bearer wrong-token-wrong-token" }, body: "{}" });
    assert.equal(wrong.status, 401);
    const unknown = await h.admin("POST", "/flows/nope/start", { to: customer, from: h.business });
    assert.equal(unknown.status, 404);
    const bad = await h.admin("POST", "/flows/delivery/start", { to: "me", from: h.business });
    assert.equal(bad.status, 400);
    assert.match(String((await json(bad))["message"]), /to: must be the customer's number/);
    assert.equal(h.api.requests, 0);
  }),
  scenario("a start may carry the customer's name, for {{profile.name}} before they ever wrote", { wrote: true }, async ({ h, customer }) => {
    const greeting = {
      id: "greet",
      start: "q",
      nodes: { q: { type: "question", text: "Hi {{profile.name}}! Tea or coffee?", options: [{ id: "tea", title: "Tea", next: { text: "Tea it is, {{profile.name}}." } }] } },
    };
    assert.equal((await h.admin("PUT", "/admin/menus/greet", greeting)).status, 201);
    const bad = await h.admin("POST", "/flows/greet/start", { to: customer, from: h.business, profileName: "" });
    assert.equal(bad.status, 400);
    assert.match(String((await json(bad))["message"]), /profileName: must be a name/);
    const res = await h.admin("POST", "/flows/greet/start", { to: customer, from: h.business, profileName: "Ada" });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(interactiveOf(lastBody(h))?.body.text, "Hi Ada! Tea or coffee?");
    assert.equal((await h.session(customer))?.profileName, "Ada");
  }),
  scenario("a PKCS#1 key pasted with literal \\n signs JWTs the Messages API accepts", { wrote: true, menus: [delivery], harness: { pkcs1WithLiteralNewlines: true } }, async ({ h, customer }) => {
    const res = await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(h.api.accepted[0]!.claims["application_id"], h.applicationId);
  }),
  scenario("a missing setting fails with a generic 500 and a log line that names it, never a secret", { harness: { env: { VONAGE_PRIVATE_KEY: undefined } } }, async ({ h, customer }) => {
    const health = await h.request("/healthz");
    assert.equal(health.status, 500);
    const body = await health.text();
    assert.doesNotMatch(body, /VONAGE_PRIVATE_KEY/);
    const res = await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    assert.equal(res.status, 500);
    const logs = h.logs.join("\n");
    assert.match(logs, /VONAGE_PRIVATE_KEY is missing/);
    assert.ok(!logs.includes(h.signatureSecret) && !logs.includes(h.adminToken));
  }),
  scenario(
    "a key that is not a private key fails with a message that says how to fix it",
    { menus: [delivery], harness: { env: { VONAGE_PRIVATE_KEY: "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----" } } },
    async ({ h, customer }) => {
      const res = await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
      assert.equal(res.status, 500);
      assert.doesNotMatch(await res.text(), /PUBLIC KEY/);
      assert.match(h.logs.join("\n"), /holds a \\?"PUBLIC KEY\\?", not an RSA private key.*wrangler secret put VONAGE_PRIVATE_KEY/);
    },
  ),
  scenario("healthz answers when the configuration is complete", {}, async ({ h }) => {
    const res = await h.request("/healthz");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok" });
    const unknown = await h.request("/nope");
    assert.equal(unknown.status, 404);
  }),
];
