/**
 * Fault suite: hundreds of conversations on the example menus, driven through the product's own app with
 * seeded random faults in KV (put 429, stale reads) and in the Messages API (500, 429 with Retry-After,
 * timeouts), delivered the way Vonage delivers (duplicates, late copies, redelivery after 429/5xx).
 * It prints what it injected and asserts: no answer lost, no customer stuck, every question delivered at
 * least once, and exactly once for every customer whose session was never read stale.
 */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import cafe from "../../menus/cafe.json";
import delivery from "../../menus/delivery.json";
import pills from "../../menus/pills.json";
import { createApp } from "../../src/http/app.js";
import { menuRepo } from "../../src/store/menus.js";
import { optOutKey, sentKey, sessionKey, sessionRepo } from "../../src/store/sessions.js";
import { workersKv } from "../../src/store/workers-kv.js";
import { createFakeMessagesApi, type AcceptedMessage } from "../../sim/messages-api.js";
import { seededRandom } from "../../sim/random.js";
import { replyWebhook, signWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { faultyKv } from "../support/faulty-kv.js";
import { faultyMessages } from "../support/faulty-messages.js";
import { generateTestKeys } from "../support/keys.js";
import { timeline } from "../support/timeline.js";
import { vonageDelivery, type Delivery } from "../support/vonage-delivery.js";

const SEED = 20261130;
const CUSTOMERS_PER_MENU = 100;
/** Answers a customer gives at most (the cafe menu loops back to its start). */
const MAX_ANSWERS = 6;
const TYPED = 0.1;
const KV_FAULTS = { put429: 0.12, staleRead: 0.04 };
const API_FAULTS = { error500: 0.08, throttled429: 0.06, timeout: 0.04 };
const DUPLICATES = 0.15;

interface Customer {
  number: string;
  business: string;
  /** Reply ids the customer tapped, in order: the answers the session must hold. */
  replies: Array<{ uuid: string; id: string }>;
  acting: boolean;
  done: boolean;
}

interface Sent {
  delivery: Delivery;
  message: AcceptedMessage;
}

type Interactive = { type: "button" | "list"; action: { buttons?: Array<{ reply: { id: string; title: string } }>; sections?: Array<{ rows: Array<{ id: string; title: string }> }> } };
const interactiveOf = (m: AcceptedMessage) => (m.body["message_type"] === "custom" ? (m.body["custom"] as { interactive: Interactive }).interactive : null);
const optionsOf = (i: Interactive) => (i.type === "button" ? i.action.buttons!.map((b) => b.reply) : i.action.sections!.flatMap((s) => s.rows));

it("survives seeded KV, Messages API and delivery faults across 300 conversations", { timeout: 600_000 }, async () => {
  const rng = { ties: seededRandom(SEED), kv: seededRandom(SEED + 1), api: seededRandom(SEED + 2), delivery: seededRandom(SEED + 3), people: seededRandom(SEED + 4), ids: seededRandom(SEED + 5) };
  const keys = await generateTestKeys();
  const applicationId = crypto.randomUUID();
  const signatureSecret = rng.ids.uuid() + rng.ids.uuid();
  const clock = timeline(Date.now(), rng.ties);
  // The product's backoff jitter, seeded, so a failing run replays exactly.
  const jitter = seededRandom(SEED + 6);
  const random = { uuid: () => crypto.randomUUID(), float: () => jitter.next() };

  const sessionsKv = faultyKv(env.SESSIONS, KV_FAULTS, rng.kv);
  const phones = new Map<string, AcceptedMessage[]>();
  const sent: Sent[] = [];
  let current: Delivery | null = null;
  const api = createFakeMessagesApi({
    applicationId,
    publicKey: keys.publicKey,
    uuid: () => rng.ids.uuid(),
    onAccepted: (message) => {
      sent.push({ delivery: current!, message });
      const to = String(message.body["to"]);
      phones.set(to, [...(phones.get(to) ?? []), message]);
      const customer = customers.get(to);
      if (customer !== undefined && interactiveOf(message) !== null) react(customer);
    },
  });
  const messages = faultyMessages(api, API_FAULTS, rng.api);
  const logs: Array<Record<string, unknown> & { delivery: Delivery | null }> = [];
  const app = createApp({
    env: { VONAGE_APPLICATION_ID: applicationId, VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: signatureSecret, VONAGE_API_URL: "https://api.nexmo.test" },
    stores: { menus: workersKv(env.MENUS, { sleep: clock.sleep, random }), sessions: workersKv(sessionsKv, { sleep: clock.sleep, random }) },
    fetch: messages.fetch,
    now: clock.now,
    sleep: clock.sleep,
    random,
    log: (line) => void logs.push({ ...line, delivery: current }),
  });

  const answers: Array<{ delivery: Delivery; status: number; outcome: string | null }> = [];
  async function post(body: string): Promise<Response> {
    const authorization = await signWebhook(body, signatureSecret, { iat: Math.floor(clock.now() / 1000) });
    return app.fetch(new Request("https://worker.test/webhooks/inbound", { method: "POST", headers: { "Content-Type": "application/json", Authorization: authorization }, body }));
  }
  const vonage = vonageDelivery({
    timeline: clock,
    rng: rng.delivery,
    duplicates: DUPLICATES,
    maxDelayMs: 3_000,
    send: async (d) => {
      current = d;
      try {
        const res = await post(d.body);
        const json = (await res.json()) as { outcome?: string };
        answers.push({ delivery: d, status: res.status, outcome: json.outcome ?? null });
        return res.status;
      } finally {
        current = null;
      }
    },
  });

  // The customers: each writes "hi", then answers whatever question their phone shows last (the cafe's "Talk to us"
  // hands a customer over to a person: no question follows, and what they write later is relayed).
  const menus = [cafe, delivery, pills];
  const customers = new Map<string, Customer>();
  const repo = menuRepo(workersKv(env.MENUS, { sleep: clock.sleep }));
  for (const [m, menu] of menus.entries()) {
    const business = `4420700000${m + 1}`;
    await repo.publish(menu, new Date(clock.now()).toISOString());
    await repo.bind(business, menu.id);
    for (let i = 0; i < CUSTOMERS_PER_MENU; i++) {
      const c: Customer = { number: `447${m + 1}${String(i).padStart(8, "0")}`, business, replies: [], acting: true, done: false };
      customers.set(c.number, c);
      clock.after(rng.people.int(600_000), async () => {
        c.acting = false;
        vonage.post({
          uuid: rng.ids.uuid(),
          customer: c.number,
          body: JSON.stringify(textWebhook({ business, customer: c.number, messageUuid: rng.ids.uuid(), text: "hi", timestamp: new Date(clock.now()).toISOString() })),
        });
      });
    }
  }
  function react(c: Customer) {
    if (c.acting || c.done) return;
    c.acting = true;
    clock.after(3_000 + rng.people.int(27_000), async () => {
      c.acting = false;
      const last = phones.get(c.number)!.at(-1)!;
      const question = interactiveOf(last);
      if (question === null || c.replies.length >= MAX_ANSWERS) return void (c.done = true);
      const uuid = rng.ids.uuid();
      // WhatsApp's timestamp is when the customer wrote: the simulated clock's now.
      const base = { business: c.business, customer: c.number, messageUuid: uuid, timestamp: new Date(clock.now()).toISOString() };
      if (rng.people.chance(TYPED)) return vonage.post({ uuid, customer: c.number, body: JSON.stringify(textWebhook({ ...base, text: "sorry, what?" })) });
      const option = rng.people.pick(optionsOf(question));
      c.replies.push({ uuid, id: option.id });
      vonage.post({ uuid, customer: c.number, body: JSON.stringify(replyWebhook({ ...base, id: option.id, title: option.title })) });
    });
  }

  const events = await clock.run(200_000);

  // What happened, for the reader of the test output.
  const byUuid = new Map<string, Sent[]>();
  for (const s of sent) byUuid.set(s.delivery.uuid, [...(byUuid.get(s.delivery.uuid) ?? []), s]);
  const questionDeliveries = (uuid: string) => new Set((byUuid.get(uuid) ?? []).filter((s) => interactiveOf(s.message) !== null).map((s) => s.delivery.id)).size;
  const repeatedQuestions = [...byUuid.keys()].filter((u) => questionDeliveries(u) > 1);
  const repeatedTexts = [...byUuid.values()].filter((list) => new Set(list.filter((s) => interactiveOf(s.message) === null).map((s) => s.delivery.id)).size > 1).length;
  // A question that went out, then a session write refused on every retry: the 503 makes Vonage redeliver.
  const writeLost = new Set(logs.filter((l) => l["code"] === "ERR_STORE_UNAVAILABLE" && l.delivery !== null && sent.some((s) => s.delivery === l.delivery)).map((l) => l.delivery!.customer));
  // Any of the customer's keys (session, sent record, opt-out) served stale.
  const keysOf = (c: Customer) => [sessionKey(c.business, c.number), sentKey(c.business, c.number), optOutKey(c.business, c.number)];
  const staleCustomers = new Set([...customers.values()].filter((c) => keysOf(c).some((k) => sessionsKv.staleKeys.has(k))).map((c) => c.number));
  const statuses: Record<number, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  console.log(
    JSON.stringify(
      {
        seed: SEED,
        conversations: customers.size,
        events,
        deliveries: vonage.counts,
        statuses,
        injected: { kv: sessionsKv.counts, messagesApi: messages.counts },
        sent: { messages: sent.length, repeatedQuestions: repeatedQuestions.length, repeatedTexts },
        customers: { sessionReadStale: staleCustomers.size, sessionWriteLostAfterSend: writeLost.size },
      },
      null,
      2,
    ),
  );

  // Nothing was injected by halves: every kind of fault happened, many times.
  for (const n of [
    sessionsKv.counts.put429,
    sessionsKv.counts.staleRead,
    messages.counts.error500,
    messages.counts.throttled429,
    messages.counts.timeout,
    vonage.counts.duplicatesPosted,
    vonage.counts.redeliveries,
  ])
    expect(n).toBeGreaterThan(10);
  // Never a 500 or a 4xx: only answers (200) and "try again" (503), and Vonage never had to give up.
  expect(Object.keys(statuses).sort()).toEqual(expect.arrayContaining(["200"]));
  expect(Object.keys(statuses).filter((s) => s !== "200" && s !== "503")).toEqual([]);
  expect(vonage.counts.gaveUp).toBe(0);
  const answered = new Set(answers.filter((a) => a.status === 200).map((a) => a.delivery.uuid));
  for (const uuid of new Set(answers.map((a) => a.delivery.uuid))) expect(answered.has(uuid), `message ${uuid} was never answered 200`).toBe(true);

  const sessions = sessionRepo(workersKv(env.SESSIONS, { sleep: clock.sleep }));
  const firstOutcome = new Map<string, string>();
  for (const a of answers) if (a.status === 200 && !firstOutcome.has(a.delivery.uuid)) firstOutcome.set(a.delivery.uuid, a.outcome!);
  let strict = 0;
  let reasked = 0;
  for (const c of customers.values()) {
    const session = await sessions.view(c.business, c.number);
    const phone = phones.get(c.number) ?? [];
    const lastQuestion = phone.filter((m) => interactiveOf(m) !== null).at(-1);
    expect(session, `customer ${c.number} has a session`).not.toBeNull();

    // At least once: the question the session waits on is the last one the customer received.
    if (session!.pending !== null) expect(session!.pending.messageUuid, `customer ${c.number} waits on a question they got`).toBe(lastQuestion?.messageUuid);
    else expect(interactiveOf(phone.at(-1)!), `customer ${c.number} got the closing message last`).toBeNull();

    const asked = (uuid: string) => firstOutcome.get(uuid);
    if (!staleCustomers.has(c.number) && !writeLost.has(c.number)) {
      strict++;
      // No answer lost: the session holds every answer the customer tapped, in order.
      expect(
        session!.answers.map((a) => a.id),
        `answers of ${c.number}`,
      ).toEqual(c.replies.map((r) => r.id));
      // Exactly once: each message the customer wrote got its question once, however often it was delivered.
      for (const uuid of new Set(answers.filter((a) => a.delivery.customer === c.number).map((a) => a.delivery.uuid))) {
        // Outcomes that (re)send a question; the others (completed, gave_up, duplicate, ...) send none.
        // A redelivery ("resent") performs what its first attempt left owed: the question, or only what came after it.
        const outcome = asked(uuid)!;
        const expected = ["started", "advanced", "reprompted", "stale", "superseded", "not_an_answer", "rewound", "back"].includes(outcome) ? 1 : 0;
        if (outcome === "resent") expect(questionDeliveries(uuid), `questions sent for message ${uuid} of ${c.number} (resent)`).toBeLessThanOrEqual(1);
        else expect(questionDeliveries(uuid), `questions sent for message ${uuid} of ${c.number} (${outcome})`).toBe(expected);
      }
    } else {
      // A session read stale is written back from that old state (KV has no compare-and-set): an answer can
      // drop out of the record. Never silently: the customer is asked a question in reply, and answers again.
      for (const r of c.replies) {
        if (session!.answers.some((a) => a.id === r.id)) continue;
        reasked++;
        const firstReply = sent.findIndex((s) => s.delivery.uuid === r.uuid);
        const askedAgain = firstReply >= 0 && sent.slice(firstReply).some((s) => s.delivery.customer === c.number && interactiveOf(s.message) !== null);
        expect(askedAgain, `answer ${r.id} of ${c.number} is neither recorded nor asked again`).toBe(true);
      }
    }
  }
  console.log(`held to exactly once: ${strict} customers; read stale or write lost: ${customers.size - strict}, of whose answers ${reasked} were asked again`);
  expect(strict, "most customers are held to exactly once").toBeGreaterThan(customers.size / 2);

  // No customer stuck: with the faults gone, everyone's next tap on the question they see is taken.
  sessionsKv.enabled = false;
  messages.enabled = false;
  for (const c of customers.values()) {
    const session = (await sessions.view(c.business, c.number))!;
    const lastQuestion = phones
      .get(c.number)!
      .filter((m) => interactiveOf(m) !== null)
      .at(-1)!;
    const base = { business: c.business, customer: c.number, messageUuid: rng.ids.uuid(), timestamp: new Date(clock.now()).toISOString() };
    const body = session.pending === null ? textWebhook({ ...base, text: "hi again" }) : replyWebhook({ ...base, ...optionsOf(interactiveOf(lastQuestion)!)[0]! });
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(200);
    const { outcome } = (await res.json()) as { outcome: string };
    const onwards = session.handover !== undefined ? ["relayed"] : session.pending === null ? ["started"] : ["advanced", "completed"];
    expect(onwards, `customer ${c.number} moves on`).toContain(outcome);
  }
});
