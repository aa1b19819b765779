/** The webhook bodies, checked without zod: what they accept, and a 400 that names every problem with its path. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { parseInbound, parseStatus } from "../../src/vonage/webhooks.js";

const inbound = { message_uuid: "u-1", to: "447700900000", from: "+447700900001", channel: "whatsapp", message_type: "text", text: "hi", timestamp: "2026-12-02T00:00:00Z" };

function refusal(parse: () => unknown): { message: string; problems: unknown } {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("ERR_BODY_MALFORMED");
    return { message: (error as AppError).message, problems: ((error as AppError).details as { problems?: unknown } | undefined)?.problems ?? null };
  }
  throw new Error("accepted");
}

describe("inbound webhooks", () => {
  it("takes text, replies, quick-reply buttons and pins, dropping a leading + from the numbers", () => {
    expect(parseInbound({ ...inbound, profile: { name: "Ana" }, context: { message_uuid: "q-1" }, extra: { kept: true } })).toEqual({
      messageUuid: "u-1",
      business: "447700900000",
      customer: "447700900001",
      timestamp: inbound.timestamp,
      content: { kind: "text", text: "hi" },
      profileName: "Ana",
      contextUuid: "q-1",
    });
    expect(parseInbound({ ...inbound, profile: { name: "N".repeat(40_000) } })?.profileName).toHaveLength(256);
    expect(parseInbound({ ...inbound, message_type: "reply", reply: { id: "a", title: "A", description: "d" } })?.content).toEqual({ kind: "reply", id: "a", title: "A", description: "d" });
    expect(parseInbound({ ...inbound, message_type: "button", button: { text: "Order now" } })?.content).toEqual({ kind: "reply", id: "Order now", title: "Order now" });
    expect(parseInbound({ ...inbound, message_type: "location", location: { lat: "51.5", long: -0.12, name: "n".repeat(300) } })?.content).toEqual({
      kind: "location",
      lat: 51.5,
      long: -0.12,
      name: `${"n".repeat(199)}…`,
    });
    // Cut between whole characters: never half an emoji.
    expect(parseInbound({ ...inbound, message_type: "location", location: { lat: 1, long: 2, address: `${"a".repeat(199)}\u{1F600}z` } })?.content).toEqual({
      kind: "location",
      lat: 1,
      long: 2,
      address: `${"a".repeat(199)}…`,
    });
    // A pin that does not check out is just another kind of message, never a 400.
    expect(parseInbound({ ...inbound, message_type: "location", location: { lat: 91, long: 0 } })?.content).toEqual({ kind: "other", messageType: "location" });
    expect(parseInbound({ ...inbound, channel: "sms" })).toBeNull();
    // Another channel's ids need not be numbers: an RCS agent's id, an alphanumeric SMS sender. Ignored all the same.
    expect(parseInbound({ ...inbound, channel: "rcs", to: "my-rcs-agent" })).toBeNull();
    expect(parseInbound({ ...inbound, channel: "sms", from: "MyBrand", message_type: "unknown-to-us" })).toBeNull();
  });

  it("takes an optional field sent as null as absent: a 400 would lose the message, which Vonage does not redeliver", () => {
    const event = parseInbound({ ...inbound, profile: null, context: null, reply: null, button: null });
    expect(event).toEqual({ messageUuid: "u-1", business: "447700900000", customer: "447700900001", timestamp: inbound.timestamp, content: { kind: "text", text: "hi" } });
    expect(parseInbound({ ...inbound, profile: { name: null }, context: { message_uuid: null } })?.profileName).toBeUndefined();
    // What the message is cannot be null: a text without its text is still refused.
    expect(refusal(() => parseInbound({ ...inbound, text: null })).message).toMatch(/\$\.text is required/);
  });

  it("refuses a body with every problem named by its path, and one that is not an object at all", () => {
    const bad = refusal(() => parseInbound({ ...inbound, message_uuid: "", to: 447, from: "abc", reply: { id: "x".repeat(257), title: "T" }, button: { payload: 5 } }));
    expect(bad.message).toBe(
      "not a Vonage inbound message webhook: $.message_uuid: must not be empty; $.to: must be a string; $.from: must be a phone number in international form: digits only, country code first, without a leading 0 or 00 (447700900123, not 07700900123); $.reply.id: must be at most 256 characters; $.button.payload: must be a string",
    );
    expect(bad.problems).toEqual([
      { path: "$.message_uuid", message: "must not be empty" },
      { path: "$.to", message: "must be a string" },
      { path: "$.from", message: "must be a phone number in international form: digits only, country code first, without a leading 0 or 00 (447700900123, not 07700900123)" },
      { path: "$.reply.id", message: "must be at most 256 characters" },
      { path: "$.button.payload", message: "must be a string" },
    ]);
    expect(refusal(() => parseInbound([])).message).toBe("not a Vonage inbound message webhook: $: must be an object");
    expect(refusal(() => parseInbound({ channel: "whatsapp" })).message).toBe(
      "not a Vonage inbound message webhook: $.message_uuid: is required; $.to: is required; $.from: is required; $.message_type: is required; $.timestamp: is required",
    );
    expect(refusal(() => parseInbound({ ...inbound, message_type: "reply" })).message).toMatch(/\$\.reply is required when message_type is "reply"/);
  });
});

describe("status webhooks", () => {
  it("takes a status with its error code, and refuses one without what it needs", () => {
    const status = { message_uuid: "m-1", to: "+447700900001", from: "447700900000", timestamp: "t", status: "rejected", error: { type: "https://example.test/errors#1340", title: 1340 } };
    expect(parseStatus(status)).toEqual({ messageUuid: "m-1", status: "rejected", business: "447700900000", customer: "447700900001", code: "1340" });
    expect(refusal(() => parseStatus({ ...status, status: "", channel: 3 })).message).toBe("not a Vonage message status webhook: $.status: must not be empty; $.channel: must be a string");
  });

  it("keeps a WhatsApp code of up to six digits readable, where it is taken and where its text quotes it; a longer number is masked", () => {
    const status = { message_uuid: "m-1", to: "447700900001", from: "447700900000", timestamp: "t", status: "rejected" };
    expect(parseStatus({ ...status, error: { title: "131047", detail: "Re-engagement message (#131047)" } })).toMatchObject({ code: "131047", detail: "Re-engagement message (#131047)" });
    expect(parseStatus({ ...status, error: { type: "https://example.test/errors#131026", detail: "Message undeliverable (#131026) for 447700900001" } })).toMatchObject({
      code: "131026",
      detail: "Message undeliverable (#131026) for ********0001",
    });
    const numbered = parseStatus({ ...status, error: { type: "https://example.test/errors#1340", title: 447700900001 } });
    expect(numbered).toMatchObject({ code: "1340", title: "********0001" });
    expect(parseStatus({ ...status, error: { title: "4477009", type: "x#4477009" } })).toMatchObject({ code: "***7009", title: "***7009" });
    // The worker takes numbers of five digits and more: one of six is no code when it is the customer's or the business's.
    const short = parseStatus({ ...status, to: "123456", error: { title: "123456", detail: "not delivered to 123456 (#131026)" } });
    expect(short).toMatchObject({ title: "**3456", detail: "not delivered to **3456 (#**1026)" });
    expect(short?.code).toBeUndefined();
  });

  it("ignores another channel's status, whatever its ids: an SMS sent from an alphanumeric sender is no 400", () => {
    const sms = { message_uuid: "m-2", to: "447700900001", from: "MyBrand", timestamp: "t", status: "delivered", channel: "sms" };
    expect(parseStatus(sms)).toBeNull();
    expect(parseStatus({ ...sms, from: "447700900000", channel: "whatsapp" })).toMatchObject({ business: "447700900000", status: "delivered" });
    expect(refusal(() => parseStatus({ ...sms, channel: "whatsapp" })).message).toMatch(/\$\.from: must be a phone number/);
  });
});

describe("Messages API v0.1 webhooks", () => {
  const party = (number: string) => ({ type: "whatsapp", number });
  it("are refused with the setting to change, not field by field, whichever v0.1 field gives them away", () => {
    const base = { message_uuid: "u-1", timestamp: "2026-12-02T00:00:00Z" };
    for (const body of [
      { ...base, to: party("447700900000"), from: party("447700900001"), message: { content: { type: "text", text: "hi" } } },
      { ...base, to: "447700900000", from: "447700900001", message: { content: { type: "text", text: "hi" } } },
    ]) {
      const { message, problems } = refusal(() => parseInbound(body));
      expect(message).toMatch(/v0\.1 format.*Messages webhook version to v1/);
      expect(problems).toBeNull();
    }
    const status = refusal(() => parseStatus({ ...base, to: party("447700900001"), from: party("447700900000"), status: "delivered" }));
    expect(status.message).toMatch(/message status webhook of Messages API v1: this is the v0\.1 format/);
  });
  it("of another channel than WhatsApp, with v1's channel field, are still ignored", () => {
    expect(parseInbound({ ...inbound, channel: "sms", from: { type: "sms", number: "447700900001" } })).toBeNull();
  });
});
