/** Scenarios of menus as a product: the admin API, versions, the shorthand. Written once for every runtime. */
import assert from "node:assert/strict";
import booking from "../../menus/booking.json" with { type: "json" };
import delivery from "../../menus/delivery.json" with { type: "json" };
import pills from "../../menus/pills.json" with { type: "json" };
import { replyWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { newCustomer, scenario, withHarness, type Harness, type Scenario } from "./harness.js";

const json = async (res: Response) => (await res.json()) as Record<string, any>;
const interactiveOf = (h: Harness, i = -1) => (h.api.accepted.at(i)?.body["custom"] as { interactive: any } | undefined)?.interactive;

/** A two-step menu whose texts say which version they come from. */
function versioned(version: string) {
  return {
    id: "survey",
    start: "q1",
    nodes: {
      q1: {
        type: "question",
        text: `(${version}) How was your visit?`,
        options: [
          { id: "good", title: "Good", next: "q2" },
          { id: "bad", title: "Bad", next: "q2" },
        ],
      },
      q2: {
        type: "question",
        text: `(${version}) Would you come back?`,
        options: [
          { id: "yes", title: "Yes", next: { text: `(${version}) Thanks!` } },
          { id: "no", title: "No", next: { text: `(${version}) Sorry to hear.` } },
        ],
      },
    },
  };
}

export const adminScenarios: Scenario[] = [
  {
    name: "admin API: off without a token, 401 with a wrong one, open with the right one",
    run: async (make) => {
      await withHarness(
        make,
        async (h) => {
          const res = await h.request("/admin/menus", { headers: { Authorization: "Bearer anything-at-all-1234" } });
          assert.equal(res.status, 404);
        },
        { env: { ADMIN_TOKEN: undefined } },
      );
      await withHarness(make, async (h) => {
        assert.equal((await h.request("/admin/menus")).status, 401);
        assert.equal((await h.request("/admin/menus", { headers: { Authorization: `Bearer ${h.adminToken}x` } })).status, 401);
        assert.equal((await h.request("/admin/menus", { headers: { Authorization: h.adminToken } })).status, 401);
        const ok = await h.admin("GET", "/admin/menus");
        assert.equal(ok.status, 200);
        assert.deepEqual(await ok.json(), { menus: [] });
      });
    },
  },
  scenario("admin API: an invalid menu is refused with every problem and its path, and nothing is stored", {}, async ({ h }) => {
    const broken = structuredClone(pills) as any;
    broken.nodes.pill.interactive.action.sections[0].rows[0].title = "A red pill, the one that shows the truth";
    broken.nodes.pill.interactive.action.button = "";
    delete broken.nodes.pill.next.row4;
    const res = await h.admin("PUT", "/admin/menus/pills", broken);
    assert.equal(res.status, 422);
    const body = await json(res);
    // The routing problem with the limits, not after they are fixed.
    assert.deepEqual(
      body["problems"].map((p: { path: string }) => p.path).sort(),
      ["$.nodes.pill.interactive.action.button", "$.nodes.pill.interactive.action.sections[0].rows[0].title", "$.nodes.pill.next"].sort(),
    );
    assert.equal((await h.admin("GET", "/admin/menus/pills")).status, 404);
    assert.deepEqual(await json(await h.admin("GET", "/admin/menus")), { menus: [] });
    // Alone, once the limits hold.
    broken.nodes.pill = structuredClone(pills).nodes.pill;
    delete broken.nodes.pill.next.row4;
    const routing = await json(await h.admin("PUT", "/admin/menus/pills", broken));
    assert.deepEqual(routing["problems"], [{ path: "$.nodes.pill.next", message: 'option "row4" has no destination; add "row4": "<node id>" or {"text": "..."}' }]);
    const mismatch = await h.admin("PUT", "/admin/menus/other", pills);
    assert.equal(mismatch.status, 400);
    const notJson = await h.request("/admin/menus/pills", { method: "PUT", headers: { Authorization: `Bearer ${h.adminToken}` }, body: "{" });
    assert.equal(notJson.status, 400);
  }),
  scenario("admin API: a menu file saved as Latin-1 is refused with a 400 that says to save it as UTF-8, not published with U+FFFD", {}, async ({ h }) => {
    const doc = (text: string) => JSON.stringify({ id: "hello", start: "ask", nodes: { ask: { type: "text", text } } });
    // "Café" as Latin-1 and Windows-1252 write it: é is the one byte 0xE9, which is not UTF-8.
    const latin1 = Uint8Array.from(doc("Caf\u00e9 open"), (ch) => ch.charCodeAt(0));
    const put = (body: Uint8Array | string) => h.request("/admin/menus/hello", { method: "PUT", headers: { Authorization: `Bearer ${h.adminToken}` }, body });
    const refused = await put(latin1);
    assert.equal(refused.status, 400);
    assert.match(((await json(refused)) as { message: string }).message, /not UTF-8.*save the file .*as UTF-8/);
    assert.equal((await h.admin("GET", "/admin/menus/hello")).status, 404, "nothing is stored");
    // The same menu as UTF-8 (with the byte order mark some editors write) is published with its text as written.
    assert.equal((await put(`\ufeff${doc("Caf\u00e9 open")}`)).status, 201);
    assert.equal(((await json(await h.admin("GET", "/admin/menus/hello"))) as { menu: { nodes: { ask: { text: string } } } }).menu.nodes.ask.text, "Caf\u00e9 open");
    // Every other call of the business's is read the same way: a start's profile name too.
    const start = await h.request("/flows/hello/start", {
      method: "POST",
      headers: { Authorization: `Bearer ${h.adminToken}` },
      body: Uint8Array.from(JSON.stringify({ to: newCustomer(), from: h.business, profileName: "Jos\u00e9" }), (ch) => ch.charCodeAt(0)),
    });
    assert.equal(start.status, 400);
  }),
  scenario("admin API: a request body nested thousands of levels deep is a 422 at its path, not a 500 from an overflowed stack", {}, async ({ h }) => {
    // Within the upload's 1 MiB and the body's 8,192 characters; the schema, the compiler and JSON.stringify recurse.
    const upload = (depth: number) => {
      const doc = JSON.stringify(booking).replace('"body":{"postcode":"{{vars.postcode}}"}', `"body":{"postcode":"{{vars.postcode}}","deep":${"[".repeat(depth)}${"]".repeat(depth)}}`);
      assert.ok(doc.includes('"deep"'));
      return h.request("/admin/menus/booking", { method: "PUT", headers: { Authorization: `Bearer ${h.adminToken}` }, body: doc });
    };
    const refused = await upload(4000);
    assert.equal(refused.status, 422, await refused.clone().text());
    const [problem] = (await json(refused))["problems"] as Array<{ path: string; message: string }>;
    assert.ok(problem!.path.startsWith('$.nodes["fetch-slots"].body.deep[0]'), problem!.path);
    assert.match(problem!.message, /nests deeper than 64 levels/);
    assert.equal((await h.admin("GET", "/admin/menus/booking")).status, 404, "nothing is stored");
    // A body of a depth a backend could want is taken.
    assert.equal((await upload(40)).status, 201);
  }),
  scenario("admin API: a __proto__ key, which zod's records drop without a word, is refused in a menu and in a start's variables", { wrote: true }, async ({ h, customer }) => {
    const menu = { id: "hello", start: "ask", variables: { table: {} }, nodes: { ask: { type: "text", text: "Table {{vars.table}}" } } };
    const send = (method: string, path: string, text: string) => h.request(path, { method, headers: { Authorization: `Bearer ${h.adminToken}` }, body: text });
    // Written as JSON text: in a JavaScript literal the key would set the prototype instead.
    const refused = await send("PUT", "/admin/menus/hello", JSON.stringify(menu).replace('"variables":{', '"variables":{"__proto__":{},'));
    assert.equal(refused.status, 422, await refused.clone().text());
    assert.deepEqual((await json(refused))["problems"], [{ path: "$.variables.__proto__", message: 'a key named "__proto__" is not taken (it would be dropped without a word); rename it' }]);
    assert.equal((await h.admin("PUT", "/admin/menus/hello", menu)).status, 201);
    // A start whose variables hold one is a 400 that says the rule, and nothing is sent; before, it went out without it.
    const start = await send("POST", "/flows/hello/start", JSON.stringify({ to: customer, from: h.business, variables: { table: "7" } }).replace('"variables":{', '"variables":{"__proto__":"x",'));
    assert.equal(start.status, 400, await start.clone().text());
    assert.match((await json(start))["message"], /variables: names __proto__, which is no variable name: names are 1 to 32 letters, digits or ._., starting with a letter/);
    assert.equal(h.api.accepted.length, 0);
  }),
  scenario(
    "admin API: a menu that sends signed webhooks or backend requests, uploaded to a worker without COMPLETION_WEBHOOK_SECRET, is taken with a warning that says so",
    { harness: { env: { COMPLETION_WEBHOOK_SECRET: undefined } } },
    async ({ h }) => {
      const res = await h.admin("PUT", "/admin/menus/booking", booking);
      assert.equal(res.status, 201, await res.clone().text());
      const warnings = (await json(res))["warnings"] as Array<{ path: string; message: string }>;
      const unsigned = warnings.find((w) => w.message.includes("COMPLETION_WEBHOOK_SECRET"));
      assert.ok(unsigned !== undefined, `no warning names the missing secret: ${JSON.stringify(warnings)}`);
      assert.match(unsigned.message, /until you set it/);
      // A menu that signs nothing is not warned.
      const plain = await h.admin("PUT", "/admin/menus/delivery", delivery);
      assert.deepEqual(
        ((await json(plain))["warnings"] as Array<{ message: string }>).filter((w) => w.message.includes("COMPLETION_WEBHOOK_SECRET")),
        [],
      );
    },
  ),
  scenario("admin API: the booking menu is taken without a warning about signing where COMPLETION_WEBHOOK_SECRET is set", {}, async ({ h }) => {
    const res = await h.admin("PUT", "/admin/menus/booking", booking);
    assert.equal(res.status, 201, await res.clone().text());
    assert.deepEqual(
      ((await json(res))["warnings"] as Array<{ message: string }>).filter((w) => w.message.includes("COMPLETION_WEBHOOK_SECRET")),
      [],
    );
  }),
  scenario("admin API: versions, current and old, rollback, bindings, delete", {}, async ({ h }) => {
    const v1 = await json(await h.admin("PUT", "/admin/menus/survey", versioned("v1")));
    assert.deepEqual(v1, { id: "survey", version: 1, warnings: [] });
    assert.equal((await json(await h.admin("PUT", "/admin/menus/survey", versioned("v2"))))["version"], 2);
    const current = await json(await h.admin("GET", "/admin/menus/survey"));
    assert.equal(current["version"], 2);
    assert.deepEqual(current["menu"], versioned("v2"));
    assert.deepEqual((await json(await h.admin("GET", "/admin/menus/survey?version=1")))["menu"], versioned("v1"));
    const nine = await h.admin("GET", "/admin/menus/survey?version=9");
    assert.equal(nine.status, 404);
    assert.equal((await json(nine))["message"], 'menu "survey" has no version 9: its versions are 1 to 2', "says which there are");
    const back = await h.admin("POST", "/admin/menus/survey/rollback", { version: 9 });
    assert.equal((await json(back))["message"], 'menu "survey" has no version 9: its versions are 1 to 2');
    // Only a version number is a version: not another way of writing one (Number() read "0x2" as 2, "1e0" as 1).
    for (const odd of ["0x2", "1e0", "+1", "1.0", "%201", "0", "-1", "one", ""]) {
      const res = await h.admin("GET", `/admin/menus/survey?version=${odd}`);
      assert.equal(res.status, 400, `?version=${odd}: ${res.status}`);
      assert.match((await json(res))["message"], /give a version number \(1, 2, \.\.\.\)/);
    }
    // What a 400 quotes is cut between whole characters: an emoji across the cut went out as half of it (a lone
    // surrogate), a flag as one of its two letters.
    const emoji = await json(await h.admin("GET", `/admin/menus/survey?version=${"v".repeat(19)}${encodeURIComponent("\u{1F600}")}x`));
    assert.equal(emoji["message"], `version "${"v".repeat(19)}…" is not valid: give a version number (1, 2, ...), as GET /admin/menus lists them`);
    // A number across the cut is masked whole: masked alone, the part before it would show its own last four digits.
    const across = await json(await h.admin("GET", `/admin/menus/survey?version=${encodeURIComponent("customer 447700900123")}`));
    assert.equal(across["message"], 'version "customer ********01…" is not valid: give a version number (1, 2, ...), as GET /admin/menus lists them');
    const flag = await json(await h.admin("GET", `/admin/menus/${"a".repeat(78)}${encodeURIComponent("\u{1F1EC}\u{1F1E7}")}b`));
    assert.match(flag["message"], new RegExp(`^menu id "${"a".repeat(78)}…" is not valid`));
    const rolled = await json(await h.admin("POST", "/admin/menus/survey/rollback", { version: 1 }));
    assert.deepEqual(rolled, { id: "survey", version: 3, from: 1 });
    assert.deepEqual((await json(await h.admin("GET", "/admin/menus/survey")))["menu"], versioned("v1"));
    const list = await json(await h.admin("GET", "/admin/menus"));
    assert.deepEqual(
      list["menus"].map((m: any) => [m.id, m.current, m.latest]),
      [["survey", 3, 3]],
    );

    assert.equal((await h.admin("PUT", `/admin/bindings/${h.business}`, { menuId: "nope" })).status, 404);
    assert.equal((await h.admin("PUT", `/admin/bindings/${h.business}`, { menuId: "survey" })).status, 200);
    assert.equal((await h.admin("PUT", "/admin/bindings/not-a-number", { menuId: "survey" })).status, 400);
    const bindings = await json(await h.admin("GET", "/admin/bindings"));
    assert.deepEqual(bindings["bindings"], [{ number: h.business, menuId: "survey" }]);

    const customer = newCustomer();
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    assert.equal(interactiveOf(h)?.body.text, "(v1) How was your visit?");
    // A bound menu is not deleted from under the number that starts it.
    const inUse = await h.admin("DELETE", "/admin/menus/survey");
    assert.equal(inUse.status, 409);
    assert.deepEqual((await json(inUse))["bindings"], [h.business]);
    assert.equal((await h.admin("DELETE", `/admin/bindings/${h.business}`)).status, 204);
    const deleted = await h.admin("DELETE", "/admin/menus/survey");
    assert.equal(deleted.status, 200, await deleted.clone().text());
    assert.equal((await h.admin("GET", "/admin/menus/survey")).status, 404);
    assert.deepEqual((await json(await h.admin("GET", "/admin/menus")))["menus"], []);
    // Publishing the id again continues the numbers: version 3 of the customer's conversation is never rewritten.
    const again = await json(await h.admin("PUT", "/admin/menus/survey", versioned("other")));
    assert.equal(again["version"], 4);
    assert.deepEqual((await json(await h.admin("GET", "/admin/menus/survey?version=3")))["menu"], versioned("v1"));
    // A conversation already on the menu finishes on its version.
    await h.inbound(replyWebhook({ business: h.business, customer, id: "good", title: "Good" }));
    assert.equal(interactiveOf(h)?.body.text, "(v1) Would you come back?");
    assert.equal((await h.admin("DELETE", "/admin/menus/nope")).status, 404);
  }),
  scenario("admin API: two publishes at once never share a version number", {}, async ({ h }) => {
    await h.admin("PUT", "/admin/menus/survey", versioned("v1"));
    const [a, b] = await Promise.all([h.admin("PUT", "/admin/menus/survey", versioned("a")), h.admin("PUT", "/admin/menus/survey", versioned("b"))]);
    const versions = [(await json(a))["version"], (await json(b))["version"]];
    assert.notEqual(versions[0], versions[1]);
    assert.deepEqual((await json(await h.admin("GET", `/admin/menus/survey?version=${versions[0]}`)))["menu"], versioned("a"));
    assert.deepEqual((await json(await h.admin("GET", `/admin/menus/survey?version=${versions[1]}`)))["menu"], versioned("b"));
  }),
  scenario("publishing version 2 mid-flow: the customer on version 1 finishes on it, a new customer starts on version 2", {}, async ({ h }) => {
    await h.admin("PUT", "/admin/menus/survey", versioned("v1"));
    await h.admin("PUT", `/admin/bindings/${h.business}`, { menuId: "survey" });
    const early = newCustomer();
    await h.inbound(textWebhook({ business: h.business, customer: early, text: "hi" }));
    assert.equal(interactiveOf(h)?.body.text, "(v1) How was your visit?");

    await h.admin("PUT", "/admin/menus/survey", versioned("v2"));
    await h.inbound(replyWebhook({ business: h.business, customer: early, id: "good", title: "Good" }));
    assert.equal(interactiveOf(h)?.body.text, "(v1) Would you come back?");
    await h.inbound(replyWebhook({ business: h.business, customer: early, id: "yes", title: "Yes" }));
    assert.equal(h.api.accepted.at(-1)?.body["text"], "(v1) Thanks!");

    const late = newCustomer();
    await h.inbound(textWebhook({ business: h.business, customer: late, text: "hi" }));
    assert.equal(interactiveOf(h)?.body.text, "(v2) How was your visit?");
    assert.equal((await h.session(late))?.menuVersion, 2);
    assert.equal((await h.session(early))?.menuVersion, 1);
  }),
  scenario("a number with a leading 0 or 00 (national, or a dialling prefix) is refused with the rule, never stored as one no webhook can match", { menus: [delivery] }, async ({ h, customer }) => {
    for (const number of ["07700900000", "00447700900000"]) {
      const bind = await h.admin("PUT", `/admin/bindings/${number}`, { menuId: "delivery" });
      assert.equal(bind.status, 400);
      assert.match((await json(bind))["message"], /without a leading 0 or 00/);
      const start = await h.admin("POST", "/flows/delivery/start", { to: number, from: h.business });
      assert.equal(start.status, 400);
      assert.match((await json(start))["message"], /to: must be the customer's number, .*without a leading 0 or 00/);
      const hook = await h.inbound(textWebhook({ business: number, customer, text: "hi" }));
      assert.equal(hook.status, 400, "Vonage sends numbers in international form");
    }
    assert.deepEqual((await json(await h.admin("GET", "/admin/bindings")))["bindings"], []);
    // Digits only, but sent as JSON numbers: the answer says that is what is wrong, not that they are not digits.
    const numbers = await h.admin("POST", "/flows/delivery/start", { to: Number(customer), from: Number(h.business) });
    assert.equal(numbers.status, 400);
    assert.match((await json(numbers))["message"], /to: must be a string, in quotes; it must be the customer's number.*from: must be a string, in quotes; it must be your WhatsApp Business number/);
    const bulk = await h.admin("POST", "/flows/delivery/start/bulk", { from: h.business, requestId: "r-1", customers: [{ to: Number(customer) }] });
    assert.match((await json(bulk))["message"], /customers\.0\.to: must be a string, in quotes; it must be the customer's number/);
    assert.equal(h.api.accepted.length, 0);
  }),
  scenario("settings.timezone: a zone the runtime knows is taken, another refused with its path; a date input's today is that zone's", { wrote: true }, async ({ h, customer }) => {
    const booking = (timezone: string) => ({
      id: "tz",
      start: "day",
      settings: { timezone },
      nodes: { day: { type: "input", text: "Which day? (DD-MM-YYYY)", var: "day", validate: { type: "date", max: "today" }, next: { text: "Booked {{vars.day}}" } } },
    });
    const refused = await h.admin("PUT", "/admin/menus/tz", booking("Mars/Olympus_Mons"));
    assert.equal(refused.status, 422);
    assert.ok(JSON.stringify(await json(refused)).includes("$.settings.timezone"));
    // Kiritimati is UTC+14: from 10:00 UTC on its date is a day later than UTC's, which a UTC "today" would refuse
    // (the unit rows of flow-nodes check both sides of that at a fixed time).
    assert.equal((await h.admin("PUT", "/admin/menus/tz", booking("Pacific/Kiritimati"))).status, 201);
    assert.equal((await h.admin("POST", "/flows/tz/start", { to: customer, from: h.business })).status, 200);
    const there = new Intl.DateTimeFormat("en-CA", { timeZone: "Pacific/Kiritimati", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(h.clock.now()));
    const [y, m, d] = there.split("-");
    const res = await h.inbound(textWebhook({ business: h.business, customer, text: `${d}-${m}-${y}` }));
    assert.equal((await json(res))["outcome"], "completed", "today in Kiritimati is no later than today there");
  }),
  scenario("a menu version an older release stored that this release refuses: its customers start afresh, a new conversation on it is a 5xx until it is republished", {}, async ({ h }) => {
    // Stored with its document only, as older releases stored versions, and with an option id this release reserves.
    const legacy = (title: string, id: string) => ({
      id: "legacy",
      start: "q",
      nodes: {
        q: {
          type: "question",
          text: "Which?",
          options: [
            { id, title, next: { text: `${title}!` } },
            { id: "other", title: "Other", next: { text: "Other!" } },
          ],
        },
      },
    });
    const at = new Date().toISOString();
    await h.storeMenuRecord("menu:legacy@1", { menu: legacy("More", "wa-menu:more"), publishedAt: at, publish: "older-release" });
    await h.storeMenuRecord("menu:legacy", { id: "legacy", current: 1, latest: 1, updatedAt: at });
    await h.admin("PUT", "/admin/menus/survey", versioned("v1"));

    // A customer whose conversation runs on legacy@1 (their session as an older release wrote it).
    const onLegacy = newCustomer();
    await h.bind(h.business, "survey");
    await h.inbound(textWebhook({ business: h.business, customer: onLegacy, text: "hi" }));
    const stored = (await h.rawSession(onLegacy))!;
    await h.storeSession({ ...stored, menuId: "legacy", menuVersion: 1 });
    const res = await h.inbound(textWebhook({ business: h.business, customer: onLegacy, text: "hello again" }));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await json(res))["outcome"], "started", "not stuck on a version that cannot run");
    assert.equal(interactiveOf(h)?.body.text, "(v1) How was your visit?");
    assert.ok(
      h.logs.some((l) => l.includes("ERR_MENU_STORED_INVALID") && l.includes("legacy@1")),
      "the operator is told",
    );

    // A new conversation on it: an operator's error (Vonage redelivers a 5xx) that says what to do, then it works.
    await h.bind(h.business, "legacy");
    const fresh = newCustomer();
    const failed = await h.inbound(textWebhook({ business: h.business, customer: fresh, text: "hi" }));
    assert.equal(failed.status, 500);
    assert.ok(!JSON.stringify(await json(failed)).includes("legacy@1"), "the reason is in the log, not the answer");
    assert.ok(h.logs.some((l) => l.includes("fix it (wa-menu validate) and publish it again")));
    assert.equal((await h.admin("PUT", "/admin/menus/legacy", legacy("More", "more"))).status, 201);
    const again = await h.inbound(textWebhook({ business: h.business, customer: fresh, text: "hi" }));
    assert.equal(again.status, 200, await again.clone().text());
    assert.equal((await h.session(fresh))?.menuVersion, 2);
  }),
  scenario("the shorthand renders reply buttons when they fit and a list otherwise, and both pass the Messages API", { wrote: true }, async ({ h, customer }) => {
    const options = (n: number, prefix = "o") => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Option ${i}`, next: { text: `chose ${i}` } }));
    const menu = {
      id: "shapes",
      start: "three",
      nodes: {
        three: { type: "question", text: "Three short ones", header: "Pick", footer: "Thanks", options: [...options(2), { id: "o2", title: "Longer", next: "long" }] },
        long: {
          type: "question",
          text: "Long titles",
          options: [
            { id: "a", title: "A title of 21 letters", next: "many" },
            { id: "b", title: "B", next: "many" },
          ],
        },
        many: { type: "question", text: "Ten of them", button: "See all", options: options(10, "m") },
        described: { type: "question", text: "With descriptions", options: [{ id: "d", title: "D", description: "Has a description", next: { text: "ok" } }] },
      },
    };
    const put = await json(await h.admin("PUT", "/admin/menus/shapes", menu));
    assert.deepEqual(put["warnings"], [{ path: "$.nodes.described", message: 'node "described" cannot be reached from the start node' }]);
    assert.equal((await h.admin("POST", "/flows/shapes/start", { to: customer, from: h.business })).status, 200);
    assert.deepEqual(interactiveOf(h), {
      type: "button",
      header: { type: "text", text: "Pick" },
      body: { text: "Three short ones" },
      footer: { text: "Thanks" },
      action: { buttons: [0, 1].map((i) => ({ type: "reply", reply: { id: `o${i}`, title: `Option ${i}` } })).concat([{ type: "reply", reply: { id: "o2", title: "Longer" } }]) },
    });
    await h.inbound(replyWebhook({ business: h.business, customer, id: "o2", title: "Longer" }));
    assert.equal(interactiveOf(h)?.type, "list", "a title over 20 characters needs a list");
    assert.equal(interactiveOf(h)?.action.button, "Choose");
    await h.inbound(replyWebhook({ business: h.business, customer, id: "a", title: "A title of 21 letters" }));
    assert.equal(interactiveOf(h)?.type, "list");
    assert.equal(interactiveOf(h)?.action.button, "See all");
    assert.equal(interactiveOf(h)?.action.sections[0].rows.length, 10);
    assert.equal(h.api.rejected.length, 0);
    assert.equal(h.api.accepted.length, 3);

    const eleven = { id: "eleven", start: "q", nodes: { q: { type: "question", text: "Too many", options: options(11) } } };
    const refused = await json(await h.admin("PUT", "/admin/menus/eleven", eleven));
    assert.deepEqual(refused["problems"], [{ path: "$.nodes.q.options", message: "a question has 11 options; WhatsApp lists allow 10" }]);
  }),
  scenario("a menu or delivery id in a path that no menu or delivery can have is a 400 naming the rule, never a 500", { menus: [delivery] }, async ({ h, customer }) => {
    // Longer than a KV key may be (Workers KV 512 bytes, Deno KV 2 KiB), non-ASCII, a control character.
    for (const id of ["a".repeat(3000), encodeURIComponent("é".repeat(300)), "%00", "Delivery"]) {
      for (const path of [`/flows/${id}/start`, `/flows/${id}/start/bulk`]) {
        const body = path.endsWith("bulk") ? { from: h.business, requestId: "r1", customers: [{ to: customer }] } : { to: customer, from: h.business };
        const res = await h.admin("POST", path, body);
        assert.equal(res.status, 400, `${path.slice(0, 40)}: ${await res.clone().text()}`);
        assert.match(String((await json(res))["message"]), /menu ids are 1-64 lowercase letters/);
      }
    }
    for (const id of ["x".repeat(3000), "msg_0", encodeURIComponent("ü")]) {
      const res = await h.admin("POST", `/admin/deliveries/${id}/retry`);
      assert.equal(res.status, 400, await res.clone().text());
      assert.match(String((await json(res))["message"]), /msg_ and 32 hex/);
    }
    // The message quotes a long id clipped, not whole.
    const long = await json(await h.admin("POST", `/flows/${"a".repeat(3000)}/start`, { to: customer, from: h.business }));
    assert.ok(String(long["message"]).length < 300, String(long["message"]).length.toString());
    assert.equal(h.api.requests, 0);
  }),
  scenario(
    "a menu id shaped like a phone number is echoed masked in its errors (a 404, a start that does not fit it), as a route is in the log, never whole",
    { menus: [delivery], bind: "delivery" },
    async ({ h, customer }) => {
      // Valid menu ids (lowercase letters, digits, '-'), but each one a customer's number: a caller's slip, quoted back.
      for (const id of ["447700900123", "44-7700-900123"]) {
        const calls: Array<[string, string, unknown?]> = [
          ["GET", `/admin/menus/${id}`],
          ["POST", `/admin/menus/${id}/rollback`, { version: 1 }],
          ["DELETE", `/admin/menus/${id}`],
          ["PUT", `/admin/bindings/${h.business}`, { menuId: id }],
          ["POST", `/flows/${id}/start`, { to: customer, from: h.business }],
          ["POST", `/flows/${id}/start/bulk`, { from: h.business, requestId: "r1", customers: [{ to: customer }] }],
        ];
        for (const [method, path, body] of calls) {
          const res = await h.admin(method, path, body);
          const text = await res.text();
          assert.equal(res.status, 404, `${method} ${path}: ${text}`);
          assert.doesNotMatch(text, /7700|900123/, `${method} ${path}`);
        }
        const missing = String((await json(await h.admin("GET", `/admin/menus/${id}`)))["message"]);
        assert.match(missing, /\*0123" does not exist/);
      }
      // One that exists: a start that does not fit it quotes the id masked too, in every problem it names.
      const menu = { id: "447700900123", start: "ask", variables: { table: { required: true } }, nodes: { ask: { type: "text", text: "Table {{vars.table}}" } } };
      assert.equal((await h.admin("PUT", "/admin/menus/447700900123", menu)).status, 201);
      const unfit = await h.admin("POST", "/flows/447700900123/start", { to: customer, from: h.business, variables: { tabel: "7" } });
      const unfitText = await unfit.text();
      assert.equal(unfit.status, 422, unfitText);
      assert.match(unfitText, /does not fit menu \\"\*+0123\\".*does not declare it.*requires it/);
      assert.doesNotMatch(unfitText, /7700|900123/);
      assert.doesNotMatch(h.logs.join("\n"), /7700-?900123/);
      assert.equal(h.api.requests, 0);
    },
  ),
  scenario("admin API: read and reset one customer's session", { wrote: true }, async ({ h, customer }) => {
    await h.admin("PUT", "/admin/menus/delivery", delivery);
    assert.equal((await h.admin("GET", `/admin/sessions/${h.business}/${newCustomer()}`)).status, 404);
    await h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
    const view = await json(await h.admin("GET", `/admin/sessions/${h.business}/${customer}`));
    assert.equal(view["window"].open, true, "the customer wrote: free-form messages reach them");
    assert.equal(Date.parse(view["window"].closesAt) - Date.parse(view["window"].lastInboundAt), 24 * 3600_000);
    const session = view["session"];
    assert.equal(session.menuId, "delivery");
    assert.equal(session.pending.node, "delivery-time");
    assert.equal(session.pending.messageUuid, h.api.accepted[0]!.messageUuid);
    assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${customer}`)).status, 204);
    const reset = await json(await h.admin("GET", `/admin/sessions/${h.business}/${customer}`));
    assert.deepEqual([reset["session"].pending, reset["session"].answers, reset["timers"]], [null, [], []], "the conversation is forgotten");
    assert.deepEqual(reset["window"], view["window"], "the customer's window is kept");
  }),
];
