/** The local webhook receiver npm start runs: what it verifies, what it answers, what it lists. */
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createWebhookReceiver, type ReceivedWebhook } from "../../sim/webhook-receiver.js";
import { signingKey, signWebhook } from "../../src/business-webhooks/sign.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const NOW = Date.parse("2026-03-12T09:30:00Z");
const body = JSON.stringify({ type: "menu.completed", timestamp: "2026-03-12T09:29:59Z", data: { menu: "cafe", answers: [{ node: "size", id: "large", title: "Large" }] } });

/** Signed as the worker signs (its own signer), at `seconds`. */
async function signed(secret: string, id: string, raw: string, seconds = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  return { ...(await signWebhook(await signingKey(secret), id, seconds, raw)), "Content-Type": "application/json" };
}

describe("the local webhook receiver", () => {
  it("verifies the worker's signature, answers 200 and lists the delivery with its id, time and JSON body", async () => {
    const secret = newSecret();
    const receiver = createWebhookReceiver({ secret, now: () => NOW });
    const told: ReceivedWebhook[] = [];
    receiver.subscribe((hook) => void told.push(hook));

    const res = await receiver.app.request("/hooks/orders?shop=1", { method: "POST", headers: await signed(secret, "msg_abc", body), body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, repeat: false });
    const [hook] = receiver.received();
    expect(hook).toEqual({
      seq: 1,
      at: "2026-03-12T09:30:00.000Z",
      method: "POST",
      path: "/hooks/orders?shop=1",
      webhookId: "msg_abc",
      timestamp: expect.stringMatching(/^\d+$/),
      verified: true,
      repeat: false,
      status: 200,
      body: JSON.parse(body),
    });
    expect(told).toEqual([hook]);
  });

  it("verifies what any Standard Webhooks sender signs, not only the worker", async () => {
    const secret = newSecret();
    const receiver = createWebhookReceiver({ secret });
    const headers = { "webhook-id": "msg_lib", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": new Webhook(secret).sign("msg_lib", new Date(), body) };
    expect((await receiver.app.request("/", { method: "POST", headers, body })).status).toBe(200);
    expect(receiver.received()[0]).toMatchObject({ verified: true, webhookId: "msg_lib" });
  });

  it("refuses with 401 and says what to check: another secret, a changed body, an old timestamp, no signature", async () => {
    const secret = newSecret();
    const receiver = createWebhookReceiver({ secret });
    const post = async (headers: Record<string, string>, raw = body) => {
      const res = await receiver.app.request("/hooks", { method: "POST", headers, body: raw });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error, hook: receiver.received().at(-1)! };
    };

    const other = await post(await signed(newSecret(), "msg_1", body));
    expect(other.status).toBe(401);
    expect(other.error).toContain("the signature does not match this body: is the worker's COMPLETION_WEBHOOK_SECRET the one this receiver has");
    expect(other.hook).toMatchObject({ verified: false, status: 401, webhookId: "msg_1", problem: other.error, body: JSON.parse(body) });

    const changed = await post(await signed(secret, "msg_2", body), body.replace("Large", "Small"));
    expect(changed.error).toContain("the signature does not match this body");

    const old = await post(await signed(secret, "msg_3", body, Math.floor(Date.now() / 1000) - 600));
    expect(old.error).toBe("webhook-timestamp is more than 5 minutes from this machine's clock (message timestamp too old): a replayed or delayed request");

    const bare = await post({ "Content-Type": "application/json" }, "not json");
    expect(bare.error).toBe("no webhook-id, webhook-timestamp or webhook-signature header: this request was not signed the Standard Webhooks way");
    expect(bare.hook).toMatchObject({ webhookId: null, timestamp: null, verified: false, body: "not json" });
  });

  it("shows a long body that is not JSON cut between whole characters: never half an emoji", async () => {
    const receiver = createWebhookReceiver({ secret: newSecret() });
    // 64 KiB is where it is cut: an emoji across that point (two UTF-16 units) went half into the list.
    const raw = `${"a".repeat(64 * 1024 - 1)}\u{1F600}b`;
    await receiver.app.request("/", { method: "POST", headers: { "Content-Type": "text/plain" }, body: raw });
    const shown = receiver.received()[0]?.body;
    expect(shown).toBe(`${"a".repeat(64 * 1024 - 1)}…`);
    expect(String(shown)).not.toMatch(/\p{Cs}/u);
  });

  it("marks a webhook-id it already took as a repeat (the business deduplicates on it)", async () => {
    const secret = newSecret();
    const receiver = createWebhookReceiver({ secret });
    for (let i = 0; i < 2; i++) await receiver.app.request("/", { method: "POST", headers: await signed(secret, "msg_same", body), body });
    expect(receiver.received().map((h) => [h.seq, h.repeat])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it("keeps only the last ones", async () => {
    const secret = newSecret();
    const receiver = createWebhookReceiver({ secret, keep: 3 });
    for (let i = 1; i <= 5; i++) await receiver.app.request("/", { method: "POST", headers: await signed(secret, `msg_${i}`, body), body });
    expect(receiver.received().map((h) => h.webhookId)).toEqual(["msg_3", "msg_4", "msg_5"]);
  });

  it("says what it is to anything but a POST", async () => {
    const res = await createWebhookReceiver({ secret: newSecret() }).app.request("/");
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ error: "this is the local webhook receiver: it takes POSTs only, not GET" });
  });
});
