/**
 * Vonage's inbound and status webhooks (Messages API v1), reduced to what the worker uses and checked without zod
 * (`plain-checks.ts`): every webhook runs these, a cold isolate's first one included.
 */
import { defined } from "../defined.js";
import { clip } from "../flow/clip.js";
import { AppError } from "../errors.js";
import { ERROR_CODE, maskGroupedDigits } from "../log-mask.js";
import type { InboundEvent, Media, Reaction, StatusEvent } from "../flow/types.js";
import { Checks, isRecord } from "../plain-checks.js";
import { describeIssues, issueList } from "../zod-issues.js";
import { decodeUtf8, decodeUtf8Lenient, NotUtf8Error } from "../utf8.js";

/** The characters of a shared pin's name and address kept. */
const LOCATION_TEXT_MAX = 200;
/** The characters of a WhatsApp profile name kept, as a business start takes at most. */
const PROFILE_NAME_MAX = 256;

/**
 * Digits only, country code first; a leading `+` is tolerated and dropped (`normalisePhone`). No country code starts
 * with 0, so a number that does is a national one (`07700 900123`) or has an `00` prefix, and would never match the
 * numbers Vonage sends.
 */
export const PHONE = {
  pattern: /^[1-9][0-9]{4,19}$/,
  message: "must be a phone number in international form: digits only, country code first, without a leading 0 or 00 (447700900123, not 07700900123)",
} as const;
export const normalisePhone = (s: string) => s.replace(/^\+/, "");

function phone(checks: Checks, value: unknown, path: PropertyKey[]): string | undefined {
  const raw = checks.text(value, path);
  return raw === undefined ? undefined : checks.text(normalisePhone(raw), path, { pattern: PHONE.pattern, message: PHONE.message });
}

function malformed(checks: Checks, what: string): AppError {
  return new AppError("ERR_BODY_MALFORMED", `not a Vonage ${what} webhook: ${describeIssues(checks, { limit: 5 })}`, { details: { problems: issueList(checks) } });
}

/** A shared location pin; one that does not check out is just another message type (never a 400). */
function location(raw: unknown): Extract<InboundEvent["content"], { kind: "location" }> | null {
  if (!isRecord(raw)) return null;
  const [lat, long] = [Number(raw["lat"]), Number(raw["long"])];
  const { name, address } = raw;
  if (!Number.isFinite(lat) || lat < -90 || lat > 90 || !Number.isFinite(long) || long < -180 || long > 180) return null;
  if ((name !== undefined && typeof name !== "string") || (address !== undefined && typeof address !== "string")) return null;
  return {
    kind: "location",
    lat,
    long,
    ...defined({ name: name === undefined ? undefined : clip(name, LOCATION_TEXT_MAX), address: address === undefined ? undefined : clip(address, LOCATION_TEXT_MAX) }),
  };
}

/** Message types that carry a link to their media (`image: {url, caption?}`, `file: {url, caption?, name?}`, ...). */
const MEDIA_TYPES = new Set(["image", "video", "audio", "file", "sticker"]);
const MEDIA_URL_MAX = 2048;
const MEDIA_TEXT_MAX = 4096;

/** The media of such a message, for a person it is relayed to; one that does not check out is left out (never a 400). */
function media(messageType: string, raw: unknown): Media | undefined {
  if (!MEDIA_TYPES.has(messageType) || !isRecord(raw)) return undefined;
  const { url, caption, name } = raw;
  if (typeof url !== "string" || !url.startsWith("https://") || url.length > MEDIA_URL_MAX) return undefined;
  const text = (v: unknown, max: number) => (typeof v === "string" && v !== "" ? clip(v, max) : undefined);
  return { url, ...defined({ caption: text(caption, MEDIA_TEXT_MAX), name: text(name, 256) }) };
}

/** A reaction's `{action, emoji?}`, for a person it is relayed to; one of another shape is left out. */
function reactionOf(raw: unknown): Reaction | undefined {
  if (!isRecord(raw) || typeof raw["action"] !== "string" || raw["action"].length > 32) return undefined;
  const emoji = raw["emoji"];
  return { action: raw["action"], ...defined({ emoji: typeof emoji === "string" && emoji !== "" ? clip(emoji, 16) : undefined }) };
}

/**
 * Parses raw bytes as JSON, or throws a 400 saying where it broke. `utf8: "strict"` (the business's own calls) refuses
 * bytes that are not UTF-8, which would otherwise become U+FFFD: a menu saved as Latin-1 would publish "Caf�". A
 * signed webhook is decoded leniently: a 400 is final for Vonage, so refusing it would lose the customer's message.
 */
export function parseJson(raw: Uint8Array, options: { utf8?: "strict" | "lenient" } = {}): unknown {
  let text: string;
  try {
    text = options.utf8 === "strict" ? decodeUtf8(raw) : decodeUtf8Lenient(raw);
  } catch (cause) {
    const where = cause instanceof NotUtf8Error ? ` (${cause.reason})` : "";
    throw new AppError("ERR_BODY_MALFORMED", `body is not UTF-8 text${where}: save the file (or encode the request body) as UTF-8; Latin-1 and Windows-1252 are not taken`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AppError("ERR_BODY_MALFORMED", `body is not valid JSON: ${cause instanceof Error ? cause.message : "parse error"}`, { cause });
  }
}

/**
 * A webhook of another channel of the Vonage application (SMS, RCS, Messenger, ...): not this worker's, and checked
 * no further, as its ids need not be phone numbers (an RCS agent's id, an SMS's alphanumeric sender).
 */
const otherChannel = (body: Record<string, unknown>) => typeof body["channel"] === "string" && body["channel"] !== "whatsapp";

/**
 * A webhook of Messages API v0.1, which an application left on that webhook version sends: `to` and `from` as
 * `{type, number}` and the content in `message.content`. Field-by-field problems would not say that one setting is
 * the fix, so it gets a 400 of its own.
 */
function refuseV01(body: Record<string, unknown>, what: string): void {
  const party = (v: unknown) => isRecord(v) && typeof v["type"] === "string";
  const nested = isRecord(body["message"]) && "content" in body["message"];
  if (!party(body["to"]) && !party(body["from"]) && !nested) return;
  throw new AppError(
    "ERR_BODY_MALFORMED",
    `not a Vonage ${what} webhook of Messages API v1: this is the v0.1 format (to and from as objects, the content in message.content); set the Vonage application's Messages webhook version to v1 (dashboard: Applications, your application, Edit, Messages capability)`,
  );
}

/** An inbound webhook as an event, or null for channels this worker does not serve. Throws a 400 naming every problem. */
export function parseInbound(json: unknown): InboundEvent | null {
  const checks = new Checks();
  const m = checks.record(json, []);
  if (m === undefined) throw malformed(checks, "inbound message");
  if (otherChannel(m)) return null;
  refuseV01(m, "inbound message");
  const messageUuid = checks.text(m["message_uuid"], ["message_uuid"], { min: 1, max: 128 });
  const business = phone(checks, m["to"], ["to"]);
  const customer = phone(checks, m["from"], ["from"]);
  // Another channel's returned above; WhatsApp's must still say it is.
  checks.text(m["channel"], ["channel"]);
  const messageType = checks.text(m["message_type"], ["message_type"], { min: 1 });
  const timestamp = checks.text(m["timestamp"], ["timestamp"], { min: 1 });
  const profile = checks.record(m["profile"], ["profile"], true);
  // Kept in the session and sent in completions: bounded as a business start's name is (at most 256 characters).
  const name = profile && checks.text(profile["name"], ["profile", "name"], { optional: true });
  const profileName = name === undefined ? undefined : clip(name, PROFILE_NAME_MAX);
  const context = checks.record(m["context"], ["context"], true);
  const contextUuid = context && checks.text(context["message_uuid"], ["context", "message_uuid"], { optional: true });
  const reply = checks.record(m["reply"], ["reply"], true);
  const tapped = reply && {
    id: checks.text(reply["id"], ["reply", "id"], { min: 1, max: 256 }),
    title: checks.text(reply["title"], ["reply", "title"]),
    description: checks.text(reply["description"], ["reply", "description"], { optional: true }),
  };
  const text = checks.text(m["text"], ["text"], { optional: true });
  /** A tap on a template's quick reply: the payload the business sent with it (or the button's text), and the text. */
  const button = checks.record(m["button"], ["button"], true);
  const payload = button && checks.text(button["payload"], ["button", "payload"], { max: 1024, optional: true });
  const buttonText = button && checks.text(button["text"], ["button", "text"], { max: 1024, optional: true });
  if (!checks.ok || messageUuid === undefined || business === undefined || customer === undefined || messageType === undefined || timestamp === undefined) {
    throw malformed(checks, "inbound message");
  }

  let content: InboundEvent["content"];
  const pin = messageType === "location" ? location(m["location"]) : null;
  if (messageType === "reply") {
    if (tapped === undefined) throw new AppError("ERR_BODY_MALFORMED", 'not a Vonage inbound message webhook: $.reply is required when message_type is "reply"');
    content = { kind: "reply", id: tapped.id!, title: tapped.title!, ...defined({ description: tapped.description }) };
  } else if (messageType === "text") {
    if (text === undefined) throw new AppError("ERR_BODY_MALFORMED", 'not a Vonage inbound message webhook: $.text is required when message_type is "text"');
    content = { kind: "text", text };
  } else if (pin !== null) {
    content = pin;
  } else if (messageType === "button" && (payload || buttonText)) {
    // A tap like a reply's, on a template's quick reply: it answers the template it was tapped on.
    const id = payload || buttonText || "";
    content = { kind: "reply", id, title: buttonText ?? id };
  } else if (messageType === "reaction") {
    content = { kind: "reaction", ...defined({ reaction: reactionOf(m["reaction"]) }) };
  } else {
    content = { kind: "other", messageType, ...defined({ media: media(messageType, m[messageType]) }) };
  }

  return { messageUuid, business, customer, timestamp, content, ...defined({ profileName, contextUuid }) };
}

/**
 * Vonage's status error: `{type, title, detail, instance}`, `title` sometimes the numeric code (1340), and in
 * one SDK nested as `error.error`. The code is the numeric title, else the fragment of `type`; WhatsApp's codes have
 * at most six digits (131047), so a longer number there is no code and is masked. The texts are masked as a route is
 * (`+44 7700 900123` -> `+** **** **0123`), the code where they quote it left readable: they may quote the customer's
 * number, and they are kept on the session, shown by the admin view and sent in completions.
 */
function statusError(raw: unknown, numbers: string[]): Pick<StatusEvent, "code" | "title" | "detail"> {
  if (typeof raw !== "object" || raw === null) return {};
  const e = (raw as { error?: unknown }).error && typeof (raw as { error?: unknown }).error === "object" ? (raw as { error: Record<string, unknown> }).error : (raw as Record<string, unknown>);
  const out: Pick<StatusEvent, "code" | "title" | "detail"> = {};
  const title = typeof e["title"] === "number" ? String(e["title"]) : e["title"];
  const type = typeof e["type"] === "string" ? e["type"] : "";
  const fragment = type.includes("#") ? type.slice(type.lastIndexOf("#") + 1) : undefined;
  // A short number is still the customer's (or the business's) when it is theirs: never kept as a code.
  const isCode = (v: string) => ERROR_CODE.test(v) && !numbers.includes(v);
  if (typeof title === "string" && isCode(title)) out.code = title;
  else if (fragment !== undefined) out.code = isCode(fragment) ? fragment : maskGroupedDigits(fragment);
  if (typeof title === "string" && title !== out.code) out.title = maskGroupedDigits(title, out.code);
  if (typeof e["detail"] === "string") out.detail = maskGroupedDigits(e["detail"], out.code);
  return out;
}

/** A status webhook as an event, or null for another channel's (one without `channel` is taken as WhatsApp's). */
export function parseStatus(json: unknown): StatusEvent | null {
  const checks = new Checks();
  const s = checks.record(json, []);
  if (s === undefined) throw malformed(checks, "message status");
  if (otherChannel(s)) return null;
  refuseV01(s, "message status");
  const messageUuid = checks.text(s["message_uuid"], ["message_uuid"], { min: 1, max: 128 });
  // The customer's session is looked up by these numbers: checked as an inbound message's are.
  const to = phone(checks, s["to"], ["to"]);
  const from = phone(checks, s["from"], ["from"]);
  checks.text(s["timestamp"], ["timestamp"]);
  const status = checks.text(s["status"], ["status"], { min: 1 });
  checks.text(s["channel"], ["channel"], { optional: true });
  checks.text(s["client_ref"], ["client_ref"], { optional: true });
  if (!checks.ok || messageUuid === undefined || to === undefined || from === undefined || status === undefined) throw malformed(checks, "message status");
  return { messageUuid, status, business: from, customer: to, ...statusError(s["error"], [to, from]) };
}
