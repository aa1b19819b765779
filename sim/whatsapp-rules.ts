/**
 * What Vonage and WhatsApp check in a Messages API request body, written independently of the worker's
 * menu schema so that the fake Messages API catches the worker's mistakes instead of sharing them.
 */
import { isTemplateBody, judgeTemplate, readTemplateMessage } from "./template-rules.js";
import type { TemplateRegistry } from "./templates.js";
import { isObject } from "./json.js";

export interface InvalidParameter {
  name: string;
  reason: string;
}

/**
 * WhatsApp's refusal of a message Vonage had accepted (202): it reaches the business as a `rejected` status
 * webhook carrying WhatsApp's code, never as the answer to the request.
 */
export interface WhatsAppRejection {
  code: number;
  detail: string;
}

/** The customer-service window: free-form messages reach a customer only this long after they last wrote. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

const len = (s: unknown) => (typeof s === "string" ? [...s].length : -1);

function checkText(out: InvalidParameter[], name: string, value: unknown, max: number, required: boolean) {
  if (value === undefined) {
    if (required) out.push({ name, reason: "is required" });
    return;
  }
  const n = len(value);
  if (n < 1 || (typeof value === "string" && value.trim() === "")) out.push({ name, reason: "must be a non-empty string" });
  else if (n > max) out.push({ name, reason: `must be at most ${max} characters` });
}

/** WhatsApp's location request message: a body and the send_location action, nothing else. */
function checkLocationRequest(out: InvalidParameter[], i: Record<string, unknown>) {
  const p = "custom.interactive";
  for (const k of Object.keys(i)) if (!["type", "body", "action"].includes(k)) out.push({ name: `${p}.${k}`, reason: "unknown parameter" });
  if (!isObject(i["body"])) out.push({ name: `${p}.body`, reason: "is required" });
  else checkText(out, `${p}.body.text`, i["body"]["text"], 1024, true);
  if (!isObject(i["action"]) || i["action"]["name"] !== "send_location") out.push({ name: `${p}.action.name`, reason: "must be send_location" });
}

function checkInteractive(out: InvalidParameter[], i: unknown) {
  const p = "custom.interactive";
  if (!isObject(i)) return out.push({ name: p, reason: "must be an object" });
  if (i["type"] === "location_request_message") return checkLocationRequest(out, i);
  if (i["type"] !== "button" && i["type"] !== "list") return out.push({ name: `${p}.type`, reason: "must be button, list or location_request_message" });
  const allowed = new Set(["type", "header", "body", "footer", "action"]);
  for (const k of Object.keys(i)) if (!allowed.has(k)) out.push({ name: `${p}.${k}`, reason: "unknown parameter" });
  if (!isObject(i["body"])) out.push({ name: `${p}.body`, reason: "is required" });
  else checkText(out, `${p}.body.text`, i["body"]["text"], 1024, true);
  if (i["footer"] !== undefined) {
    if (!isObject(i["footer"])) out.push({ name: `${p}.footer`, reason: "must be an object" });
    else checkText(out, `${p}.footer.text`, i["footer"]["text"], 60, true);
  }
  const header = i["header"];
  if (header !== undefined) {
    if (!isObject(header)) out.push({ name: `${p}.header`, reason: "must be an object" });
    else if (header["type"] === "text") checkText(out, `${p}.header.text`, header["text"], 60, true);
    else if (i["type"] === "list") out.push({ name: `${p}.header.type`, reason: "list messages take only a text header" });
    else if (!["image", "video", "document"].includes(String(header["type"]))) out.push({ name: `${p}.header.type`, reason: "unsupported header type" });
    else {
      const media = header[String(header["type"])];
      if (!isObject(media) || typeof media["link"] !== "string" || !media["link"].startsWith("https://")) {
        out.push({ name: `${p}.header.${String(header["type"])}.link`, reason: "must be an https URL" });
      }
    }
  }
  const action = i["action"];
  if (!isObject(action)) return out.push({ name: `${p}.action`, reason: "is required" });
  if (i["type"] === "button") {
    const buttons = action["buttons"];
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
      return out.push({ name: `${p}.action.buttons`, reason: "must hold 1 to 3 buttons" });
    }
    const titles = new Set<string>();
    const ids = new Set<string>();
    for (const [n, b] of (buttons as unknown[]).entries()) {
      const q = `${p}.action.buttons[${n}]`;
      if (!isObject(b) || b["type"] !== "reply" || !isObject(b["reply"])) {
        out.push({ name: q, reason: 'must be {"type":"reply","reply":{...}}' });
        continue;
      }
      checkText(out, `${q}.reply.id`, b["reply"]["id"], 256, true);
      checkText(out, `${q}.reply.title`, b["reply"]["title"], 20, true);
      const title = String(b["reply"]["title"]);
      if (titles.has(title)) out.push({ name: `${q}.reply.title`, reason: "button titles must be unique" });
      titles.add(title);
      const id = String(b["reply"]["id"]);
      if (ids.has(id)) out.push({ name: `${q}.reply.id`, reason: "button ids must be unique" });
      ids.add(id);
    }
    return undefined;
  }
  checkText(out, `${p}.action.button`, action["button"], 20, true);
  const sections = action["sections"];
  if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10) {
    return out.push({ name: `${p}.action.sections`, reason: "must hold 1 to 10 sections" });
  }
  let rows = 0;
  const ids = new Set<string>();
  for (const [n, s] of (sections as unknown[]).entries()) {
    const q = `${p}.action.sections[${n}]`;
    if (!isObject(s) || !Array.isArray(s["rows"]) || s["rows"].length === 0) {
      out.push({ name: `${q}.rows`, reason: "must hold at least one row" });
      continue;
    }
    if (sections.length > 1 || s["title"] !== undefined) checkText(out, `${q}.title`, s["title"], 24, sections.length > 1);
    for (const [m, r] of (s["rows"] as unknown[]).entries()) {
      rows++;
      const rq = `${q}.rows[${m}]`;
      if (!isObject(r)) {
        out.push({ name: rq, reason: "must be an object" });
        continue;
      }
      checkText(out, `${rq}.id`, r["id"], 200, true);
      checkText(out, `${rq}.title`, r["title"], 24, true);
      checkText(out, `${rq}.description`, r["description"], 72, false);
      if (ids.has(String(r["id"]))) out.push({ name: `${rq}.id`, reason: "row ids must be unique" });
      ids.add(String(r["id"]));
    }
  }
  if (rows > 10) out.push({ name: `${p}.action.sections`, reason: "at most 10 rows in all sections together" });
  return undefined;
}

/** Every problem Vonage or WhatsApp would report for this request body; empty when it would be accepted. */
export function checkMessageBody(body: unknown): InvalidParameter[] {
  const out: InvalidParameter[] = [];
  if (!isObject(body)) return [{ name: "body", reason: "must be a JSON object" }];
  for (const k of ["from", "to"] as const) {
    if (typeof body[k] !== "string" || !/^[1-9][0-9]{6,14}$/.test(body[k])) out.push({ name: k, reason: "must be a phone number in E.164 without + or 00" });
  }
  if (body["channel"] !== "whatsapp") out.push({ name: "channel", reason: "must be whatsapp" });
  if (body["message_type"] === "text") {
    checkText(out, "text", body["text"], 4096, true);
  } else if (isTemplateBody(body)) {
    out.push(...readTemplateMessage(body).problems);
  } else if (body["message_type"] === "custom") {
    const custom = body["custom"];
    if (!isObject(custom) || custom["type"] !== "interactive") out.push({ name: "custom.type", reason: "must be interactive or template" });
    else checkInteractive(out, custom["interactive"]);
  } else {
    out.push({ name: "message_type", reason: "this fake accepts text, template and custom messages" });
  }
  if (body["client_ref"] !== undefined && len(body["client_ref"]) > 100) out.push({ name: "client_ref", reason: "must be at most 100 characters" });
  return out;
}

export interface WhatsAppContext {
  /** The approved templates; without them any well-formed template goes out. */
  templates?: TemplateRegistry | undefined;
  /** When the customer last wrote (epoch ms), null if never; without it the window is not modelled. */
  lastInbound?: ((customer: string) => number | null) | undefined;
  now: number;
}

/**
 * What WhatsApp does with a body Vonage accepted (`checkMessageBody` found nothing): null when it is delivered,
 * else the refusal. Templates may open a conversation at any time; anything else only inside the window.
 */
export function whatsappVerdict(body: Record<string, unknown>, context: WhatsAppContext): WhatsAppRejection | null {
  if (isTemplateBody(body)) {
    const { message } = readTemplateMessage(body);
    return message !== null && context.templates !== undefined ? judgeTemplate(message, context.templates) : null;
  }
  if (context.lastInbound === undefined) return null;
  const last = context.lastInbound(String(body["to"]));
  if (last !== null && context.now - last <= SERVICE_WINDOW_MS) return null;
  return { code: 1340, detail: "Outside of the allowed window" };
}
