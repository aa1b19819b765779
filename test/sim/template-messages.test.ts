/**
 * The fake Messages API with templates and the 24-hour window: both of Vonage's template forms, what Vonage refuses
 * at once (422) and what WhatsApp refuses after the 202 (the `rejection` its status webhook reports).
 */
import { importPKCS8, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import approved from "../fixtures/templates.json" with { type: "json" };
import { createFakeMessagesApi, type FakeMessagesApiOptions } from "../../sim/messages-api.js";
import { checkTemplates, type TemplateRegistry } from "../../sim/templates.js";
import { generateTestKeys, type TestKeys } from "../support/keys.js";

const APP = "app-templates";
const BUSINESS = "447700900000";
const CUSTOMER = "447700900101";
const HOUR = 3_600_000;
const registry = checkTemplates(approved).registry as TemplateRegistry;

/** Form 1: Vonage's own `message_type: "template"`, positional text parameters. */
const form1 = (name = "cafe_welcome", parameters: string[] = ["Ada"], locale = "en_GB") => ({
  from: BUSINESS,
  to: CUSTOMER,
  channel: "whatsapp",
  message_type: "template",
  template: { name, parameters },
  whatsapp: { policy: "deterministic", locale },
});

/** Form 2: WhatsApp's template object passed through in `custom`. */
const form2 = (components: unknown[], name = "cafe_welcome", code = "en_GB") => ({
  from: BUSINESS,
  to: CUSTOMER,
  channel: "whatsapp",
  message_type: "custom",
  custom: { type: "template", template: { name, language: { policy: "deterministic", code }, components } },
});
const bodyParams = (...texts: string[]) => ({ type: "body", parameters: texts.map((text) => ({ type: "text", text })) });
const quickReply = (index: string | number, payload: string) => ({ type: "button", sub_type: "quick_reply", index, parameters: [{ type: "payload", payload }] });
const text = { from: BUSINESS, to: CUSTOMER, channel: "whatsapp", message_type: "text", text: "Your table is ready" };

let keys: TestKeys;
let privateKey: CryptoKey;
beforeAll(async () => {
  keys = await generateTestKeys();
  privateKey = await importPKCS8(keys.pkcs8Pem, "RS256");
});

function fake(options: Partial<FakeMessagesApiOptions> = {}) {
  const api = createFakeMessagesApi({ applicationId: APP, publicKey: keys.publicKey, ...options });
  const send = async (body: unknown) => {
    const jwt = await new SignJWT({ application_id: APP }).setProtectedHeader({ alg: "RS256", typ: "JWT" }).setIssuedAt().setExpirationTime("15m").setJti(crypto.randomUUID()).sign(privateKey);
    const res = await api.fetch("http://api.test/v1/messages", { method: "POST", headers: { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };
  return { api, send };
}

describe("template messages in the fake Messages API", () => {
  it("accepts form 1 exactly as sent, and WhatsApp delivers it", async () => {
    const { api, send } = fake({ templates: registry });
    const res = await send(form1());
    expect(res.status).toBe(202);
    expect(api.accepted).toEqual([{ messageUuid: res.json["message_uuid"], body: form1(), claims: expect.objectContaining({ application_id: APP }) }]);
    expect(api.accepted[0]!.rejection).toBeUndefined();
  });

  it("accepts form 2 with body parameters and quick-reply payloads, the index a string or a number", async () => {
    const { api, send } = fake({ templates: registry });
    const sent = form2([bodyParams("Ada"), quickReply("0", "order"), quickReply(1, "later")]);
    const res = await send(sent);
    expect(res.status).toBe(202);
    expect(api.accepted[0]).toEqual({ messageUuid: res.json["message_uuid"], body: sent, claims: expect.any(Object) });
    // The brief's own example body: the two buttons of cafe_welcome, both indexes as strings.
    const example = form2([bodyParams("Ada"), quickReply("0", "order"), quickReply("1", "later")]);
    expect((await send(example)).status).toBe(202);
    expect(api.accepted[1]!.rejection).toBeUndefined();
    // A template with two parameters and no buttons sent.
    expect((await send(form2([bodyParams("Ada", "16:30")], "delivery_update"))).status).toBe(202);
    expect(api.accepted[2]!.rejection).toBeUndefined();
  });

  it("takes an unknown template, or a known one in another language, then WhatsApp rejects it with 132001", async () => {
    const { api, send } = fake({ templates: registry });
    expect((await send(form1("cafe_welcom"))).status).toBe(202);
    expect((await send(form1("cafe_welcome", ["Ada"], "fr"))).status).toBe(202);
    expect((await send(form2([bodyParams("Ada")], "cafe_welcome", "en_US"))).status).toBe(202);
    expect(api.accepted.map((m) => m.rejection)).toEqual([
      { code: 132001, detail: 'Template name does not exist in the translation (no template "cafe_welcom" is approved)' },
      { code: 132001, detail: 'Template name does not exist in the translation ("cafe_welcome" is approved in en_GB, not fr)' },
      { code: 132001, detail: 'Template name does not exist in the translation ("cafe_welcome" is approved in en_GB, not en_US)' },
    ]);
    expect(api.rejected).toEqual([]);
  });

  it("rejects a wrong number of parameters with 132000, and a button the template lacks with 131009", async () => {
    const { api, send } = fake({ templates: registry });
    await send(form1("cafe_welcome", []));
    await send(form1("delivery_update", ["Ada"]));
    await send(form2([bodyParams("Ada", "extra")]));
    await send(form2([{ type: "header", parameters: [{ type: "text", text: "Hello" }] }, bodyParams("Ada")]));
    await send(form2([bodyParams("Ada"), quickReply("2", "third")]));
    await send(form2([bodyParams("Ada"), quickReply(0, "yes")], "pills_reminder"));
    expect(api.accepted.map((m) => m.rejection)).toEqual([
      { code: 132000, detail: "Number of parameters does not match the expected number of params (body: 0 given, 1 expected)" },
      { code: 132000, detail: "Number of parameters does not match the expected number of params (body: 1 given, 2 expected)" },
      { code: 132000, detail: "Number of parameters does not match the expected number of params (body: 2 given, 1 expected)" },
      { code: 132000, detail: "Number of parameters does not match the expected number of params (header: 1 given, 0 expected)" },
      { code: 131009, detail: 'Parameter value is not valid (button 2: "cafe_welcome" has 2 quick-reply buttons)' },
      { code: 131009, detail: 'Parameter value is not valid (button 0: "pills_reminder" has 0 quick-reply buttons)' },
    ]);
  });

  it("refuses a malformed template at once (422), in either form, with every invalid parameter", async () => {
    const { api, send } = fake({ templates: registry });
    const { whatsapp: _, ...noLocale } = form1();
    const problems = async (body: unknown) => {
      const res = await send(body);
      expect(res.status).toBe(422);
      expect(res.json).toMatchObject({ title: "Invalid params" });
      return res.json["invalid_parameters"];
    };
    expect(await problems(noLocale)).toEqual([{ name: "whatsapp", reason: 'is required for a template: {"policy":"deterministic","locale":"en_GB"}' }]);
    expect(await problems({ ...form1(), template: { name: "", parameters: ["Ada", 7], extra: true } })).toEqual([
      { name: "template.extra", reason: "unknown parameter" },
      { name: "template.name", reason: "must be a non-empty string" },
      { name: "template.parameters[1]", reason: "must be a non-empty string" },
    ]);
    expect(await problems({ ...form1(), whatsapp: { policy: "fallback", locale: "en_GB" } })).toEqual([{ name: "whatsapp.policy", reason: "must be deterministic" }]);
    expect(
      await problems(
        form2([
          bodyParams("Ada"),
          quickReply("a", "order"),
          quickReply(1, "x".repeat(257)),
          { type: "button", sub_type: "url", index: 1, parameters: [{ type: "text", text: "x" }] },
          quickReply(0, "again"),
          quickReply(0, "twice"),
        ]),
      ),
    ).toEqual([
      { name: "custom.template.components[1].index", reason: "must be a button index from 0 to 9, as a number or a string" },
      { name: "custom.template.components[2].parameters[0].payload", reason: "must be at most 256 characters" },
      { name: "custom.template.components[3].sub_type", reason: "this simulator models quick_reply buttons only" },
      { name: "custom.template.components[3].parameters", reason: 'must hold one {"type":"payload","payload":"..."}' },
      { name: "custom.template.components[5].index", reason: "button 0 has parameters already" },
    ]);
    expect(await problems({ ...form2([]), custom: { type: "template", template: { name: "cafe_welcome" } } })).toEqual([
      { name: "custom.template.language.code", reason: "must be the template's language code, e.g. en_GB" },
    ]);
    expect(await problems({ ...form2([]), custom: { type: "carousel" } })).toEqual([{ name: "custom.type", reason: "must be interactive or template" }]);
    expect(api.accepted).toEqual([]);
  });

  it("takes a payload of 256 characters, as WhatsApp does", async () => {
    const { api, send } = fake({ templates: registry });
    expect((await send(form2([bodyParams("Ada"), quickReply(0, "é".repeat(256))]))).status).toBe(202);
    expect(api.accepted[0]!.rejection).toBeUndefined();
  });

  it("without a registry delivers any well-formed template, and still refuses malformed ones", async () => {
    const { api, send } = fake();
    expect((await send(form1("anything_at_all", ["a", "b", "c"], "de"))).status).toBe(202);
    expect((await send(form2([quickReply(9, "x")], "other"))).status).toBe(202);
    expect(api.accepted.map((m) => m.rejection)).toEqual([undefined, undefined]);
    expect((await send({ ...form1(), whatsapp: {} })).status).toBe(422);
  });
});

describe("the 24-hour window in the fake Messages API", () => {
  const at = Date.parse("2026-03-12T09:30:00Z");

  it("delivers free-form messages to a customer who wrote within 24 hours, and rejects them with 1340 otherwise", async () => {
    let last: number | null = null;
    const { api, send } = fake({ lastInbound: () => last, now: () => at });
    await send(text); // never wrote
    last = at - 24 * HOUR;
    await send(text); // exactly 24 hours ago: still inside
    last = at - 24 * HOUR - 1;
    await send(text);
    last = at - HOUR;
    await send({
      ...text,
      message_type: "custom",
      custom: { type: "interactive", interactive: { type: "button", body: { text: "Pick" }, action: { buttons: [{ type: "reply", reply: { id: "a", title: "A" } }] } } },
    });
    expect(api.accepted.map((m) => m.rejection)).toEqual([{ code: 1340, detail: "Outside of the allowed window" }, undefined, { code: 1340, detail: "Outside of the allowed window" }, undefined]);
    // Accepted all the same: Vonage answers 202 before WhatsApp refuses.
    expect(api.rejected).toEqual([]);
  });

  it("lets templates through outside the window", async () => {
    const { api, send } = fake({ templates: registry, lastInbound: () => null, now: () => at });
    expect((await send(form1())).status).toBe(202);
    expect((await send(form2([bodyParams("Ada"), quickReply(1, "later")]))).status).toBe(202);
    expect(api.accepted.map((m) => m.rejection)).toEqual([undefined, undefined]);
  });

  it("is not modelled without lastInbound, as the worker's own tests expect", async () => {
    const { api, send } = fake();
    await send(text);
    expect(api.accepted[0]!.rejection).toBeUndefined();
  });
});
