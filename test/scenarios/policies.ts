/** Scenarios of conversations as customers have them: typed answers, stale taps, commands, answers delivered. */
import assert from "node:assert/strict";
import cafe from "../../menus/cafe.json" with { type: "json" };
import delivery from "../../menus/delivery.json" with { type: "json" };
import pills from "../../menus/pills.json" with { type: "json" };
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { replyWebhook, statusWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { parseMenu } from "../../src/menus/compile.js";
import type { CompiledNode } from "../../src/menus/compiled.js";
import { newCustomer, scenario, uploadMenu, type Harness, type MenuDoc, type Scenario } from "./harness.js";

/** A customer of `h.business`, with helpers to type and tap. */
function customerOf(h: Harness, profileName?: string) {
  const customer = newCustomer();
  const base = { business: h.business, customer, ...(profileName === undefined ? {} : { profileName }) };
  const outcome = async (res: Response) => {
    assert.equal(res.status, 200, await res.clone().text());
    return String(((await res.json()) as { outcome: string }).outcome);
  };
  return {
    customer,
    type: async (text: string) => outcome(await h.inbound(textWebhook({ ...base, text }))),
    tap: async (id: string, title = id, contextUuid?: string) => outcome(await h.inbound(replyWebhook({ ...base, id, title, ...(contextUuid === undefined ? {} : { contextUuid }) }))),
    session: () => h.session(customer),
  };
}

const last = (h: Harness) => h.api.accepted.at(-1)!.body as Record<string, any>;
const lastBodyText = (h: Harness) => String(last(h)["custom"]?.interactive.body.text ?? last(h)["text"]);
const lastQuestionRows = (h: Harness) => (last(h)["custom"].interactive.action.sections ?? []).flatMap((s: any) => s.rows.map((r: any) => r.id));

/** Uploads a menu as the business does and binds the business number to it. */
async function setup(h: Harness, menu: MenuDoc, id: string) {
  await uploadMenu(h, menu);
  await h.bind(h.business, id);
}

/** Standard Webhooks verification, written from the spec: HMAC-SHA256 over `id.timestamp.body`, base64. */
async function verifyStandardWebhook(secret: string, headers: Record<string, string>, body: string): Promise<boolean> {
  const key = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(signed)));
  const expected = `v1,${btoa(String.fromCharCode(...mac))}`;
  return (headers["webhook-signature"] ?? "").split(" ").includes(expected);
}

/** The same check by the standardwebhooks package, which a receiver would use: no verifier written next to the signer. */
function verifiedByStandardWebhooks(secret: string, headers: Record<string, string>, body: string): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return false;
    throw error;
  }
}

export const policyScenarios: Scenario[] = [
  scenario("typed answers: a number, a title in any case and spacing, a synonym, accents; nonsense is re-asked", { menus: [cafe], upload: true, bind: "cafe" }, async ({ h }) => {
    const c = customerOf(h);
    assert.equal(await c.type("hi"), "started");
    assert.equal(await c.type("1"), "advanced", "1 is the first button, Order a drink");
    assert.deepEqual(lastQuestionRows(h), ["espresso", "flat-white", "latte", "green-tea", "chai"]);
    assert.equal(await c.type("  FLAT   white. "), "advanced");
    assert.equal(await c.type("what?"), "reprompted");
    assert.match(lastBodyText(h), /^Sorry, I didn't catch that\. Please tap one of the options, or type its number\.\n\nWhich size\?$/);
    assert.equal(await c.type("big"), "advanced", "a synonym of Large");
    assert.deepEqual(
      (await c.session())?.answers.map((a) => [a.node, a.id, a.title]),
      [
        ["welcome", "order", "Order a drink"],
        ["drink", "flat-white", "Flat white"],
        ["size", "large", "Large"],
      ],
    );

    await setup(h, pills, "pills");
    const p = customerOf(h);
    await p.type("hi");
    assert.equal(await p.type("  red "), "advanced");
    assert.match(lastBodyText(h), /^The red pill/);

    const accents = {
      id: "desserts",
      start: "q",
      nodes: {
        q: {
          type: "question",
          text: "Dessert?",
          options: [
            { id: "cb", title: "Crème brûlée", next: { text: "Good choice: {{answers.q.title}}" } },
            { id: "no", title: "None", next: { text: "OK" } },
          ],
        },
      },
    };
    await setup(h, accents, "desserts");
    const d = customerOf(h);
    await d.type("hello");
    assert.equal(await d.type("creme brulee"), "completed");
    assert.equal(last(h)["text"], "Good choice: Crème brûlée");
  }),
  scenario("typed answers: where the options are numbers, a typed number is the option of that title, never the one at that position", {}, async ({ h }) => {
    const party = {
      id: "party",
      start: "people",
      nodes: {
        people: {
          type: "question",
          text: "A table for how many?",
          options: [
            { id: "two", title: "2", next: "kids" },
            { id: "four", title: "4", next: "kids" },
            { id: "six", title: "6", next: "kids" },
          ],
        },
        kids: {
          type: "input",
          text: "How many high chairs: 0, 1 or 3?",
          var: "chairs",
          validate: { type: "choice", values: ["0", "1", "3"] },
          next: { text: "{{answers.people.title}} people, {{vars.chairs}} chairs." },
        },
      },
    };
    await setup(h, party, "party");
    const c = customerOf(h);
    await c.type("hi");
    // "3" is no option's title: taken as the third option (6 people) it would book what the customer did not say.
    assert.equal(await c.type("3"), "reprompted");
    assert.equal(await c.type("2"), "advanced", "2 is the option titled 2, not the second one (4)");
    assert.equal(await c.type("2"), "reprompted", "2 is no choice's value; the second value would be 1");
    assert.equal(await c.type("3"), "completed");
    assert.equal(last(h)["text"], "2 people, 3 chairs.");
    assert.deepEqual(
      (await c.session())?.answers.map((a) => [a.node, a.id]),
      [
        ["people", "two"],
        ["kids", "3"],
      ],
    );
  }),
  scenario("typed answers: after the attempt limit the conversation ends politely, or goes to the menu's fallback", { menus: [delivery], upload: true, bind: "delivery" }, async ({ h }) => {
    const c = customerOf(h);
    await c.type("hi");
    assert.equal(await c.type("whenever"), "reprompted");
    assert.equal(await c.type("tomorrow"), "reprompted");
    assert.equal(await c.type("noon?"), "gave_up");
    assert.equal(last(h)["text"], 'Sorry, we could not work that out. Write "menu" to start again.');
    assert.equal((await c.session())?.pending, null);
    assert.equal(await c.type("menu"), "started");

    const withFallback = {
      ...structuredClone(delivery),
      id: "delivery2",
      settings: { maxAttempts: 2, fallback: "human", texts: { reprompt: "Please pick a time slot." } },
      nodes: { ...structuredClone(delivery).nodes, human: { type: "text", text: "Let us call you to arrange a time." } },
    };
    await setup(h, withFallback, "delivery2");
    const f = customerOf(h);
    await f.type("hi");
    assert.equal(await f.type("?"), "reprompted");
    assert.match(lastBodyText(h), /^Please pick a time slot\.\n\n/);
    assert.equal(await f.type("??"), "gave_up");
    assert.equal(last(h)["text"], "Let us call you to arrange a time.");
  }),
  scenario("stale taps, reprompt policy: the menu says it moved on and asks the current question", { menus: [cafe], upload: true, bind: "cafe" }, async ({ h }) => {
    const c = customerOf(h);
    await c.type("hi");
    await c.tap("order", "Order a drink");
    const sent = h.api.accepted.length;
    assert.equal(await c.tap("hours", "Opening hours"), "stale", "a button of the first question");
    assert.equal(h.api.accepted.length, sent + 1);
    assert.match(lastBodyText(h), /^That question has already been answered\. Here is where we are now:\n\nWhich drink would you like\?$/);
    assert.equal((await c.session())?.pending?.node, "drink");
    assert.equal(await c.tap("latte", "Latte"), "advanced");
  }),
  scenario(
    "stale taps, rewind policy: the earlier question is answered again and later answers are dropped",
    { menus: [{ ...structuredClone(cafe), settings: { ...cafe.settings, staleTaps: "rewind" } }], upload: true, bind: "cafe" },
    async ({ h }) => {
      const c = customerOf(h);
      await c.type("hi");
      await c.tap("order", "Order a drink");
      await c.tap("espresso", "Espresso");
      assert.equal(await c.tap("latte", "Latte"), "rewound", "a row of the list, after the list was answered");
      assert.equal((await c.session())?.pending?.node, "size");
      assert.deepEqual(
        (await c.session())?.answers.map((a) => a.id),
        ["order", "latte"],
      );
      assert.equal(await c.tap("hours", "Opening hours"), "rewound");
      assert.equal(h.api.accepted.at(-2)!.body["text"], "We are open every day from 7:00 to 19:00, holidays included.");
      assert.equal((await c.session())?.pending?.node, "welcome");
      assert.deepEqual(
        (await c.session())?.answers.map((a) => a.id),
        ["hours"],
      );
    },
  ),
  scenario("a reply id shared by two questions: context.message_uuid tells which was answered", {}, async ({ h }) => {
    const menu = {
      id: "twice",
      start: "q1",
      nodes: {
        q1: {
          type: "question",
          text: "Is this your first order?",
          options: [
            { id: "yes", title: "Yes", next: "q2" },
            { id: "no", title: "No", next: "q2" },
          ],
        },
        q2: {
          type: "question",
          text: "Do you want a receipt?",
          options: [
            { id: "yes", title: "Yes", next: { text: "Receipt on its way." } },
            { id: "no", title: "No", next: { text: "No receipt." } },
          ],
        },
      },
    };
    const put = (await (await h.admin("PUT", "/admin/menus/twice", menu)).json()) as { warnings: Array<{ message: string }> };
    assert.ok(
      put.warnings.some((w) => /reply id "yes" is also used by question "q1"/.test(w.message)),
      "the linter warns",
    );
    await h.bind(h.business, "twice");
    const c = customerOf(h);
    await c.type("hi");
    const q1 = h.api.accepted.at(-1)!.messageUuid;
    await c.tap("no", "No", q1);
    assert.equal(await c.tap("yes", "Yes", q1), "stale", "a late tap on q1's Yes is not taken as q2's Yes");
    const q2again = h.api.accepted.at(-1)!.messageUuid;
    assert.equal(await c.tap("yes", "Yes", q2again), "completed");
    assert.equal(last(h)["text"], "Receipt on its way.");
  }),
  scenario("a tap after the session expired says the conversation ended, never starts a menu; typing starts afresh", { menus: [pills], upload: true, bind: "pills" }, async ({ h }) => {
    const c = customerOf(h);
    await c.type("hi");
    await c.tap("row1", "Red");
    await h.expireSession(c.customer);
    // A fresh tap with no session at all is more likely a read KV has not caught up with: sent back first.
    const fresh = await h.inbound(replyWebhook({ business: h.business, customer: c.customer, id: "red-yes", title: "Yes, I'm sure" }));
    assert.equal(fresh.status, 503);
    const old = new Date(Date.now() - 3 * 60_000).toISOString();
    const late = await h.inbound(replyWebhook({ business: h.business, customer: c.customer, id: "red-yes", title: "Yes, I'm sure", timestamp: old }));
    assert.equal(((await late.json()) as { outcome: string }).outcome, "ended");
    assert.match(last(h)["text"], /That conversation has ended\. Write "menu" to start again/);
    assert.equal(await c.type("menu"), "started");
    assert.equal(last(h)["custom"].interactive.type, "list");
    assert.equal(h.api.rejected.length, 0);
  }),
  scenario(
    "after an admin reset a tap on an older button is told at once that the conversation ended; typing starts afresh, in the window the customer opened",
    { menus: [pills], upload: true, bind: "pills" },
    async ({ h }) => {
      const c = customerOf(h);
      await c.type("hi");
      await c.tap("row1", "Red");
      const before = await c.session();
      assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${c.customer}`)).status, 204);
      const forgotten = await c.session();
      assert.deepEqual([forgotten?.pending, forgotten?.answers, forgotten?.lastInboundAt], [null, [], before?.lastInboundAt], "the conversation is forgotten, the window kept");
      // Not a read KV has not caught up with (that is answered 503 for two minutes): the worker knows it forgot it.
      const tap = await h.inbound(replyWebhook({ business: h.business, customer: c.customer, id: "red-yes", title: "Yes, I'm sure" }));
      assert.equal(((await tap.json()) as { outcome: string }).outcome, "ended");
      assert.match(last(h)["text"], /That conversation has ended\. Write "menu" to start again/);
      assert.equal(await c.type("hi"), "started");
      assert.equal(last(h)["custom"].interactive.type, "list");
      assert.equal((await c.session())?.answers.length, 0);
    },
  ),
  scenario("menu versions stored compiled by older releases: the format before is taken with its new default, older ones are compiled again", {}, async ({ h }) => {
    // cafe as releases before texts.noBack stored it: compiled in an older format, without that text, and with a
    // first question that says which form the worker used (the stored form, or its document compiled again).
    const stored = (id: string, format: number) => {
      const compiled = parseMenu({ ...cafe, id });
      const { noBack: _, ...texts } = compiled.settings.texts;
      const first = compiled.nodes[compiled.start] as Extract<CompiledNode, { kind: "question" }>;
      const marked = { ...first, interactive: { ...first.interactive, body: { text: "Hi from the stored form!" } } };
      return { ...compiled, format, settings: { ...compiled.settings, texts }, nodes: { ...compiled.nodes, [compiled.start]: marked } };
    };
    const at = new Date().toISOString();
    const said: string[] = [];
    for (const [id, format] of [
      ["cafe-five", 5],
      ["cafe-four", 4],
    ] as const) {
      await h.storeMenuRecord(`menu:${id}@1`, { menu: { ...cafe, id }, compiled: stored(id, format), publishedAt: at, publish: "older-release" });
      await h.storeMenuRecord(`menu:${id}`, { id, current: 1, latest: 1, updatedAt: at });
      await h.bind(h.business, id);
      const c = customerOf(h);
      assert.equal(await c.type("hi"), "started");
      assert.equal(await c.type("back"), "back");
      said.push(lastBodyText(h));
    }
    assert.deepEqual(said, [
      // Format 5 lacked only texts.noBack: its stored form is used (no compiler on the webhook path), with the default.
      "There is nothing to go back to from here.\n\nHi from the stored form!",
      // Format 4: compiled again from its document.
      "There is nothing to go back to from here.\n\nHi! What can we do for you today?",
    ]);
  }),
  scenario("commands: restart, back, stop then start; the opt-out survives a new conversation", { menus: [cafe], upload: true, bind: "cafe" }, async ({ h }) => {
    const c = customerOf(h);
    await c.type("hi");
    await c.tap("order", "Order a drink");
    await c.tap("chai", "Chai latte");
    assert.equal(await c.type("Back"), "back");
    assert.equal((await c.session())?.pending?.node, "drink");
    assert.deepEqual(
      (await c.session())?.answers.map((a) => a.id),
      ["order"],
    );
    assert.equal(await c.type("back"), "back");
    assert.equal((await c.session())?.pending?.node, "welcome");
    assert.equal(await c.type("back"), "back", "nothing before the first question: it is asked again");
    assert.match(lastBodyText(h), /^There is nothing to go back to from here\.\n\nHi! What can we do for you today\?$/, "saying why it is asked again");
    await c.tap("order", "Order a drink");
    assert.equal(await c.type("MENU"), "started");
    assert.deepEqual((await c.session())?.answers, []);

    const before = h.api.accepted.length;
    assert.equal(await c.type("stop"), "stopped");
    assert.equal(last(h)["text"], 'You will not get any more messages from us. Write "start" if you change your mind.');
    assert.equal(await c.type("hi"), "opted_out");
    assert.equal(await c.tap("order", "Order a drink"), "opted_out");
    const started = await h.admin("POST", "/flows/cafe/start", { to: c.customer, from: h.business });
    assert.equal(started.status, 409, "the business cannot start a new conversation either");
    assert.equal(h.api.accepted.length, before + 1, "only the stop confirmation went out");
    assert.equal(await c.type("start"), "started");
    assert.equal((await c.session())?.optedOut, undefined);
    assert.equal((await h.admin("POST", "/flows/cafe/start", { to: c.customer, from: h.business })).status, 200);
  }),
  scenario("commands: unsubscribe opts out as stop does, and a typed restart starts over as menu does", { menus: [cafe], upload: true, bind: "cafe" }, async ({ h }) => {
    const c = customerOf(h);
    await c.type("hi");
    await c.tap("order", "Order a drink");
    assert.equal((await c.session())?.pending?.node, "drink");
    assert.equal(await c.type("Restart"), "started");
    assert.equal((await c.session())?.pending?.node, "welcome");
    assert.deepEqual((await c.session())?.answers, [], "the answers given before the restart are gone");
    assert.equal(lastBodyText(h), "Hi! What can we do for you today?");

    const before = h.api.accepted.length;
    assert.equal(await c.type("unsubscribe"), "stopped");
    assert.equal(last(h)["text"], 'You will not get any more messages from us. Write "start" if you change your mind.');
    assert.equal(await c.type("hi"), "opted_out");
    const refused = await h.admin("POST", "/flows/cafe/start", { to: c.customer, from: h.business });
    assert.equal(refused.status, 409, await refused.clone().text());
    assert.equal(((await refused.json()) as { error: string }).error, "ERR_OPTED_OUT");
    assert.equal(h.api.accepted.length, before + 1, "only the opt-out's confirmation went out");
    assert.equal(await c.type("start"), "started");
    assert.equal((await h.admin("POST", "/flows/cafe/start", { to: c.customer, from: h.business })).status, 200);
  }),
  scenario("settings.commands replaces a command's default words, but a menu's stop words add to STOP and unsubscribe, which opt out under every menu", {}, async ({ h }) => {
    const menu = {
      id: "tienda",
      start: "q",
      settings: { commands: { stop: ["parar"], restart: ["inicio"] } },
      nodes: {
        q: {
          type: "question",
          text: "¿Té o café?",
          options: [
            { id: "te", title: "Té", next: { text: "Un té." } },
            { id: "cafe", title: "Café", next: { text: "Un café." } },
          ],
        },
      },
    };
    await setup(h, menu, "tienda");
    const c = customerOf(h);
    assert.equal(await c.type("hola"), "started");
    assert.equal(await c.type("restart"), "reprompted", "a restart word the menu replaced is no command under it");
    assert.equal(await c.type("inicio"), "started");
    assert.equal(await c.type("back"), "back", "the commands the menu does not name keep their defaults");
    const before = h.api.accepted.length;
    assert.equal(await c.type("PARAR"), "stopped");
    assert.equal(await c.type("hola"), "opted_out");
    assert.equal((await h.admin("POST", "/flows/tienda/start", { to: c.customer, from: h.business })).status, 409);
    assert.equal(h.api.accepted.length, before + 1, "only the opt-out's confirmation went out");
    // Another customer types the default word: opted out all the same.
    const d = customerOf(h);
    assert.equal(await d.type("hola"), "started");
    assert.equal(await d.type("Stop"), "stopped");
    assert.equal((await h.admin("POST", "/flows/tienda/start", { to: d.customer, from: h.business })).status, 409);
  }),
  scenario("a raw interactive question's synonyms pick their reply id, and its own reprompt answers anything else (not texts.reprompt)", {}, async ({ h }) => {
    const menu = {
      id: "confirm",
      start: "q",
      settings: { texts: { reprompt: "The menu's own re-prompt." } },
      nodes: {
        q: {
          type: "question",
          interactive: {
            type: "button",
            body: { text: "Shall we book it?" },
            action: {
              buttons: [
                { type: "reply", reply: { id: "yes", title: "Yes" } },
                { type: "reply", reply: { id: "no", title: "No" } },
              ],
            },
          },
          next: { yes: { text: "Booked." }, no: { text: "Not booked." } },
          synonyms: { yes: ["yep", "go ahead"], no: ["nope"] },
          reprompt: "Yes or no, please.",
        },
      },
    };
    await setup(h, menu, "confirm");
    const c = customerOf(h);
    assert.equal(await c.type("hi"), "started");
    assert.equal(await c.type("maybe"), "reprompted");
    assert.equal(lastBodyText(h), "Yes or no, please.\n\nShall we book it?");
    assert.equal(await c.type("Go  ahead"), "completed");
    assert.equal(last(h)["text"], "Booked.");
    assert.deepEqual(
      (await c.session())?.answers.map((a) => [a.node, a.id, a.title]),
      [["q", "yes", "Yes"]],
    );
    const d = customerOf(h);
    await d.type("hi");
    assert.equal(await d.type("nope"), "completed");
    assert.equal(last(h)["text"], "Not booked.");
  }),
  scenario(
    "invisible marks an RTL keyboard or a copy adds (LRM, RLM, zero-width space, word joiner) do not hide a command or an answer",
    { menus: [cafe], upload: true, bind: "cafe" },
    async ({ h }) => {
      const c = customerOf(h);
      assert.equal(await c.type("hi"), "started");
      assert.equal(await c.type("\u200f1\u200e"), "advanced", "the first button, typed with direction marks around it");
      assert.equal(await c.type("Flat\u200b white"), "advanced", "a title with a zero-width space in it");
      const before = h.api.accepted.length;
      assert.equal(await c.type("\u200eSTOP\u2060"), "stopped", "an opt-out with a left-to-right mark and a word joiner");
      assert.equal(await c.type("hi"), "opted_out");
      assert.equal((await h.admin("POST", "/flows/cafe/start", { to: c.customer, from: h.business })).status, 409);
      assert.equal(h.api.accepted.length, before + 1, "only the stop confirmation went out");
    },
  ),
  scenario("an option's number typed in Arabic-Indic or Persian digits picks that option", { menus: [cafe], upload: true, bind: "cafe" }, async ({ h }) => {
    const c = customerOf(h);
    assert.equal(await c.type("hi"), "started");
    assert.equal(await c.type("\u0661"), "advanced", "Arabic-Indic one: the first button");
    assert.equal(await c.type("\u06f2"), "advanced", "Persian two: the second row");
    assert.deepEqual(
      (await c.session())?.answers.map((a) => a.id),
      ["order", "flat-white"],
    );
  }),
  scenario("a stop from a customer no conversation or menu knows is still remembered", {}, async ({ h }) => {
    const c = customerOf(h);
    assert.equal(await c.type("STOP"), "stopped");
    await setup(h, delivery, "delivery");
    assert.equal(await c.type("hi"), "opted_out");
    assert.equal((await h.admin("POST", "/flows/delivery/start", { to: c.customer, from: h.business })).status, 409);
  }),
  scenario("answers fill placeholders; the completion webhook gets them once, signed the Standard Webhooks way", {}, async ({ h }) => {
    const menu = structuredClone(cafe) as any;
    menu.nodes.confirm.next.yes = { text: "Thanks {{profile.name}}! One {{answers.drink.title}} ({{answers.size.id}}).", webhook: h.hooks.url };
    await setup(h, menu, "cafe");
    h.hooks.failNext(2);
    const c = customerOf(h, "Ada");
    await c.type("hi");
    await c.tap("order");
    await c.tap("flat-white", "Flat white");
    await c.tap("medium", "Medium");
    assert.match(lastBodyText(h), /^One Medium Flat white, coming right up\./);
    assert.equal(await c.tap("yes", "Yes, please"), "completed");
    assert.equal(last(h)["text"], "Thanks Ada! One Flat white (medium).");

    assert.equal(h.hooks.requests.length, 3, "two failures, then success");
    assert.equal(h.hooks.delivered.length, 1, "delivered exactly once");
    assert.equal(new Set(h.hooks.requests.map((r) => r.headers["webhook-id"])).size, 1, "one id across retries");
    const hook = h.hooks.delivered[0]!;
    assert.ok(await verifyStandardWebhook(h.completionSecret, hook.headers, hook.body));
    assert.ok(!(await verifyStandardWebhook(h.completionSecret, hook.headers, hook.body.replace("Ada", "Bob"))));
    assert.ok(verifiedByStandardWebhooks(h.completionSecret, hook.headers, hook.body));
    assert.ok(!verifiedByStandardWebhooks(h.completionSecret, hook.headers, hook.body.replace("Ada", "Bob")));
    const payload = JSON.parse(hook.body);
    assert.equal(payload.type, "menu.completed");
    assert.equal(payload.data.customer, c.customer);
    assert.equal(payload.data.profile_name, "Ada");
    assert.deepEqual(
      payload.data.answers.map((a: any) => [a.node, a.id, a.title]),
      [
        ["welcome", "order", "Order a drink"],
        ["drink", "flat-white", "Flat white"],
        ["size", "medium", "Medium"],
        ["confirm", "yes", "Yes, please"],
      ],
    );
    assert.deepEqual(((await (await h.admin("GET", "/admin/deliveries")).json()) as any).deliveries, []);
  }),
  scenario("after Start over, the completion's latest answers are the order the customer confirmed; its answers keep what they did, in order", {}, async ({ h }) => {
    const menu = structuredClone(cafe) as any;
    menu.nodes.confirm.next.yes = { text: "Thank you! Your {{answers.size.title}} {{answers.drink.title}} is on its way.", webhook: h.hooks.url };
    await setup(h, menu, "cafe");
    const c = customerOf(h);
    await c.type("hi");
    for (const [id, title] of [
      ["order", "Order a drink"],
      ["latte", "Latte"],
      ["large", "Large"],
      ["restart", "Start over"],
      ["order", "Order a drink"],
      ["espresso", "Espresso"],
    ])
      assert.equal(await c.tap(id!, title), "advanced");
    assert.equal(await c.tap("small", "Small"), "advanced");
    assert.equal(await c.tap("yes", "Yes, please"), "completed");
    assert.equal(last(h)["text"], "Thank you! Your Small Espresso is on its way.");
    const { data } = JSON.parse(h.hooks.delivered[0]!.body);
    assert.deepEqual(
      data.answers.map((a: any) => `${a.node}=${a.id}`),
      ["welcome=order", "drink=latte", "size=large", "confirm=restart", "welcome=order", "drink=espresso", "size=small", "confirm=yes"],
    );
    assert.deepEqual(
      Object.entries(data.latest).map(([node, a]: [string, any]) => `${node}=${a.id}:${a.title}`),
      ["welcome=order:Order a drink", "drink=espresso:Espresso", "size=small:Small", "confirm=yes:Yes, please"],
      "the latest answer to each question: what the closing text told the customer",
    );
    assert.equal(data.latest.drink.at, data.answers[5].at);
  }),
  scenario("a completion webhook receiver that always fails leaves the answers listed, and a retry delivers them", {}, async ({ h }) => {
    await setup(
      h,
      {
        ...structuredClone(delivery),
        nodes: {
          "delivery-time": {
            ...structuredClone(delivery).nodes["delivery-time"],
            next: { "slot-1": { text: "Booked.", webhook: h.hooks.url }, "slot-2": { text: "Booked." }, "slot-3": { text: "Booked." } },
          },
        },
      },
      "delivery",
    );
    h.hooks.failAlways(true);
    const c = customerOf(h);
    await c.type("hi");
    assert.equal(await c.tap("slot-1", "15:00"), "completed");
    assert.equal(h.hooks.requests.length, 3);
    const listed = ((await (await h.admin("GET", "/admin/deliveries")).json()) as any).deliveries;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, "failed");
    assert.equal(listed[0].lastError, "receiver answered 503");
    // The operator hears of it without polling the list: one line with the delivery's id, why, and what to do.
    const failedLine = h.logs.find((l) => l.includes(listed[0].id));
    assert.ok(failedLine !== undefined, `no log line names the undelivered completion:\n${h.logs.slice(-3).join("\n")}`);
    assert.match(failedLine, /receiver answered 503/);
    assert.match(failedLine, /POST \/admin\/deliveries\/\{id\}\/retry/);
    assert.ok(!failedLine.includes(c.customer), "the customer's number is masked");
    assert.equal(JSON.parse(listed[0].body).data.answers[0].id, "slot-1");
    const stillDown = await h.admin("POST", `/admin/deliveries/${listed[0].id}/retry`);
    assert.equal(stillDown.status, 502);
    h.hooks.failAlways(false);
    const retried = await h.admin("POST", `/admin/deliveries/${listed[0].id}/retry`);
    assert.equal(retried.status, 200);
    assert.equal(h.hooks.delivered.length, 1);
    assert.ok(await verifyStandardWebhook(h.completionSecret, h.hooks.delivered[0]!.headers, h.hooks.delivered[0]!.body));
    assert.ok(verifiedByStandardWebhooks(h.completionSecret, h.hooks.delivered[0]!.headers, h.hooks.delivered[0]!.body));
    assert.deepEqual(((await (await h.admin("GET", "/admin/deliveries")).json()) as any).deliveries, []);
    assert.equal((await h.admin("POST", `/admin/deliveries/${listed[0].id}/retry`)).status, 404);
  }),
  scenario("a rejected status for the pending question shows in the admin view, and the next message re-sends it", { menus: [delivery], upload: true, bind: "delivery" }, async ({ h }) => {
    const c = customerOf(h);
    await c.type("hi");
    const question = h.api.accepted.at(-1)!.messageUuid;
    const seen = await c.session();
    for (const status of ["submitted", "delivered", "read"]) {
      assert.equal((await h.status(statusWebhook({ messageUuid: question, business: h.business, customer: c.customer, status }))).status, 204);
    }
    assert.deepEqual(await c.session(), seen, "delivered and read are not written");
    const rejected = statusWebhook({
      messageUuid: question,
      business: h.business,
      customer: c.customer,
      status: "rejected",
      error: { type: "https://developer.nexmo.com/api-errors/messages-olympus#1340", title: 1340, detail: "Outside the allowed window", instance: "x" },
    });
    assert.equal((await h.status(rejected)).status, 204);
    const session = ((await (await h.admin("GET", `/admin/sessions/${h.business}/${c.customer}`)).json()) as any).session;
    assert.deepEqual({ ...session.pending.failed, at: undefined }, { status: "rejected", code: "1340", detail: "Outside the allowed window", at: undefined });
    const other = statusWebhook({ messageUuid: crypto.randomUUID(), business: h.business, customer: c.customer, status: "undeliverable" });
    assert.equal((await h.status(other)).status, 204, "a status for another message changes nothing");
    assert.equal(await c.type("hello?"), "resent");
    assert.equal(lastBodyText(h), "Which time would you like us to deliver your order at?");
    assert.equal((await c.session())?.pending?.failed, undefined);
  }),
];
