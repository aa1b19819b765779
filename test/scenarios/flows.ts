/**
 * Flows that talk to the business, written once and run on every runtime: input questions and their validators,
 * backend requests (signed, checked by the example backend with the `standardwebhooks` package) and their
 * failures, dynamic options with paging, conditions, and the booking example end to end.
 */
import assert from "node:assert/strict";
import booking from "../../menus/booking.json" with { type: "json" };
import { locationWebhook, replyWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { newCustomer, scenario, type Harness, type MenuDoc, type Scenario } from "./harness.js";

const BACKEND = "https://backend.example.com";

interface Sent {
  type: string;
  text: string;
  interactive?: { type: string; body: { text: string }; action: Record<string, unknown> };
}

/** The last message the customer received, reduced to what the checks need. */
function last(h: Harness, customer: string): Sent {
  const body = h.api.accepted.filter((m) => m.body["to"] === customer).at(-1)?.body;
  assert.ok(body, "a message was sent");
  if (body["message_type"] === "text") return { type: "text", text: String(body["text"]) };
  const interactive = (body["custom"] as { interactive: NonNullable<Sent["interactive"]> }).interactive;
  return { type: interactive.type, text: interactive.body.text, interactive };
}

const lastUuid = (h: Harness, customer: string) => h.api.accepted.filter((m) => m.body["to"] === customer).at(-1)!.messageUuid;

/** The reply ids and titles of a button or list message. */
function choices(s: Sent): Array<{ id: string; title: string }> {
  const a = s.interactive?.action as { buttons?: Array<{ reply: { id: string; title: string } }>; sections?: Array<{ rows: Array<{ id: string; title: string }> }> } | undefined;
  if (a?.buttons) return a.buttons.map((b) => b.reply);
  return (a?.sections ?? []).flatMap((sec) => sec.rows.map((r) => ({ id: r.id, title: r.title })));
}

async function outcome(res: Response): Promise<string> {
  assert.equal(res.status, 200, await res.clone().text());
  return String(((await res.json()) as { outcome: string }).outcome);
}

const say = async (h: Harness, customer: string, text: string) => outcome(await h.inbound(textWebhook({ business: h.business, customer, text, profileName: "Ada" })));
const tap = async (h: Harness, customer: string, id: string, title: string) =>
  outcome(await h.inbound(replyWebhook({ business: h.business, customer, id, title, contextUuid: lastUuid(h, customer) })));

/** Every request the backend received carried a Standard Webhooks signature it verified. */
function allVerified(h: Harness) {
  assert.ok(h.backend.requests.length > 0, "the backend was called");
  for (const r of h.backend.requests) {
    assert.ok(r.verified, `request to ${r.path} verifies with the standardwebhooks package`);
    assert.match(r.headers["webhook-id"] ?? "", /^(req|msg)_[0-9a-f]{32}$/);
  }
}

const slots = (n: number, label = (i: number) => `Slot ${i + 1}`) => Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}`, label: label(i) }));

/** One input per validator, each leading to the next, then a text that shows every value. */
const inputs: MenuDoc = {
  id: "inputs",
  start: "age",
  nodes: {
    age: { type: "input", text: "How old are you?", var: "age", validate: { type: "number", min: 18, max: 120, integer: true }, reprompt: "A whole number from 18, please.", next: "email" },
    email: { type: "input", text: "Your email?", var: "email", validate: { type: "email" }, next: "phone" },
    phone: { type: "input", text: "A phone number?", var: "phone", validate: { type: "phone" }, next: "day" },
    day: { type: "input", text: "Which day?", var: "day", validate: { type: "date", min: "2020-01-01", max: "2099-12-31" }, next: "size" },
    size: { type: "input", text: "Which size: S, M or L?", var: "size", validate: { type: "choice", values: ["S", "M", "L"] }, next: "code" },
    code: { type: "input", text: "Your voucher code?", var: "code", validate: { type: "regex", pattern: "^[A-Z]{3}-\\d{3}$", flags: "i" }, next: "note" },
    note: { type: "input", text: "Anything to add (3 to 20 characters)?", var: "note", validate: { type: "text", minLength: 3, maxLength: 20 }, next: "where" },
    where: { type: "input", text: "Share where you are.", var: "where", validate: { type: "location", request: true }, next: "done" },
    done: { type: "text", text: "{{vars.age}}|{{vars.email}}|{{vars.phone}}|{{vars.day}}|{{vars.size}}|{{vars.code}}|{{vars.note}}|{{vars.where}}" },
  },
};

/** A request, then its two exits: what the answer said, or the failure text. */
const lookup = (extra: Record<string, unknown> = {}): MenuDoc => ({
  id: "lookup",
  start: "ask",
  nodes: {
    ask: { type: "request", url: `${BACKEND}/slots`, body: { postcode: "N1 1AA" }, save: { area: "area" }, next: "found", failure: "down", ...extra },
    found: { type: "text", text: "Found {{vars.area}}." },
    down: { type: "text", text: "Sorry, down." },
  },
});

/** A condition with one rule per test; the customer's answer picks the branch, whose name is sent back. */
const branches: MenuDoc = {
  id: "branches",
  start: "word",
  nodes: {
    word: { type: "input", text: "Say something.", var: "word", next: "which" },
    which: {
      type: "condition",
      when: [
        { if: { var: "word", equals: "gold" }, next: { text: "equals" } },
        { if: { var: "word", in: ["red", "blue"] }, next: { text: "in" } },
        { if: { var: "word", gt: 1000 }, next: { text: "gt" } },
        { if: { var: "word", gte: 500, lte: 1000 }, next: { text: "gte+lte" } },
        { if: { var: "word", lt: 0 }, next: { text: "lt" } },
        { if: { var: "word", matches: "^x+$" }, next: { text: "matches" } },
        { if: { var: "missing", exists: true }, next: { text: "never" } },
        { if: { var: "word", equals: 7 }, next: { text: "equals number" } },
        { if: { var: "word", exists: true, matches: "^y" }, next: { text: "exists" } },
      ],
      else: { text: "else" },
    },
  },
};

/**
 * A question, a request after it (whose body shows what it already knew), and a condition that asks the customer's
 * name only when it is not known yet, else greets them by it: going back must undo the name and the request's result.
 */
const undoing: MenuDoc = {
  id: "undoing",
  start: "drink",
  nodes: {
    drink: {
      type: "question",
      text: "Tea or coffee?",
      options: [
        { id: "tea", title: "Tea", next: "lookup" },
        { id: "coffee", title: "Coffee", next: "lookup" },
      ],
    },
    lookup: { type: "request", url: `${BACKEND}/slots`, body: { postcode: "N1 1AA", known: "{{vars.area}}" }, save: { area: "area" }, next: "named", failure: "down" },
    named: { type: "condition", when: [{ if: { var: "name", exists: true }, next: "greet" }], else: "name" },
    greet: { type: "text", text: "Welcome back, {{vars.name}}.", next: "confirm" },
    name: { type: "input", text: "Your name?", var: "name", next: "confirm" },
    confirm: { type: "question", text: "{{vars.name}}: {{answers.drink.title}} in {{vars.area}}?", options: [{ id: "yes", title: "Yes", next: { text: "Thanks, {{vars.name}}." } }] },
    down: { type: "text", text: "Sorry, down." },
  },
};

export const flowScenarios: Scenario[] = [
  scenario("booking: an invalid postcode is re-asked, a valid one fetches slots, a tap books, the completion carries the variables", { menus: [booking], bind: "booking" }, async ({ h, customer }) => {
    assert.equal(await say(h, customer, "hi"), "started");
    assert.match(last(h, customer).text, /Hi Ada! .*Which postcode/);
    assert.equal(await say(h, customer, "not a postcode"), "reprompted");
    assert.match(last(h, customer).text, /does not look like a UK postcode/);
    assert.equal((await h.session(customer))?.attempts, 1);

    assert.equal(await say(h, customer, "SW1A 1AA"), "advanced");
    const pick = last(h, customer);
    assert.equal(pick.type, "list");
    assert.match(pick.text, /free in area SW/);
    assert.equal(choices(pick).length, 7);
    const chosen = choices(pick)[2]!;
    assert.equal(await tap(h, customer, chosen.id, chosen.title), "advanced");
    assert.equal(last(h, customer).text, `Deliver to SW1A 1AA on ${chosen.title}?`);
    assert.equal(await tap(h, customer, "book", "Yes, book it"), "completed");
    assert.match(last(h, customer).text, new RegExp(`^Booked: ${chosen.title} at SW1A 1AA. Your reference is BK-0001.$`));

    allVerified(h);
    assert.deepEqual(
      h.backend.requests.map((r) => r.path),
      ["/slots", "/bookings", "/completed"],
    );
    assert.deepEqual(JSON.parse(h.backend.requests[1]!.body), { postcode: "SW1A 1AA", slot: chosen.id });
    const completion = h.backend.completions[0] as { data: { variables: Record<string, string>; answers: Array<{ node: string; id: string }> } };
    assert.deepEqual(completion.data.variables, { postcode: "SW1A 1AA", area: "area SW", slot: chosen.id, reference: "BK-0001" });
    assert.deepEqual(
      completion.data.answers.map((a) => [a.node, a.id]),
      [
        ["postcode", "SW1A 1AA"],
        ["pick", chosen.id],
        ["confirm", "book"],
      ],
    );
  }),

  scenario(
    "back undoes the variables set since the question it returns to: an input's answer, then (twice) a request's result; the condition and texts read them undone",
    { menus: [undoing], bind: "undoing" },
    async ({ h, customer }) => {
      assert.equal(await say(h, customer, "hi"), "started");
      assert.equal(await tap(h, customer, "tea", "Tea"), "advanced");
      assert.equal(last(h, customer).text, "Your name?");
      assert.equal(await say(h, customer, "Ada"), "advanced");
      assert.equal(last(h, customer).text, "Ada: Tea in area N1?");
      assert.deepEqual((await h.session(customer))?.vars, { area: "area N1", name: "Ada" });

      assert.equal(await say(h, customer, "back"), "back");
      assert.equal(last(h, customer).text, "Your name?");
      assert.deepEqual((await h.session(customer))?.vars, { area: "area N1" }, "the input's answer is undone");
      assert.equal(await say(h, customer, "back"), "back");
      assert.equal(last(h, customer).text, "Tea or coffee?");
      assert.equal((await h.session(customer))?.vars, undefined, "the request's result is undone too");

      // On again: the request knows nothing yet, and the condition asks for the name instead of greeting by it.
      const sentBefore = h.api.accepted.filter((m) => m.body["to"] === customer).length;
      assert.equal(await tap(h, customer, "coffee", "Coffee"), "advanced");
      const texts = h.api.accepted.filter((m) => m.body["to"] === customer).slice(sentBefore);
      assert.deepEqual(
        texts.map((m) => m.body["text"]),
        ["Your name?"],
      );
      assert.deepEqual(
        h.backend.requests.map((r) => (JSON.parse(r.body) as { known: string }).known),
        ["", ""],
      );
      assert.equal(await say(h, customer, "Bea"), "advanced");
      assert.equal(last(h, customer).text, "Bea: Coffee in area N1?");
      assert.equal(await tap(h, customer, "yes", "Yes"), "completed");
      assert.equal(last(h, customer).text, "Thanks, Bea.");
    },
  ),

  scenario("booking: a postcode with no free slots takes the condition's else", { menus: [booking], bind: "booking" }, async ({ h, customer }) => {
    await say(h, customer, "hi");
    assert.equal(await say(h, customer, "ZZ1 1ZZ"), "completed");
    assert.match(last(h, customer).text, /no free slots for ZZ1 1ZZ/);
  }),

  scenario(
    "input validators: each rejects an invalid answer (counted as an attempt) and takes a valid one as an answer and a variable",
    { menus: [inputs], bind: "inputs" },
    async ({ h, customer }) => {
      await say(h, customer, "hi");
      const cases: Array<[string, string]> = [
        ["seventeen", "42"],
        ["ada@", "ada@example.org"],
        ["12", "+44 (0)7700-900123"],
        ["31/02/2026", "24.12.2026"],
        ["XL", "m"],
        ["ABC123", "abc-123"],
        ["no", "Ring twice"],
      ];
      for (const [bad, good] of cases) {
        assert.equal(await say(h, customer, bad), "reprompted", `"${bad}" is refused`);
        assert.equal((await h.session(customer))?.attempts, 1);
        assert.equal(await say(h, customer, good), "advanced", `"${good}" is taken`);
      }
      // The location input sends WhatsApp's location request message, refuses typed text and takes a shared pin.
      const request = h.api.accepted.at(-1)!.body;
      assert.deepEqual(request["custom"], { type: "interactive", interactive: { type: "location_request_message", body: { text: "Share where you are." }, action: { name: "send_location" } } });
      assert.equal(await say(h, customer, "at home"), "reprompted");
      assert.equal(await outcome(await h.inbound(locationWebhook({ business: h.business, customer, lat: 51.5, long: -0.12, name: "Home" }))), "completed");
      assert.equal(last(h, customer).text, "42|ada@example.org|447700900123|2026-12-24|M|abc-123|Ring twice|51.5,-0.12");
      const session = await h.session(customer);
      assert.equal(session?.answers.at(-1)?.title, "Home");
      assert.equal(session?.vars?.["where"], "51.5,-0.12");
    },
  ),

  scenario(
    "requests: a 500, a timeout, an oversized answer, malformed JSON and a redirect each take the failure exit",
    { menus: [lookup({ timeoutMs: 300 })], bind: "lookup" },
    async ({ h, customer }) => {
      assert.equal(await say(h, customer, "hi"), "completed");
      assert.equal(last(h, customer).text, "Found area N1.");
      for (const fault of ["500", "hang", "oversized", "malformed", "redirect"] as const) {
        const c = newCustomer();
        h.backend.failNext(fault);
        assert.equal(await say(h, c, "hi"), "completed", fault);
        assert.equal(last(h, c).text, "Sorry, down.", `${fault} takes the failure exit`);
      }
      allVerified(h);
      const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l["msg"] === "inbound" && l["requests"] !== undefined);
      const requests = line.map((l) => l["requests"] as Array<{ ok: boolean; reason?: string; detail?: string }>);
      assert.deepEqual(
        requests.map((r) => r.map((one) => one.reason ?? "ok")),
        [["ok"], ["status"], ["timeout"], ["too_large"], ["bad_json"], ["status"]],
      );
      // The hang is given up after the node's own timeout, not the default or the webhook's deadline.
      assert.equal(requests[2]?.[0]?.detail, "no answer within 300 ms");
    },
  ),

  scenario(
    "requests: a request the worker cannot send (no COMPLETION_WEBHOOK_SECRET to sign it) says why, and how to fix it, in the log line",
    { menus: [lookup()], bind: "lookup", harness: { env: { COMPLETION_WEBHOOK_SECRET: undefined } } },
    async ({ h, customer }) => {
      assert.equal(await say(h, customer, "hi"), "completed");
      assert.equal(last(h, customer).text, "Sorry, down.");
      assert.equal(h.backend.requests.length, 0, "nothing unsigned reaches the backend");
      const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["msg"] === "inbound" && l["requests"] !== undefined);
      const [request] = (line?.["requests"] ?? []) as Array<{ reason?: string; detail?: string }>;
      assert.equal(request?.reason, "refused");
      assert.match(request?.detail ?? "", /COMPLETION_WEBHOOK_SECRET is not set/, "the operator learns what to set");
    },
  ),

  scenario(
    "requests: without a failure exit a failed request ends with texts.requestFailed",
    { menus: [{ ...lookup(), nodes: { ...(lookup()["nodes"] as object), ask: { type: "request", url: `${BACKEND}/slots`, next: "found" } } }], bind: "lookup" },
    async ({ h, customer }) => {
      h.backend.failNext("500");
      assert.equal(await say(h, customer, "hi"), "completed");
      assert.match(last(h, customer).text, /something went wrong on our side/);
    },
  ),

  scenario(
    "requests: a backend that checks signatures with another secret refuses them, and the menu goes on by its failure exit",
    { menus: [lookup()], bind: "lookup", harness: { env: { COMPLETION_WEBHOOK_SECRET: `whsec_${btoa("another secret of enough bytes!!")}` } } },
    async ({ h, customer }) => {
      assert.equal(await say(h, customer, "hi"), "completed");
      assert.equal(last(h, customer).text, "Sorry, down.");
      assert.equal(h.backend.requests[0]?.verified, false);
    },
  ),

  scenario(
    "requests: a typed value filled into the URL's path cannot step out of it with '.' or '..'; that request takes the failure exit",
    {
      menus: [
        {
          id: "orders",
          start: "order",
          nodes: {
            order: { type: "input", text: "Your order number?", var: "order", next: "status" },
            status: { type: "request", method: "POST", url: `${BACKEND}/orders/{{vars.order}}/{{vars.part}}/status`, body: { order: "{{vars.order}}" }, next: "found", failure: "down" },
            found: { type: "text", text: "Found it." },
            down: { type: "text", text: "Sorry, down." },
          },
        },
      ],
      bind: "orders",
    },
    async ({ h }) => {
      // Unfilled, "part" is an empty segment; "/orders/../x" would be "/x", and "/orders/./.." "/", on the backend.
      for (const typed of ["..", ".", "A1"]) {
        const c = newCustomer();
        await say(h, c, "hi");
        assert.equal(await say(h, c, typed), "completed", typed);
        if (typed !== "A1") assert.equal(last(h, c).text, "Sorry, down.", `${typed} takes the failure exit`);
      }
      assert.deepEqual(
        h.backend.requests.map((r) => r.path),
        ["/orders/A1//status"],
        "only the request whose path stays the menu's reaches the backend",
      );
      const reasons = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).flatMap((l) => (l["requests"] as Array<{ reason?: string }> | undefined) ?? []);
      assert.deepEqual(
        reasons.map((r) => r.reason ?? "ok"),
        ["refused", "refused", "status"],
      );
    },
  ),

  scenario(
    "placeholders that fill to nothing never leave a question or text blank, which WhatsApp refuses: the customer still gets it and answers",
    {
      menus: [
        {
          id: "blank",
          start: "ask",
          variables: { greeting: {}, note: {} },
          nodes: {
            ask: { type: "question", text: "{{vars.greeting}}", options: [{ id: "go", title: "Go", next: "said" }] },
            said: { type: "text", text: " {{vars.note}} ", next: "name" },
            name: { type: "input", text: "{{profile.name}}", var: "name", next: { text: "{{vars.note}}" } },
          },
        },
      ],
      wrote: true,
    },
    async ({ h, customer }) => {
      // A start without the variables, for a customer whose name the worker never got.
      const res = await h.admin("POST", "/flows/blank/start", { to: customer, from: h.business });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { refused?: string }).refused, undefined, "the question was not refused");
      assert.equal(await tap(h, customer, "go", "Go"), "advanced");
      assert.equal(await outcome(await h.inbound(textWebhook({ business: h.business, customer, text: "Ada" }))), "completed");
      assert.equal(h.api.rejected.length, 0, JSON.stringify(h.api.rejected[0]));
      assert.equal(h.api.accepted.filter((m) => m.body["to"] === customer).length, 4, "the question, the text, the input and the closing text");
    },
  ),

  scenario("requests: a redelivered message whose step was stored performs what it owes and does not call the backend again", { menus: [lookup()], bind: "lookup" }, async ({ h, customer }) => {
    const payload = textWebhook({ business: h.business, customer, text: "hi" });
    h.api.failNext({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const first = await h.inbound(payload);
    assert.ok(first.status >= 500, "the send failed: Vonage will redeliver");
    assert.equal(h.backend.requests.length, 1);
    assert.equal(await outcome(await h.inbound(payload)), "resent");
    assert.equal(last(h, customer).text, "Found area N1.");
    assert.equal(h.backend.requests.length, 1, "the backend was called once");
    assert.equal(await outcome(await h.inbound(payload)), "duplicate");
    assert.equal(h.backend.requests.length, 1);
  }),

  scenario("dynamic options: 2 and 3 fit as buttons, 7 as a list, 25 page with More…", { menus: [booking], bind: "booking" }, async ({ h }) => {
    const cases: Array<[string, number, string, number]> = [
      ["E1 1AA", 2, "button", 2],
      ["N1 1AA", 3, "button", 3],
      ["S1 1AA", 7, "list", 7],
      ["W1 1AA", 25, "list", 10],
    ];
    for (const [postcode, n, type, rows] of cases) {
      const c = newCustomer();
      h.backend.setSlots(postcode, slots(n));
      await say(h, c, "hi");
      assert.equal(await say(h, c, postcode), "advanced");
      const shown = last(h, c);
      assert.equal(shown.type, type, `${n} options`);
      assert.equal(choices(shown).length, rows);
      if (n !== 25) continue;
      assert.deepEqual(choices(shown).at(-1), { id: "wa-menu:more", title: "More…" });
      assert.equal(await tap(h, c, "wa-menu:more", "More…"), "paged");
      assert.deepEqual(
        choices(last(h, c)).map((o) => o.title),
        [
          ...slots(18)
            .slice(9)
            .map((s) => s.label),
          "More…",
        ],
      );
      assert.equal(await say(h, c, "more"), "paged");
      assert.deepEqual(
        choices(last(h, c)).map((o) => o.title),
        slots(25)
          .slice(18)
          .map((s) => s.label),
      );
      // A typed number picks from the page on screen; the answer is the option the customer saw.
      assert.equal(await say(h, c, "3"), "advanced");
      assert.equal((await h.session(c))?.answers.at(-1)?.id, "s21");
      assert.equal((await h.session(c))?.attempts, 0);
    }
  }),

  scenario("dynamic options: a tap on an earlier page's option still answers the question", { menus: [booking], bind: "booking" }, async ({ h, customer }) => {
    h.backend.setSlots("W1 1AA", slots(25));
    await say(h, customer, "hi");
    await say(h, customer, "W1 1AA");
    const firstPage = lastUuid(h, customer);
    await tap(h, customer, "wa-menu:more", "More…");
    const res = await h.inbound(replyWebhook({ business: h.business, customer, id: "s2", title: "Slot 2", contextUuid: firstPage }));
    assert.equal(await outcome(res), "advanced");
    assert.equal(last(h, customer).text, "Deliver to W1 1AA on Slot 2?");
  }),

  scenario("dynamic options: titles too long are clipped, or left out when the menu says refuse", { menus: [booking], bind: "booking" }, async ({ h, customer }) => {
    const long = [
      { id: "a", label: "Monday morning between eight and ten" },
      { id: "b", label: "Tue 8-10" },
    ];
    h.backend.setSlots("E1 1AA", long);
    await say(h, customer, "hi");
    await say(h, customer, "E1 1AA");
    assert.deepEqual(choices(last(h, customer)), [
      { id: "a", title: "Monday morning between …" },
      { id: "b", title: "Tue 8-10" },
    ]);
    const refusing = structuredClone(booking) as typeof booking & { nodes: { pick: { options: { titles: string } } } };
    refusing.nodes.pick.options.titles = "refuse";
    await h.publish(refusing);
    const c = newCustomer();
    await say(h, c, "hi");
    await say(h, c, "E1 1AA");
    assert.deepEqual(choices(last(h, c)), [{ id: "b", title: "Tue 8-10" }]);
  }),

  scenario(
    "dynamic options: a tap on an option the backend has since taken is the answer the customer saw; the booking's 409 offers the new list",
    { menus: [booking], bind: "booking" },
    async ({ h, customer }) => {
      h.backend.setSlots("N1 1AA", slots(3));
      await say(h, customer, "hi");
      await say(h, customer, "N1 1AA");
      h.backend.setSlots("N1 1AA", [slots(3)[0]!, slots(3)[2]!]);
      assert.equal(await tap(h, customer, "s2", "Slot 2"), "advanced");
      const answer = (await h.session(customer))?.answers.at(-1);
      assert.deepEqual([answer?.node, answer?.id, answer?.title], ["pick", "s2", "Slot 2"]);
      assert.equal(await tap(h, customer, "book", "Yes, book it"), "advanced");
      const sent = h.api.accepted.filter((m) => m.body["to"] === customer).slice(-2);
      assert.equal(sent[0]!.body["text"], "Sorry, that slot has just been taken.");
      assert.deepEqual(
        choices(last(h, customer)).map((o) => o.id),
        ["s1", "s3"],
      );
      assert.equal(h.backend.requests.at(-2)?.path, "/bookings");
    },
  ),

  scenario("conditions: equals, in, gt, gte with lte, lt, matches, exists (set and unset) and else, each on its own branch", { menus: [branches], bind: "branches" }, async ({ h }) => {
    const cases: Array<[string, string]> = [
      ["gold", "equals"],
      ["blue", "in"],
      ["1001", "gt"],
      ["750", "gte+lte"],
      ["-3", "lt"],
      ["xxx", "matches"],
      ["7.0", "equals number"],
      ["yes", "exists"],
      ["hello", "else"],
    ];
    for (const [word, branch] of cases) {
      const c = newCustomer();
      await say(h, c, "hi");
      assert.equal(await say(h, c, word), "completed");
      assert.equal(last(h, c).text, branch, `"${word}"`);
    }
  }),
];
