/** Schemas of Vonage's inbound and status webhooks (Messages API v1), reduced to what the worker uses. */
import { z } from "zod";
import { AppError } from "../errors.js";
import type { InboundEvent } from "../flow/types.js";
import { jsonPath } from "../menus/validate.js";

/** Digits only, country code first; a leading `+` is tolerated and dropped. */
const phone = z
  .string()
  .transform((s) => s.replace(/^\+/, ""))
  .pipe(z.string().regex(/^[0-9]{5,20}$/, "must be a phone number: digits only, country code first"));

const inboundSchema = z.looseObject({
  message_uuid: z.string().min(1).max(128),
  to: phone,
  from: phone,
  channel: z.string(),
  message_type: z.string().min(1),
  timestamp: z.string().min(1),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
  context: z.looseObject({ message_uuid: z.string().optional() }).optional(),
  reply: z.looseObject({ id: z.string().min(1).max(256), title: z.string(), description: z.string().optional() }).optional(),
  text: z.string().optional(),
});

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

export type StatusEvent = z.infer<typeof statusSchema>;

function malformed(error: z.ZodError, what: string): AppError {
  const first = error.issues
    .slice(0, 5)
    .map((i) => `${jsonPath(i.path)}: ${i.message}`)
    .join("; ");
  return new AppError("ERR_BODY_MALFORMED", 400, `not a Vonage ${what} webhook: ${first}`, {
    details: { problems: error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message })) },
  });
}

/** Parses raw bytes as JSON, or throws a 400 saying where it broke. */
export function parseJson(raw: Uint8Array): unknown {
  const text = new TextDecoder().decode(raw);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AppError("ERR_BODY_MALFORMED", 400, `body is not valid JSON: ${cause instanceof Error ? cause.message : "parse error"}`, { cause });
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
    if (!m.reply) throw new AppError("ERR_BODY_MALFORMED", 400, 'not a Vonage inbound message webhook: $.reply is required when message_type is "reply"');
    content = { kind: "reply", id: m.reply.id, title: m.reply.title, ...(m.reply.description === undefined ? {} : { description: m.reply.description }) };
  } else if (m.message_type === "text") {
    if (typeof m.text !== "string") throw new AppError("ERR_BODY_MALFORMED", 400, 'not a Vonage inbound message webhook: $.text is required when message_type is "text"');
    content = { kind: "text", text: m.text };
  } else if (m.message_type === "reaction") {
    content = { kind: "reaction" };
  } else {
    content = { kind: "other", messageType: m.message_type };
  }

  const event: InboundEvent = { messageUuid: m.message_uuid, business: m.to, customer: m.from, timestamp: m.timestamp, content };
  if (m.profile?.name !== undefined) event.profileName = m.profile.name;
  if (m.context?.message_uuid !== undefined) event.contextUuid = m.context.message_uuid;
  return event;
}

export function parseStatus(json: unknown): StatusEvent {
  const parsed = statusSchema.safeParse(json);
  if (!parsed.success) throw malformed(parsed.error, "message status");
  return parsed.data;
}
