/**
 * Property tests (fast-check) on the edges where input is hostile or hand-written: the webhook routes
 * take any bytes, headers and signatures without a 500 and never send without a valid signature; the
 * menu validator takes any document without throwing, and what it accepts renders only messages that
 * the fake Messages API (WhatsApp's rules, written apart from the product's schema) accepts.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import pills from "../../menus/pills.json";
import { createApp } from "../../src/http/app.js";
import { checkMenu } from "../../src/menus/compile.js";
import { menuRepo } from "../../src/store/menus.js";
import { workersKv } from "../../src/store/workers-kv.js";
import { systemRandom } from "../../src/system.js";
import { buildMessage } from "../../src/vonage/outbound.js";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { checkMessageBody } from "../../sim/whatsapp-rules.js";
import { signWebhook } from "../../sim/vonage-webhooks.js";
import { generateTestKeys } from "../support/keys.js";
import { damagedMenuDocument, menuDocument } from "../support/menu-arbitrary.js";

const sleep = async () => undefined;

/** The phone numbers a body names (`from`, `to`), as digits, when it is JSON. */
function numbersIn(raw: string): string[] {
  try {
    const body = JSON.parse(raw) as Record<string, unknown>;
    return [body["from"], body["to"]].flatMap((v) => (typeof v === "string" && /^\+?\d{5,}$/.test(v) ? [v.replace(/^\+/, "")] : []));
  } catch {
    return [];
  }
}

describe("webhooks under random bodies, headers and signatures", () => {
  const logs: string[] = [];
  let app: ReturnType<typeof createApp>;
  let api: ReturnType<typeof createFakeMessagesApi>;
  // Made for this run only, like every key and secret of the tests.
  let secret = "";

  beforeAll(async () => {
    secret = `${crypto.randomUUID()}${crypto.randomUUID()}`;
    const keys = await generateTestKeys();
    const applicationId = crypto.randomUUID();
    api = createFakeMessagesApi({ applicationId, publicKey: keys.publicKey });
    const vars = { VONAGE_APPLICATION_ID: applicationId, VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: secret, VONAGE_API_URL: "https://api.nexmo.test" };
    const stores = { menus: workersKv(env.MENUS, { sleep }), sessions: workersKv(env.SESSIONS, { sleep }) };
    // Every number gets a menu, so that a well-formed, well-signed message does lead to a send.
    const repo = menuRepo(stores.menus);
    await repo.publish(pills, new Date().toISOString());
    await repo.bind("default", "pills");
    app = createApp({ env: vars, stores, fetch: api.fetch, now: Date.now, sleep, random: systemRandom, log: (line) => void logs.push(JSON.stringify(line)) });
  });

  /** Mostly what one field of a real inbound webhook holds, sometimes anything at all. */
  const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue() });
  const phone = fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^\+?[1-9][0-9]{6,14}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 24 }) }, { weight: 1, arbitrary: fc.integer() });
  const inboundLike = fc
    .record({
      message_uuid: field(fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 200 }))),
      to: field(phone),
      from: field(phone),
      channel: field(fc.oneof({ weight: 8, arbitrary: fc.constant("whatsapp") }, { weight: 1, arbitrary: fc.constantFrom("sms", "") })),
      message_type: field(fc.constantFrom("reply", "text", "image", "reaction", "button", "unsupported", "")),
      timestamp: field(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
      reply: field(
        fc.record({ id: fc.constantFrom("row1", "row2", "row4", "red-yes", "x"), title: fc.string({ minLength: 1 }), description: fc.string({ minLength: 1 }) }, { requiredKeys: ["id", "title"] }),
      ),
      text: field(fc.string({ unit: "grapheme", minLength: 1, maxLength: 300 })),
      profile: field(fc.record({ name: fc.string() })),
      context: field(fc.record({ message_uuid: fc.uuid(), message_from: fc.string() })),
      status: field(fc.constantFrom("delivered", "read", "rejected", "")),
      error: fc.jsonValue(),
      extra: fc.jsonValue(),
    })
    // Now and then a field is missing altogether.
    .chain((v) =>
      fc
        .oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray(Object.keys(v), { maxLength: 2 }) })
        .map((drop) => Object.fromEntries(Object.entries(v).filter(([k]) => !drop.includes(k)))),
    );
  /** A well-formed inbound message with random content, so that valid signatures do lead to sends. */
  const wellFormed = fc.record({
    message_uuid: fc.uuid(),
    to: fc.stringMatching(/^[1-9][0-9]{6,14}$/),
    from: fc.stringMatching(/^[1-9][0-9]{6,14}$/),
    channel: fc.constant("whatsapp"),
    message_type: fc.constant("text"),
    timestamp: fc.constant(new Date().toISOString()),
    text: fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }),
  });
  const body = fc.oneof(
    { weight: 1, arbitrary: wellFormed.map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: inboundLike.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
  );
  type Signature = "valid" | "none" | "garbage" | "bearer-garbage" | "wrong-secret" | "other-body" | "stale" | "future" | "alg-none" | "no-hash" | "tampered";
  const signature = fc.constantFrom<Signature>("valid", "valid", "valid", "none", "garbage", "bearer-garbage", "wrong-secret", "other-body", "stale", "future", "alg-none", "no-hash", "tampered");

  async function authorization(kind: Signature, raw: string, junk: string): Promise<string | null> {
    const now = Math.floor(Date.now() / 1000);
    switch (kind) {
      case "valid":
      case "tampered":
        return signWebhook(raw, secret);
      case "none":
        return null;
      case "garbage":
        return junk;
      case "bearer-garbage":
        return `Bearer ${junk.replace(/\s/g, "") || "x"}`;
      case "wrong-secret":
        return signWebhook(raw, `${secret}-not`);
      case "other-body":
        return signWebhook(raw, secret, { hashOf: `${raw} ` });
      case "stale":
        return signWebhook(raw, secret, { iat: now - 3600 });
      case "future":
        return signWebhook(raw, secret, { iat: now + 3600 });
      case "alg-none": {
        const enc = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
        return `Bearer ${enc({ alg: "none", typ: "JWT" })}.${enc({ iat: now, iss: "Vonage", payload_hash: "0".repeat(64) })}.`;
      }
      case "no-hash":
        return `Bearer ${await new SignJWT({ api_key: "abcd1234" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt(now).sign(new TextEncoder().encode(secret))}`;
    }
  }

  it("never answers 500 and never sends unless the signature is valid", async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        signature,
        fc.constantFrom("/webhooks/inbound", "/webhooks/status"),
        fc.string(),
        fc.dictionary(fc.constantFrom("Content-Type", "Content-Length", "X-Forwarded-For", "Accept"), fc.string({ maxLength: 40 })),
        async (raw, kind, path, junk, extraHeaders) => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(extraHeaders)) {
            try {
              headers.set(k, v);
            } catch {
              // Not a valid header value: a client could not send it either.
            }
          }
          const auth = await authorization(kind, raw, junk);
          if (auth !== null) {
            try {
              headers.set("Authorization", auth);
            } catch {
              return;
            }
          }
          const sent = kind === "tampered" ? `${raw}x` : raw;
          const before = api.requests;
          logs.length = 0;
          const res = await app.request(path, { method: "POST", headers, body: sent });
          // Never a 500; a 503 only to have Vonage redeliver a fresh tap the stored session may not show yet.
          const answer = await res.clone().text();
          if (res.status === 503) expect(answer).toContain("ERR_SESSION_BEHIND");
          else expect(res.status, answer).toBeLessThan(500);
          // No log line carries a full number, whatever the body held.
          for (const number of numbersIn(raw)) for (const line of logs) expect(line.includes(number), `log line shows ${number}: ${line}`).toBe(false);
          const signedForThisBody = kind === "valid";
          if (!signedForThisBody) {
            expect([400, 401, 413], `${kind}: ${res.status}`).toContain(res.status);
            expect(api.requests - before, `a ${kind} signature sent a message`).toBe(0);
          }
        },
      ),
      { numRuns: 250 },
    );
    // The valid-signature cases did reach the Messages API: the property was not vacuous.
    expect(api.accepted.length).toBeGreaterThan(0);
  });
});

describe("menu documents, valid and broken", () => {
  it("the validator never throws, and every menu it accepts renders only messages the Messages API accepts", () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: menuDocument }, { weight: 2, arbitrary: damagedMenuDocument }, { weight: 1, arbitrary: fc.anything() }), (doc) => {
        let report: ReturnType<typeof checkMenu>;
        expect(() => (report = checkMenu(doc))).not.toThrow();
        const menu = report!.menu;
        if (menu === null) return;
        const accepted = (outgoing: Parameters<typeof buildMessage>[2], what: string) => expect(checkMessageBody(buildMessage("447700900001", "447700900002", outgoing)), what).toEqual([]);
        for (const [id, node] of Object.entries(menu.nodes)) {
          if (node.kind === "text") accepted({ type: "text", text: node.text }, `node ${id}`);
          else if (node.kind === "handover") accepted({ type: "text", text: node.text ?? "" }, `node ${id}`);
          else if (node.kind === "question") {
            accepted({ type: "interactive", interactive: node.interactive }, `node ${id}`);
            for (const o of node.options) if ("text" in o.next) accepted({ type: "text", text: o.next.text }, `closing text of ${id}.${o.id}`);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("the generator produces accepted menus often enough to test the rendering", () => {
    const accepted = fc.sample(menuDocument, { numRuns: 300, seed: 7 }).filter((d) => checkMenu(d).menu !== null).length;
    expect(accepted).toBeGreaterThan(30);
  });
});
