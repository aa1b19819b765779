/** The simulator when things go wrong: the worker down or refusing, the Messages API rejecting, foreign pages. */
import { describe, expect, it } from "vitest";
import type { Entry, NoticeEntry } from "../../sim/chat-log.js";
import { VonageApiError } from "../../src/errors.js";
import { buildMessage } from "../../src/vonage/outbound.js";
import { generateTestKeys } from "../support/keys.js";
import { ALICE, BILAL, BUSINESS, rigWithStub, rigWithWorker, type Rig } from "./rig.js";

const notices = (rig: Rig, customer: string) => rig.sim.log.entries(customer).filter((e): e is NoticeEntry => e.kind === "notice");
const accepted204 = async () => new Response(null, { status: 204 });

const buttons = (n: number) => ({
  type: "button" as const,
  body: { text: "Pick one" },
  action: { buttons: Array.from({ length: n }, (_, i) => ({ type: "reply" as const, reply: { id: `b${i}`, title: `Button ${i}` } })) },
});

describe("chat simulator failures", () => {
  it("survives a worker that is down: the bubble fails and the chat says how to bring it back", async () => {
    const rig = await rigWithStub(() => Promise.reject(new TypeError("fetch failed")), { unreachableHint: "Is `npm start` still running?" });
    const res = await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hello" });
    expect(await res.json()).toEqual({ ok: false });

    const [mine, notice] = rig.sim.log.entries(ALICE.number) as [Entry, NoticeEntry];
    expect(mine).toMatchObject({ kind: "customer", delivery: "failed" });
    expect(notice).toMatchObject({ level: "error", title: "The worker did not take this message" });
    expect(notice.detail).toBe("The worker at http://worker.test did not answer (connection failed). Is `npm start` still running?");

    // Still serving: the next attempt goes out again.
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "again" });
    expect(rig.received.filter((r) => r.path === "/webhooks/inbound")).toHaveLength(2);
  });

  it("shows the worker's own error text when it refuses a webhook", async () => {
    const rig = await rigWithStub(async () => Response.json({ error: "ERR_SIGNATURE_INVALID", message: "signature does not verify" }, { status: 401 }));
    await rig.page(`/api/customers/${BILAL.number}/messages`, { text: "hello" });
    expect(notices(rig, BILAL.number).at(-1)?.detail).toBe("The worker answered 401: signature does not verify");
    expect(notices(rig, ALICE.number)).toHaveLength(0);
  });

  it("answers a message over WhatsApp's limits with Vonage's 422 and lists the problems in that chat", async () => {
    const rig = await rigWithStub(accepted204);
    const send = rig.messages().send(buildMessage(BUSINESS.number, ALICE.number, { type: "interactive", interactive: buttons(4) as never }));
    const error = await send.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VonageApiError);
    expect((error as VonageApiError).httpStatus).toBe(422);
    expect(rig.sim.api.rejected.at(-1)?.problem).toMatchObject({ title: "Invalid params", invalid_parameters: [{ name: "custom.interactive.action.buttons", reason: "must hold 1 to 3 buttons" }] });

    expect(notices(rig, ALICE.number)).toEqual([
      expect.objectContaining({
        level: "error",
        title: "The Messages API rejected a message: 422 Invalid params",
        detail: "The value of one or more parameters is invalid.",
        problems: ["custom.interactive.action.buttons: must hold 1 to 3 buttons"],
      }),
    ]);
    expect(rig.sim.log.entries(ALICE.number).filter((e) => e.kind === "business")).toHaveLength(0);
  });

  it("refuses a JWT signed with another key (401), as Vonage would, and says so in the chat", async () => {
    const rig = await rigWithStub(accepted204);
    const stranger = await generateTestKeys();
    const error = await rig
      .messages(stranger.pkcs8Pem)
      .send(buildMessage(BUSINESS.number, BILAL.number, { type: "text", text: "hi" }))
      .catch((e: unknown) => e);
    expect((error as VonageApiError).httpStatus).toBe(401);
    expect(notices(rig, BILAL.number).at(-1)).toMatchObject({ title: "The Messages API rejected a message: 401 Invalid Token", detail: "the JWT does not verify with the application's public key" });
  });

  it("gives a message to a number nobody added its own chat", async () => {
    const rig = await rigWithStub(accepted204);
    const uuid = await rig.messages().send(buildMessage(BUSINESS.number, "447700900555", { type: "text", text: "Hello stranger" }));
    expect(rig.sim.log.customers().map((c) => c.number)).toContain("447700900555");
    expect(rig.sim.log.get(uuid)).toMatchObject({ customer: "447700900555", content: { type: "text", text: "Hello stranger" } });
  });

  it("leaves ticks where they were when the worker refuses status webhooks, with one red line per run", async () => {
    const rig = await rigWithStub(async (request) =>
      new URL(request.url).pathname === "/webhooks/status" ? Response.json({ error: "internal", message: "boom" }, { status: 500 }) : Response.json({ outcome: "started" }),
    );
    // Alice writes first: only then do the business's messages reach her (and get `submitted`, not `rejected`).
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    const first = await rig.messages().send(buildMessage(BUSINESS.number, ALICE.number, { type: "text", text: "one" }));
    const second = await rig.messages().send(buildMessage(BUSINESS.number, ALICE.number, { type: "text", text: "two" }));
    await rig.sim.receipts.idle();
    expect(rig.sim.log.get(first)).toMatchObject({ tick: "accepted" });
    expect(rig.sim.log.get(second)).toMatchObject({ tick: "accepted" });
    expect(notices(rig, ALICE.number).map((n) => [n.title, n.detail])).toEqual([["A status webhook was not accepted", "submitted: The worker answered 500: boom"]]);
  });

  it("refuses API calls from another site's page", async () => {
    const rig = await rigWithStub(accepted204);
    const res = await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" }, { Origin: "http://evil.test" });
    expect(res.status).toBe(403);
    expect(rig.received).toHaveLength(0);
    const own = await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" }, { Origin: "http://localhost" });
    expect(own.status).toBe(200);
  });

  it("feeds the page a snapshot on connect, then every change", async () => {
    const rig = await rigWithWorker();
    const res = await rig.sim.app.request("/api/events");
    expect(res.headers.get("Content-Type")).toBe("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`feed ended before ${pattern}`);
        text += value;
      }
    };
    await until(/event: snapshot\ndata: .*\nretry: 1000\n\n/);
    const snapshot = JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(text)![1]!) as { business: unknown; customers: unknown[]; entries: unknown[] };
    expect(snapshot).toMatchObject({ business: BUSINESS, customers: [ALICE, BILAL], entries: [] });

    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    await until(/"kind":"business"/);
    expect(text).toContain('event: entry\ndata: {"type":"entry","entry":{"kind":"customer"');
    await reader.cancel();
    rig.sim.closeFeeds();
  });

  it("serves the page's files without caching", async () => {
    const rig = await rigWithStub(accepted204);
    const page = await rig.sim.app.request("/");
    expect(page.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(await page.text()).toBe("page file index.html");
    expect(await (await rig.sim.app.request("/app.js")).text()).toBe("page file app.js");
  });
});
