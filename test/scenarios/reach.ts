/**
 * Scenarios of reaching customers as WhatsApp allows: the 24-hour window, the menu's template outside it, a tap on
 * the template's quick reply, 1340 rejections, start variables and bulk starts. Written once for every runtime.
 */
import assert from "node:assert/strict";
import { createTemplateRegistry } from "../../sim/templates.js";
import { statusWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { customerWrites, newCustomer, scenario, type Harness, type MenuDoc, type Scenario, type ScenarioSetup } from "./harness.js";

const json = async (res: Response) => (await res.json()) as Record<string, any>;

/** An appointment reminder: reaches customers who never wrote through its approved template. */
function reminder(overrides: Record<string, unknown> = {}): MenuDoc {
  return {
    id: "visit",
    start: "confirm",
    variables: { when: { required: true, description: "the appointment, as the customer reads it" }, clinic: {} },
    template: {
      name: "visit_reminder",
      language: "en_GB",
      parameters: ["{{profile.name}}", "{{vars.when}}"],
      buttons: [
        { id: "keep", text: "Keep it", next: { text: "See you {{vars.when}} at {{vars.clinic}}.", webhook: "https://hooks.test/completed" } },
        { id: "move", text: "Move it", next: "slot" },
      ],
    },
    nodes: {
      confirm: {
        type: "question",
        text: "Hi {{profile.name}}, is {{vars.when}} still good for you?",
        options: [
          { id: "yes", title: "Yes", next: { text: "See you {{vars.when}}.", webhook: "https://hooks.test/completed" } },
          { id: "no", title: "No", next: "slot" },
        ],
      },
      slot: {
        type: "question",
        text: "Which day suits you better?",
        options: [
          { id: "mon", title: "Monday", next: { text: "Monday it is.", webhook: "https://hooks.test/completed" } },
          { id: "tue", title: "Tuesday", next: { text: "Tuesday it is.", webhook: "https://hooks.test/completed" } },
        ],
      },
    },
    ...overrides,
  };
}

/** What the business got approved: the fake Messages API judges every template the worker sends against it, as WhatsApp does. */
const approved = createTemplateRegistry([
  { name: "visit_reminder", language: "en_GB", category: "utility", body: "Hi {{1}}, a reminder of your visit on {{2}}. Does it still suit you?", buttons: ["Keep it", "Move it"] },
]);

/** A scenario whose fake Messages API knows the approved templates. */
const withTemplates = (setup: ScenarioSetup): ScenarioSetup => ({ ...setup, harness: { messagesApi: { templates: approved } } });

/** The message WhatsApp took: accepted by the Messages API and not refused afterwards. */
function delivered(h: Harness, index: number) {
  const message = h.api.accepted[index];
  assert.ok(message, `message ${index} was sent`);
  assert.equal(message.rejection, undefined, `WhatsApp would refuse message ${index}: ${JSON.stringify(message.rejection)}`);
  return message.body;
}

const start = (h: Harness, customer: string, extra: Record<string, unknown> = {}) =>
  h.admin("POST", "/flows/visit/start", { to: customer, from: h.business, profileName: "Ada", variables: { when: "Tuesday 10:00", clinic: "Elm Street" }, ...extra });

/** A tap on a template's quick-reply button, as Vonage delivers it. */
function buttonWebhook(h: Harness, customer: string, button: { payload: string; text: string }, contextUuid?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...textWebhook({ business: h.business, customer, text: "" }),
    message_type: "button",
    button: { payload: button.payload, text: button.text, subtype: "quick_reply" },
    profile: { name: "Ada" },
  };
  delete body["text"];
  if (contextUuid !== undefined) body["context"] = { message_uuid: contextUuid, message_from: h.business };
  return body;
}

const rejected1340 = (h: Harness, customer: string, messageUuid: string) =>
  statusWebhook({
    messageUuid,
    business: h.business,
    customer,
    status: "rejected",
    error: { type: "https://developer.vonage.com/api-errors/messages#1340", title: 1340, detail: "Outside the allowed window" },
  });

const completionsOf = (h: Harness) => h.hooks.delivered.map((d) => JSON.parse(d.body) as { data: Record<string, any> });

/** Waits for the deferred completion deliveries (they run after the response). */
async function completions(h: Harness, n: number) {
  for (let i = 0; i < 100 && h.hooks.delivered.length < n; i++) await new Promise((r) => setTimeout(r, 20));
  return completionsOf(h);
}

export const reachScenarios: Scenario[] = [
  scenario(
    "a start for a customer who never wrote sends the template (custom form), and a tap on its quick reply continues the menu",
    withTemplates({ menus: [reminder()] }),
    async ({ h, customer }) => {
      const res = await start(h, customer);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await json(res))["outcome"], "templated");
      assert.deepEqual(delivered(h, 0), {
        from: h.business,
        to: customer,
        channel: "whatsapp",
        message_type: "custom",
        custom: {
          type: "template",
          template: {
            name: "visit_reminder",
            language: { policy: "deterministic", code: "en_GB" },
            components: [
              {
                type: "body",
                parameters: [
                  { type: "text", text: "Ada" },
                  { type: "text", text: "Tuesday 10:00" },
                ],
              },
              { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "keep" }] },
              { type: "button", sub_type: "quick_reply", index: "1", parameters: [{ type: "payload", payload: "move" }] },
            ],
          },
        },
      });
      const templateUuid = h.api.accepted[0]!.messageUuid;
      assert.equal((await h.session(customer))?.pending?.messageUuid, templateUuid);
      const tap = await h.inbound(buttonWebhook(h, customer, { payload: "move", text: "Move it" }, templateUuid));
      assert.equal((await json(tap))["outcome"], "advanced");
      const question = h.api.accepted[1]!.body as { message_type: string; custom: { interactive: { body: { text: string } } } };
      assert.equal(question.message_type, "custom", "inside the window now: the menu's own question, free-form");
      assert.equal(question.custom.interactive.body.text, "Which day suits you better?");
      assert.deepEqual(
        (await h.session(customer))?.answers.map((a) => [a.node, a.id, a.title]),
        [["#template", "move", "Move it"]],
      );
    },
  ),
  scenario(
    "the template form: positional parameters, and a quick reply that comes back with its text as the payload",
    withTemplates({ menus: [reminder({ template: { ...(reminder()["template"] as object), form: "template" } })] }),
    async ({ h, customer }) => {
      assert.equal((await start(h, customer)).status, 200);
      assert.deepEqual(h.api.accepted[0]!.body, {
        from: h.business,
        to: customer,
        channel: "whatsapp",
        message_type: "template",
        template: { name: "visit_reminder", parameters: ["Ada", "Tuesday 10:00"] },
        whatsapp: { policy: "deterministic", locale: "en_GB" },
      });
      const tap = await h.inbound(buttonWebhook(h, customer, { payload: "Keep it", text: "Keep it" }, h.api.accepted[0]!.messageUuid));
      assert.equal((await json(tap))["outcome"], "completed");
      assert.equal((h.api.accepted[1]!.body as { text: string }).text, "See you Tuesday 10:00 at Elm Street.");
    },
  ),
  scenario(
    "a template parameter filled with a line break, a tab or a run of spaces (a pasted address) is sent on one line, as WhatsApp takes template parameters",
    withTemplates({ menus: [reminder()] }),
    async ({ h, customer }) => {
      const res = await start(h, customer, { profileName: "Ada\tLovelace", variables: { when: "Tuesday\r\n10:00      at the\nfront desk", clinic: "Elm Street" } });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await json(res))["outcome"], "templated");
      const body = delivered(h, 0) as { custom: { template: { components: Array<{ type: string; parameters: Array<{ text?: string }> }> } } };
      const texts = body.custom.template.components.find((c) => c.type === "body")!.parameters.map((p) => p.text);
      // Meta refuses a parameter with a new line or tab, or more than four spaces in a row (error 132018).
      assert.deepEqual(texts, ["Ada Lovelace", "Tuesday 10:00 at the front desk"]);
    },
  ),
  scenario("a start naming the business's own number as the customer is refused with what to fix, and sends nothing", withTemplates({ menus: [reminder()] }), async ({ h }) => {
    const res = await start(h, h.business);
    assert.equal(res.status, 422, await res.clone().text());
    const body = await json(res);
    assert.equal(body["error"], "ERR_START_INVALID");
    assert.match(String(body["message"]), /"to" is the business number itself/);
    const bulk = await h.admin("POST", "/flows/visit/start/bulk", { from: h.business, requestId: "own-1", customers: [{ to: h.business, profileName: "Ada", variables: { when: "Monday" } }] });
    assert.equal(bulk.status, 200, await bulk.clone().text());
    const result = (await json(bulk))["results"][0];
    assert.equal(result.outcome, "refused");
    assert.equal(result.retry, false);
    assert.equal(h.api.accepted.length + h.api.rejected.length, 0, "nothing went to the business's own number");
  }),
  scenario("variables reach the texts, the template's parameters and the completion webhook", withTemplates({ menus: [reminder()], wrote: true }), async ({ h, customer }) => {
    const res = await start(h, customer);
    assert.equal((await json(res))["outcome"], "started", "the customer wrote: the question goes out directly");
    const question = h.api.accepted[0]!.body as { custom: { type: string; interactive: { body: { text: string } } } };
    assert.equal(question.custom.type, "interactive");
    assert.equal(question.custom.interactive.body.text, "Hi Ada, is Tuesday 10:00 still good for you?");
    await h.inbound(textWebhook({ business: h.business, customer, text: "yes" }));
    assert.equal((h.api.accepted[1]!.body as { text: string }).text, "See you Tuesday 10:00.");
    const [done] = await completions(h, 1);
    assert.deepEqual(done?.data["variables"], { when: "Tuesday 10:00", clinic: "Elm Street" });
    assert.deepEqual(
      done?.data["answers"].map((a: { id: string }) => a.id),
      ["yes"],
    );
  }),
  scenario(
    "a start's variables must fit the menu: undeclared, missing required, or malformed ones are refused and nothing is sent",
    withTemplates({ menus: [reminder()] }),
    async ({ h, customer }) => {
      const undeclared = await start(h, customer, { variables: { when: "Mon", wehn: "typo" } });
      assert.equal(undeclared.status, 422);
      assert.match(String((await json(undeclared))["message"]), /variables\.wehn: menu "visit" does not declare it \(it declares when, clinic\)/);
      const missing = await start(h, customer, { variables: { clinic: "Elm" } });
      assert.equal(missing.status, 422);
      assert.match(String((await json(missing))["message"]), /variables\.when: menu "visit" requires it/);
      const malformed = await start(h, customer, { variables: { when: 42 } });
      assert.equal(malformed.status, 400);
      assert.match(String((await json(malformed))["message"]), /variables\.when: must be a string, in quotes \(values are text of at most 1024 characters\)/);
      assert.equal(h.api.accepted.length, 0);
    },
  ),
  scenario(
    "a start's variables are strings of at most 1,024 characters, at most 20: one more character or one more variable is a 400 naming the rule; an undeclared and a missing one are one 422 naming both",
    withTemplates({ menus: [reminder()], wrote: true }),
    async ({ h, customer }) => {
      const tooLong = await start(h, customer, { variables: { when: "Mon", clinic: "x".repeat(1025) } });
      assert.equal(tooLong.status, 400, await tooLong.clone().text());
      assert.match(String((await json(tooLong))["message"]), /variables\.clinic: is 1025 characters long; a value is at most 1024/);
      const tooMany = await start(h, customer, { variables: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`v${i}`, "x"])) });
      assert.equal(tooMany.status, 400, await tooMany.clone().text());
      assert.match(String((await json(tooMany))["message"]), /variables: has 21 variables; at most 20/);
      const badName = await start(h, customer, { variables: { when: "Mon", "2nd": "x" } });
      assert.equal(badName.status, 400, await badName.clone().text());
      assert.match(String((await json(badName))["message"]), /variables\.2nd: is no variable name: names are 1 to 32 letters, digits or '_', starting with a letter/);
      const longName = await start(h, customer, { variables: { when: "Mon", [`a${"b".repeat(32)}`]: "x" } });
      assert.match(String((await json(longName))["message"]), /variables\.ab{32}: is no variable name: names are 1 to 32 letters/, "all letters, and one too many");
      // A variable called "variables" is a variable like any other, its value what is wrong.
      const named = await start(h, customer, { variables: { when: "Mon", variables: 42 } });
      assert.equal(named.status, 400, await named.clone().text());
      assert.match(String((await json(named))["message"]), /variables\.variables: must be a string, in quotes \(values are text of at most 1024 characters\)$/);
      const both = await start(h, customer, { variables: { wehn: "Mon", clinic: "Elm" } });
      assert.equal(both.status, 422, await both.clone().text());
      const refusal = await json(both);
      assert.equal(refusal["error"], "ERR_START_INVALID");
      assert.deepEqual(refusal["problems"], [
        'variables.wehn: menu "visit" does not declare it (it declares when, clinic); add it to the menu\'s "variables"',
        'variables.when: menu "visit" requires it',
      ]);
      assert.match(String(refusal["message"]), /variables\.wehn: .*; variables\.when: /, "one message names both");
      assert.equal(h.api.accepted.length, 0, "no refused start sent anything");
      // At the limits the start goes ahead: a value of 1,024 characters (emoji, one character each as WhatsApp counts,
      // two UTF-16 units each as JavaScript does), and 20 variables the menu declares.
      const twenty = Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`v${i}`, {}]));
      await h.publish(reminder({ variables: { ...(reminder()["variables"] as object), ...twenty } }));
      const atLimits = await start(h, customer, { variables: { when: "Mon", clinic: "🌿".repeat(1024), ...Object.fromEntries(Object.keys(twenty).map((k) => [k, "x"])) } });
      assert.equal(atLimits.status, 200, await atLimits.clone().text());
      assert.equal(h.api.accepted.length, 1);
    },
  ),
  scenario(
    "a single start outside the window whose template parameter {{profile.name}} has nothing to fill it is a 409 naming the parameter, and sends nothing",
    withTemplates({ menus: [reminder()] }),
    async ({ h, customer }) => {
      const res = await h.admin("POST", "/flows/visit/start", { to: customer, from: h.business, variables: { when: "Tuesday 10:00" } });
      assert.equal(res.status, 409, await res.clone().text());
      const body = await json(res);
      assert.equal(body["error"], "ERR_OUTSIDE_WINDOW");
      assert.match(String(body["message"]), /template "visit_reminder" parameter 1 \(\{\{profile\.name\}\}\) is empty for this customer; .*pass the profileName/);
      assert.equal(h.api.accepted.length + h.api.rejected.length, 0, "nothing was sent");
      assert.equal(await h.session(customer), null, "nothing was stored");
    },
  ),
  scenario(
    "a start outside the window for a menu without a template is refused with what to add; inside the window it sends the question",
    { menus: [reminder({ template: undefined })] },
    async ({ h, customer }) => {
      const refused = await start(h, customer);
      assert.equal(refused.status, 409);
      const body = await json(refused);
      assert.equal(body["error"], "ERR_OUTSIDE_WINDOW");
      assert.match(String(body["message"]), /has not written in the last 24 hours.*add a "template" to menu "visit"/);
      assert.equal(h.api.accepted.length, 0);
      await customerWrites(h, customer);
      assert.equal((await start(h, customer)).status, 200);
      assert.equal((h.api.accepted[0]!.body as { custom: { type: string } }).custom.type, "interactive");
    },
  ),
  scenario(
    "a 1340 for a start's question: recorded, the template goes out in its place, and the next start uses the template",
    withTemplates({ menus: [reminder()], wrote: true }),
    async ({ h, customer }) => {
      assert.equal((await json(await start(h, customer)))["outcome"], "started");
      const question = h.api.accepted[0]!.messageUuid;
      // The worker thought the window open (the customer wrote); WhatsApp says otherwise.
      assert.equal((await h.status(rejected1340(h, customer, question))).status, 204);
      assert.equal(h.api.accepted.length, 2);
      const fallback = delivered(h, 1) as { custom: { type: string; template: { name: string } } };
      assert.equal(fallback.custom.type, "template");
      assert.equal(fallback.custom.template.name, "visit_reminder");
      const view = await json(await h.admin("GET", `/admin/sessions/${h.business}/${customer}`));
      assert.equal(view["window"].open, false);
      assert.ok(view["window"].closedAt, "the admin view shows when WhatsApp said the window closed");
      assert.equal(view["session"].pending.node, "#template");
      // Redelivered, the status sends nothing more.
      await h.status(rejected1340(h, customer, question));
      assert.equal(h.api.accepted.length, 2);
      assert.equal((await json(await start(h, customer)))["outcome"], "templated");
      assert.equal((h.api.accepted[2]!.body as { custom: { type: string } }).custom.type, "template");
    },
  ),
  scenario(
    "a template WhatsApp does not know as sent (its parameter count differs) is refused after the 202, and the session records why",
    withTemplates({ menus: [reminder({ template: { ...(reminder()["template"] as object), parameters: ["{{profile.name}}"] } })] }),
    async ({ h, customer }) => {
      assert.equal((await json(await start(h, customer)))["outcome"], "templated");
      const refusal = h.api.accepted[0]!.rejection;
      assert.equal(refusal?.code, 132000, "the fake judges templates as WhatsApp does");
      const status = statusWebhook({
        messageUuid: h.api.accepted[0]!.messageUuid,
        business: h.business,
        customer,
        status: "rejected",
        error: { type: `https://developer.vonage.com/api-errors/messages#${refusal!.code}`, title: refusal!.code, detail: refusal!.detail },
      });
      assert.equal((await h.status(status)).status, 204);
      const view = await json(await h.admin("GET", `/admin/sessions/${h.business}/${customer}`));
      assert.equal(view["session"].pending.failed.code, "132000");
      assert.equal(h.api.accepted.length, 1, "a refused template is not answered with another template");
    },
  ),
  scenario("a customer who answers a template in their own words is back in the window: the menu goes on from its start", withTemplates({ menus: [reminder()] }), async ({ h, customer }) => {
    await start(h, customer);
    const reply = await h.inbound(textWebhook({ business: h.business, customer, text: "who is this?" }));
    assert.equal((await json(reply))["outcome"], "advanced");
    assert.equal((h.api.accepted[1]!.body as { custom: { interactive: { body: { text: string } } } }).custom.interactive.body.text, "Hi Ada, is Tuesday 10:00 still good for you?");
  }),
  scenario(
    "a template's own next: a customer who answers it in their own words goes there, not to the menu's start",
    withTemplates({ menus: [reminder({ template: { ...(reminder()["template"] as object), next: "slot" } })] }),
    async ({ h, customer }) => {
      assert.equal((await json(await start(h, customer)))["outcome"], "templated");
      const reply = await h.inbound(textWebhook({ business: h.business, customer, text: "who is this?" }));
      assert.equal((await json(reply))["outcome"], "advanced");
      assert.equal((delivered(h, 1) as { custom: { interactive: { body: { text: string } } } }).custom.interactive.body.text, "Which day suits you better?");
      assert.equal((await h.session(customer))?.pending?.node, "slot");
    },
  ),
  scenario("a bulk start reports each customer, and a rerun of the same request sends nothing twice", withTemplates({ menus: [reminder()] }), async ({ h }) => {
    const [fresh, wrote, stopped] = [newCustomer(), newCustomer(), newCustomer()];
    await customerWrites(h, wrote);
    await h.publish({ id: "optin", start: "q", nodes: { q: { type: "question", text: "?", options: [{ id: "a", title: "A", next: { text: "ok" } }] } } });
    await h.bind(h.business, "optin");
    await h.inbound(textWebhook({ business: h.business, customer: stopped, text: "stop" }));
    const sentBefore = h.api.accepted.length;
    const bulk = {
      from: h.business,
      requestId: "reminders-2026-12-02",
      variables: { when: "Tuesday 10:00" },
      customers: [{ to: fresh, profileName: "Ada" }, { to: wrote, profileName: "Bo", variables: { when: "Wednesday 9:00" } }, { to: stopped }, { to: newCustomer() }],
    };
    const first = await json(await h.admin("POST", "/flows/visit/start/bulk", bulk));
    assert.deepEqual(
      first["results"].map((r: { index: number; outcome: string; via?: string }) => [r.index, r.outcome, r.via]),
      [
        [0, "started", "template"],
        [1, "started", "question"],
        [2, "opted_out", undefined],
        [3, "refused", undefined],
      ],
    );
    assert.match(first["results"][3].reason, /template "visit_reminder" parameter 1 \(\{\{profile.name\}\}\) is empty/);
    assert.equal(first["results"][3].retry, false);
    assert.doesNotMatch(JSON.stringify(first), new RegExp(fresh), "full customer numbers never appear in the report");
    assert.equal(h.api.accepted.length - sentBefore, 2);
    assert.equal((h.api.accepted.at(-1)!.body as { custom: { interactive: { body: { text: string } } } }).custom.interactive.body.text, "Hi Bo, is Wednesday 9:00 still good for you?");

    const again = await json(await h.admin("POST", "/flows/visit/start/bulk", bulk));
    assert.deepEqual(
      again["results"].slice(0, 2).map((r: { outcome: string; already?: boolean }) => [r.outcome, r.already]),
      [
        ["started", true],
        ["started", true],
      ],
    );
    assert.equal(h.api.accepted.length - sentBefore, 2, "the rerun sent nothing");
    const tooMany = await h.admin("POST", "/flows/visit/start/bulk", { ...bulk, customers: Array.from({ length: 21 }, () => ({ to: newCustomer() })) });
    assert.equal(tooMany.status, 400);
    assert.match(String((await json(tooMany))["message"]), /customers: must be a list of 1 to 20 customers/);
  }),
];
