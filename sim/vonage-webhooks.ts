/** Builds and signs webhooks the way Vonage does (HS256 JWT with `payload_hash`), for tests and the simulator. */
import { SignJWT } from "jose";

export interface SignOptions {
  /** Issued-at, seconds since the epoch; default now. */
  iat?: number;
  apiKey?: string;
  applicationId?: string;
  /** Hash this text instead of the body (to forge a mismatch). */
  hashOf?: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `Authorization` header value Vonage would send with `body`. */
export async function signWebhook(body: string, secret: string, options: SignOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    payload_hash: await sha256Hex(options.hashOf ?? body),
    api_key: options.apiKey ?? "abcd1234",
  };
  if (options.applicationId !== undefined) claims["application_id"] = options.applicationId;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("Vonage")
    .setJti(crypto.randomUUID())
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(new TextEncoder().encode(secret));
  return `Bearer ${token}`;
}

export interface InboundBase {
  /** The business's WhatsApp number. */
  business: string;
  customer: string;
  messageUuid?: string;
  timestamp?: string;
  /** `context.message_uuid`: the message this one answers. */
  contextUuid?: string;
  profileName?: string;
}

function base(b: InboundBase, messageType: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    to: b.business,
    from: b.customer,
    channel: "whatsapp",
    message_uuid: b.messageUuid ?? crypto.randomUUID(),
    timestamp: b.timestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    message_type: messageType,
  };
  if (b.profileName !== undefined) out["profile"] = { name: b.profileName };
  if (b.contextUuid !== undefined) out["context"] = { message_uuid: b.contextUuid, message_from: b.business };
  return out;
}

/** A tap on a reply button or a list row, as in Vonage's interactive-messages guide. */
export function replyWebhook(b: InboundBase & { id: string; title: string; description?: string }): Record<string, unknown> {
  const reply: Record<string, string> = { id: b.id, title: b.title };
  if (b.description !== undefined) reply["description"] = b.description;
  return { ...base(b, "reply"), reply };
}

/**
 * A tap on a template's quick-reply button: `message_type: "button"`, no `reply` object. The payload is the one
 * the business sent for that button; a template sent without payloads answers with the button's text, as
 * WhatsApp's own webhook does.
 */
export function buttonWebhook(b: InboundBase & { payload: string; text: string }): Record<string, unknown> {
  return { ...base(b, "button"), button: { payload: b.payload, text: b.text, subtype: "quick_reply" } };
}

/** A typed message. */
export function textWebhook(b: InboundBase & { text: string }): Record<string, unknown> {
  return { ...base(b, "text"), text: b.text };
}

/** A shared location pin (Messages API v1 `location`). */
export function locationWebhook(b: InboundBase & { lat: number; long: number; name?: string; address?: string }): Record<string, unknown> {
  const location: Record<string, unknown> = { lat: b.lat, long: b.long };
  if (b.name !== undefined) location["name"] = b.name;
  if (b.address !== undefined) location["address"] = b.address;
  return { ...base(b, "location"), location };
}

/**
 * The `error` of a `rejected` status, as Vonage's own libraries model it: RFC 7807 fields, `title` the numeric
 * code (here WhatsApp's, e.g. 1340 or 132001), `type` the error list's anchor for it.
 */
export function statusError(rejection: { code: number; detail: string }, instance: string = crypto.randomUUID()): Record<string, unknown> {
  return { type: `https://developer.nexmo.com/api-errors/messages-olympus#${rejection.code}`, title: rejection.code, detail: rejection.detail, instance };
}

/** A status callback for a message the business sent. */
export function statusWebhook(s: { messageUuid: string; business: string; customer: string; status: string; error?: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    message_uuid: s.messageUuid,
    to: s.customer,
    from: s.business,
    timestamp: new Date().toISOString(),
    status: s.status,
    channel: "whatsapp",
  };
  if (s.error !== undefined) out["error"] = s.error;
  return out;
}
