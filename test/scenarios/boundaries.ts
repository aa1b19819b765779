/** Trust boundaries, run on every runtime: who may call, where answers may be sent, what logs may show. */
import assert from "node:assert/strict";
import delivery from "../../menus/delivery.json" with { type: "json" };
import { replyWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { newCustomer, withHarness, type Scenario } from "./harness.js";

/** The delivery menu with a webhook on the answer to slot-1. */
const withWebhook = (webhook: string) => {
  const menu = structuredClone(delivery) as { nodes: Record<string, { next: Record<string, unknown> }> };
  menu.nodes["delivery-time"]!.next["slot-1"] = { text: "Booked.", webhook };
  return menu;
};

export const boundaryScenarios: Scenario[] = [
  {
    name: "boundaries: a webhook token for another application, or another account's api_key, is a 401",
    run: (make) =>
      withHarness(
        make,
        async (h) => {
          await h.publish(delivery);
          await h.bind(h.business, "delivery");
          const customer = newCustomer();
          const hi = () => textWebhook({ business: h.business, customer, text: "hi" });
          const other = await h.inbound(hi(), { applicationId: crypto.randomUUID(), apiKey: "acct0001" });
          assert.equal(other.status, 401);
          assert.match(await other.text(), /another Vonage application/);
          assert.equal((await h.inbound(hi(), { apiKey: "someone-else" })).status, 401, "VONAGE_API_KEY is checked when set");
          assert.equal(h.api.accepted.length, 0);
          assert.equal((await h.inbound(hi(), { applicationId: h.applicationId, apiKey: "acct0001" })).status, 200);
          assert.equal((await h.inbound(textWebhook({ business: h.business, customer: newCustomer(), text: "hi" }), { apiKey: "acct0001" })).status, 200, "a token without application_id is taken");
        },
        { env: { VONAGE_API_KEY: "acct0001" } },
      ),
  },
  {
    name: "boundaries: completion webhooks go only to public https hosts, and redirects are not followed",
    run: (make) =>
      withHarness(make, async (h) => {
        for (const url of [
          "http://hooks.example/x",
          "ftp://hooks.example/x",
          "https://127.0.0.1/x",
          "https://localhost/x",
          "https://10.1.2.3/x",
          "https://169.254.169.254/latest",
          "https://[::1]/x",
          "https://2130706433/x",
          "https://[::ffff:127.0.0.1]/x",
          "https://192.168.0.10/x",
        ]) {
          const res = await h.admin("PUT", "/admin/menus/delivery", withWebhook(url));
          assert.equal(res.status, 422, url);
          const body = (await res.json()) as { problems: Array<{ path: string; message: string }> };
          assert.equal(body.problems[0]?.path, '$.nodes["delivery-time"].next["slot-1"].webhook', url);
          assert.match(body.problems[0]!.message, /https|this machine|private/, url);
        }
        assert.equal((await h.admin("PUT", "/admin/menus/delivery", withWebhook(h.hooks.url))).status, 201);
        await h.bind(h.business, "delivery");
        h.hooks.redirectTo("https://127.0.0.1/steal");
        const customer = newCustomer();
        await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
        assert.equal(((await (await h.inbound(replyWebhook({ business: h.business, customer, id: "slot-1", title: "15:00" }))).json()) as { outcome: string }).outcome, "completed");
        assert.ok(h.hooks.requests.length >= 1 && h.hooks.requests.every((r) => !r.headers["host"]?.includes("127.0.0.1")));
        const listed = (await (await h.admin("GET", "/admin/deliveries")).json()) as { deliveries: Array<{ lastError: string }> };
        assert.match(listed.deliveries[0]!.lastError, /redirect/, "the answers stay listed, with why");
      }),
  },
  {
    name: "boundaries: this machine and private networks in every IPv6 form and by private names are refused at upload, with the path and the host",
    run: (make) =>
      withHarness(make, async (h) => {
        const hookPath = '$.nodes["delivery-time"].next["slot-1"].webhook';
        const refused = async (menu: unknown, url: string, path: string) => {
          const res = await h.admin("PUT", "/admin/menus/delivery", menu);
          assert.equal(res.status, 422, url);
          const body = (await res.json()) as { problems: Array<{ path: string; message: string }> };
          const host = new URL(url).hostname;
          assert.ok(
            body.problems.some((p) => p.path === path && p.message.includes(`names ${host},`) && /this machine|private/.test(p.message)),
            `${url}: ${JSON.stringify(body.problems)}`,
          );
        };
        for (const url of [
          "https://[0:0:0:0:0:0:0:1]/x",
          "https://[::ffff:7f00:1]/x",
          "https://[::ffff:10.9.8.7]/x",
          "https://[::ffff:172.16.0.1]/x",
          "https://[::ffff:192.168.1.1]/x",
          "https://[::ffff:169.254.169.254]/x",
          "https://[::ffff:0.1.2.3]/x",
          "https://[::127.0.0.1]/x", // IPv4-compatible (::/96)
          "https://[::ffff:0:127.0.0.1]/x", // IPv4-translated (::ffff:0:0/96)
          "https://[64:ff9b:1::10.0.0.1]/x", // NAT64 for local use
          "https://[2002:a00:1::1]/x", // 6to4 of 10.0.0.1
          "https://[2001:0:a00:1::1]/x", // Teredo
          "https://[100::1]/x",
          "https://[fc00::1]/x",
          "https://[fdff:ffff::1]/x",
          "https://[fe80::1]/x",
          "https://[febf::1]/x",
          "https://[fec0::1]/x",
          "https://[ff02::1]/x",
          "https://[::]/x",
          "https://[2001:db8::1]/x",
          "https://[2001:2::1]/x", // benchmarking
          "https://localhost./x",
          "https://hooks.localhost./x",
          "https://HOOKS.LOCALHOST/x",
          "https://metadata.google.internal./x",
          "https://Metadata.Google.Internal/x",
          "https://printer.local/x",
        ]) {
          await refused(withWebhook(url), url, hookPath);
        }
        // A name without a domain is one the resolver completes from the host network's own search domains.
        for (const url of ["https://backend/x", "https://intranet./x"]) {
          const res = await h.admin("PUT", "/admin/menus/delivery", withWebhook(url));
          assert.equal(res.status, 422, url);
          const body = (await res.json()) as { problems: Array<{ path: string; message: string }> };
          assert.ok(
            body.problems.some((p) => p.path === hookPath && /a name without a domain, which only a private network resolves; use the host's full public name/.test(p.message)),
            `${url}: ${JSON.stringify(body.problems)}`,
          );
        }
        // The agent endpoint (settings.handover.webhook) and a backend request follow the same rules.
        await refused({ ...withWebhook(h.hooks.url), settings: { handover: { webhook: "https://[::ffff:a00:1]/agent" } } }, "https://[::ffff:a00:1]/agent", "$.settings.handover.webhook");
        const requesting = structuredClone(delivery) as { start: string; nodes: Record<string, unknown> };
        requesting.nodes["lookup"] = { type: "request", url: "https://[fd00::5]/slots", next: requesting.start, failure: requesting.start };
        requesting.start = "lookup";
        await refused(requesting, "https://[fd00::5]/slots", "$.nodes.lookup.url");
        // Public addresses written as IPv6 stay allowed.
        for (const url of ["https://[2606:4700:4700::1111]/x", "https://[::ffff:8.8.8.8]/x", "https://[2002:808:808::1]/x"]) {
          assert.equal((await h.admin("PUT", "/admin/menus/delivery", withWebhook(url))).status, 201, url);
        }
      }),
  },
  {
    name: "boundaries: ALLOW_LOCAL_WEBHOOKS lets this machine in every form through, and still no private network",
    run: (make) =>
      withHarness(
        make,
        async (h) => {
          for (const url of ["http://[::1]:8787/x", "http://[0:0:0:0:0:0:0:1]:8787/x", "http://[::ffff:127.0.0.1]:8787/x", "http://localhost.:8787/x", "http://hooks.localhost:8787/x"]) {
            const res = await h.admin("PUT", "/admin/menus/delivery", withWebhook(url));
            assert.equal(res.status, 201, `${url}: ${await res.text()}`);
          }
          for (const url of ["https://[::ffff:10.0.0.1]/x", "https://[fd00::1]/x", "https://[fe80::1]/x", "https://metadata.google.internal./x"]) {
            const res = await h.admin("PUT", "/admin/menus/delivery", withWebhook(url));
            assert.equal(res.status, 422, url);
            assert.match(await res.text(), /private, link-local or reserved/, url);
          }
        },
        { env: { ALLOW_LOCAL_WEBHOOKS: "true" } },
      ),
  },
  {
    name: "boundaries: a message from the business's own number is ignored; logs never show a full number",
    run: (make) =>
      withHarness(make, async (h) => {
        await h.publish(delivery);
        await h.bind(h.business, "delivery");
        const self = await h.inbound(textWebhook({ business: h.business, customer: h.business, text: "hi" }));
        assert.equal(((await self.json()) as { outcome: string }).outcome, "own_number");
        assert.equal(h.api.accepted.length, 0);
        const customer = newCustomer();
        assert.equal((await h.admin("GET", `/admin/sessions/${h.business}/${customer}`)).status, 404);
        assert.equal((await h.admin("DELETE", `/admin/menus/nope`)).status, 404);
        await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
        // A number written in groups of four in a path (refused: not digits only) is no easier to read in the log
        // (a router gives the route `%20` decoded, as a space).
        const grouped = (n: string, sep: string) => n.match(/.{1,4}/g)!.join(sep);
        const ungrouped = (text: string) => text.replace(/%20|[-. ]/g, "");
        for (const sep of ["-", ".", "%20"]) {
          const res = await h.admin("GET", `/admin/sessions/${grouped(h.business, sep)}/${grouped(customer, sep)}`);
          assert.equal(res.status, 400);
          assert.ok(!ungrouped(await res.text()).includes(h.business), "nor does the answer quote it whole");
          // The customer's number in a mistyped route, or where a delivery id goes: the answer does not return it whole.
          for (const path of [`/admin/sessions/${h.business}/${grouped(customer, sep)}/replies`, `/admin/deliveries/${grouped(customer, sep)}/retry`]) {
            const answer = await h.admin("POST", path);
            assert.ok(answer.status === 404 || answer.status === 400, `${path}: ${answer.status}`);
            assert.ok(!ungrouped(await answer.text()).includes(customer), `${path}: the answer quotes the customer's number whole`);
          }
        }
        assert.ok(h.logs.length > 0);
        for (const line of h.logs) {
          const joined = ungrouped(line);
          assert.ok(!joined.includes(customer), `a log line shows the customer's number: ${line}`);
          assert.ok(!joined.includes(h.business), `a log line shows the business number: ${line}`);
        }
      }),
  },
  {
    name: "boundaries: another channel's message or status is ignored whatever its ids (an RCS agent, an SMS's alphanumeric sender), not a 400",
    run: (make) =>
      withHarness(make, async (h) => {
        await h.publish(delivery);
        await h.bind("default", "delivery");
        const customer = newCustomer();
        const base = { message_uuid: crypto.randomUUID(), timestamp: new Date(h.clock.now()).toISOString() };
        const rcs = await h.inbound({ ...base, channel: "rcs", to: "my-rcs-agent", from: customer, message_type: "text", text: "hi" });
        assert.equal(rcs.status, 200, await rcs.clone().text());
        assert.equal(((await rcs.json()) as { outcome: string }).outcome, "ignored");
        const sms = await h.status({ ...base, channel: "sms", to: customer, from: "MyBrand", status: "delivered" });
        assert.equal(sms.status, 204, await sms.clone().text());
        assert.equal(h.api.accepted.length, 0);
        assert.equal(await h.session(customer), null, "nothing is stored for them");
      }),
  },
  {
    name: "boundaries: an ADMIN_TOKEN with a space or under 16 characters is refused with a message that says so",
    run: async (make) => {
      for (const token of ["short", "a token with spaces in it"]) {
        await withHarness(
          make,
          async (h) => {
            const res = await h.request("/healthz");
            assert.equal(res.status, 500);
            assert.ok(!(await res.text()).includes(token));
            assert.match(h.logs.join("\n"), /ADMIN_TOKEN must/);
          },
          { env: { ADMIN_TOKEN: token } },
        );
      }
    },
  },
  {
    name: "boundaries: an admin reset of a session keeps the customer's opt-out unless it is cleared explicitly",
    run: (make) =>
      withHarness(make, async (h) => {
        await h.publish(delivery);
        await h.bind(h.business, "delivery");
        const customer = newCustomer();
        await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
        await h.inbound(textWebhook({ business: h.business, customer, text: "stop" }));
        const start = () => h.admin("POST", "/flows/delivery/start", { to: customer, from: h.business });
        assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${customer}`)).status, 204);
        assert.equal((await start()).status, 409, "the reset did not undo the opt-out");
        const view = (await (await h.admin("GET", `/admin/sessions/${h.business}/${customer}`)).json()) as { optedOut: boolean };
        assert.equal(view.optedOut, true);
        assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${customer}?optOut=maybe`)).status, 400);
        assert.equal((await h.admin("DELETE", `/admin/sessions/${h.business}/${customer}?optOut=clear`)).status, 204);
        // The reset keeps when the customer last wrote: WhatsApp's window is theirs, not the conversation's, so the
        // start sends the question itself (the menu has a template, which would go out in a closed window).
        const sent = h.api.accepted.length;
        assert.equal((await start()).status, 200);
        assert.equal(h.api.accepted.length, sent + 1);
        assert.equal((h.api.accepted.at(-1)!.body["custom"] as { type: string }).type, "interactive", "the question, not the template");
      }),
  },
  {
    name: "boundaries: a menu over 64 KiB and a conversation at every bound at once (100 typed answers of 200 characters, 20 full variables) run to the end on every store, the completion whole",
    run: (make) =>
      withHarness(make, async (h) => {
        // About 90 KiB of menu, and answers in a script of two bytes a character, so that the session, whose
        // completing step also owes the answers in its completion, is far past Deno KV's 64 KiB for one value.
        const QUESTIONS = 100;
        const filler = " Tell us more, in your own words.".repeat(26);
        const nodes: Record<string, unknown> = { done: { type: "text", text: "Thank you, all noted.", webhook: h.hooks.url } };
        for (let i = 0; i < QUESTIONS; i++) {
          nodes[`q${i}`] = {
            type: "input",
            text: `Note ${i + 1} of ${QUESTIONS}.${filler}`,
            var: `v${i % 20}`,
            validate: { type: "text", minLength: 1, maxLength: 200 },
            next: i + 1 < QUESTIONS ? `q${i + 1}` : "done",
          };
        }
        const menu = { id: "notes", start: "q0", nodes };
        assert.ok(JSON.stringify(menu).length > 80 * 1024);
        const put = await h.admin("PUT", "/admin/menus/notes", menu);
        assert.equal(put.status, 201, await put.clone().text());
        await h.bind(h.business, "notes");
        const customer = newCustomer();
        const answer = (i: number) => `${String(i).padStart(3, "0")}${"記".repeat(197)}`;
        assert.equal(((await (await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }))).json()) as { outcome: string }).outcome, "started");
        for (let i = 0; i < QUESTIONS; i++) {
          if (i + 1 === QUESTIONS) assert.ok(new TextEncoder().encode(JSON.stringify(await h.rawSession(customer))).length > 64 * 1024, "the session alone is over 64 KiB");
          const res = await h.inbound(textWebhook({ business: h.business, customer, text: answer(i) }));
          assert.equal(res.status, 200, await res.clone().text());
          assert.equal(((await res.json()) as { outcome: string }).outcome, i + 1 < QUESTIONS ? "advanced" : "completed", `answer ${i + 1}`);
        }
        const sent = h.api.accepted.filter((m) => m.body["to"] === customer).map((m) => String(m.body["text"] ?? ""));
        assert.equal(sent.length, QUESTIONS + 1);
        assert.match(sent.at(-1)!, /^Thank you, all noted\.$/);
        assert.equal(h.hooks.delivered.length, 1, "the completion was delivered once");
        const data = JSON.parse(h.hooks.delivered[0]!.body).data as { answers: Array<{ node: string; id: string }>; variables: Record<string, string> };
        assert.deepEqual(
          data.answers.map((a) => [a.node, a.id]),
          Array.from({ length: QUESTIONS }, (_, i) => [`q${i}`, answer(i)]),
        );
        assert.deepEqual(data.variables, Object.fromEntries(Array.from({ length: 20 }, (_, v) => [`v${v}`, answer(80 + v)])));
        assert.equal((await h.session(customer))?.pending ?? null, null, "the conversation ended");
      }),
  },
];
