/** Schemas of Vonage's inbound and status webhooks (Messages API v1), reduced to what the worker uses. */
import * as z from "zod";
import { defined } from "../defined.js";
import { AppError } from "../errors.js";
import type { InboundEvent, StatusEvent } from "../flow/types.js";
import { describeIssues, issueList } from "../zod-issues.js";

/** Digits only, country code first; a leading `+` is tolerated and dropped. */
export const phoneSchema = z
  .string()
  .transform((s) => s.replace(/^\+/, ""))
  .pipe(z.string().regex(/^[0-9]{5,20}$/, "must be a phone number: digits only, country code first"));

const inboundSchema = z.looseObject({
  message_uuid: z.string().min(1).max(128),
  to: phoneSchema,
  from: phoneSchema,
  channel: z.string(),
  message_type: z.string().min(1),
  timestamp: z.string().min(1),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
  context: z.looseObject({ message_uuid: z.string().optional() }).optional(),
  reply: z.looseObject({ id: z.string().min(1).max(256), title: z.string(), description: z.string().optional() }).optional(),
  text: z.string().optional(),
  location: z.unknown().optional(),
  /** A tap on a template's quick reply: the payload the business sent with it (or the button's text), and the text. */
  button: z.looseObject({ payload: z.string().max(1024).optional(), text: z.string().max(1024).optional() }).optional(),
});

/** A shared location pin; one that does not parse is just another message type (never a 400). */
const locationSchema = z.looseObject({ lat: z.coerce.number().min(-90).max(90), long: z.coerce.number().min(-180).max(180), name: z.string().optional(), address: z.string().optional() });

const statusSchema = z.looseObject({
  message_uuid: z.string().min(1).max(128),
  to: z.string(),
  from: z.string(),
  timestamp: z.string(),
  status: z.string().min(1),
  channel: z.string().optional(),
  client_ref: z.string().optional(),
  error: z.unknown().optional(),
});

function malformed(error: z.ZodError, what: string): AppError {
  return new AppError("ERR_BODY_MALFORMED", `not a Vonage ${what} webhook: ${describeIssues(error, { limit: 5 })}`, { details: { problems: issueList(error) } });
}

/** Parses raw bytes as JSON, or throws a 400 saying where it broke. */
export function parseJson(raw: Uint8Array): unknown {
  const text = new TextDecoder().decode(raw);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AppError("ERR_BODY_MALFORMED", `body is not valid JSON: ${cause instanceof Error ? cause.message : "parse error"}`, { cause });
  }
}

/** An inbound webhook as an event, or null for channels this worker does not serve. Throws a 400. */
export function parseInbound(json: unknown): InboundEvent | null {
  const parsed = inboundSchema.safeParse(json);
  if (!parsed.success) throw malformed(parsed.error, "inbound message");
  const m = parsed.data;
  if (m.channel !== "whatsapp") return null;

  let content: InboundEvent["content"];
  if (m.message_type === "reply") {
    if (!m.reply) throw new AppError("ERR_BODY_MALFORMED", 'not a Vonage inbound message webhook: $.reply is required when message_type is "reply"');
    content = { kind: "reply", id: m.reply.id, title: m.reply.title, ...defined({ description: m.reply.description }) };
  } else if (m.message_type === "text") {
    if (typeof m.text !== "string") throw new AppError("ERR_BODY_MALFORMED", 'not a Vonage inbound message webhook: $.text is required when message_type is "text"');
    content = { kind: "text", text: m.text };
  } else if (m.message_type === "location" && locationSchema.safeParse(m.location).success) {
    const { lat, long, name, address } = locationSchema.parse(m.location);
    content = { kind: "location", lat, long, ...defined({ name: name?.slice(0, 200), address: address?.slice(0, 200) }) };
  } else if (m.message_type === "button" && (m.button?.payload || m.button?.text)) {
    // A tap like a reply's, on a template's quick reply: it answers the template it was tapped on.
    const id = m.button.payload || m.button.text || "";
    content = { kind: "reply", id, title: m.button.text ?? id };
  } else if (m.message_type === "reaction") {
    content = { kind: "reaction" };
  } else {
    content = { kind: "other", messageType: m.message_type };
  }

  return {
    messageUuid: m.message_uuid,
    business: m.to,
    customer: m.from,
    timestamp: m.timestamp,
    content,
    ...defined({ profileName: m.profile?.name, contextUuid: m.context?.message_uuid }),
  };
}

/**
 * Vonage's status error: `{type, title, detail, instance}`, `title` sometimes the numeric code (1340), and in
 * one SDK nested as `error.error`. The code is the numeric title, else the fragment of `type`.
 */
function statusError(raw: unknown): Pick<StatusEvent, "code" | "title" | "detail"> {
  if (typeof raw !== "object" || raw === null) return {};
  const e = (raw as { error?: unknown }).error && typeof (raw as { error?: unknown }).error === "object" ? (raw as { error: Record<string, unknown> }).error : (raw as Record<string, unknown>);
  const out: Pick<StatusEvent, "code" | "title" | "detail"> = {};
  const title = e["title"];
  const type = typeof e["type"] === "string" ? e["type"] : "";
  if (typeof title === "number" || (typeof title === "string" && /^\d+$/.test(title))) out.code = String(title);
  else if (typeof title === "string") out.title = title;
  if (out.code === undefined && type.includes("#")) out.code = type.slice(type.lastIndexOf("#") + 1);
  if (typeof e["detail"] === "string") out.detail = e["detail"];
  return out;
}

export function parseStatus(json: unknown): StatusEvent {
  const parsed = statusSchema.safeParse(json);
  if (!parsed.success) throw malformed(parsed.error, "message status");
  const s = parsed.data;
  return { messageUuid: s.message_uuid, status: s.status, business: s.from.replace(/^\+/, ""), customer: s.to.replace(/^\+/, ""), ...statusError(s.error) };
}
