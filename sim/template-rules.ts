/**
 * Template messages in Vonage's two forms, read into one shape and checked as Vonage and WhatsApp check them.
 *
 * Form 1, `message_type: "template"` (positional text parameters, `whatsapp.locale`), is Vonage's own; form 2,
 * `message_type: "custom"` with `custom.type: "template"`, passes WhatsApp's template object through (components
 * `header`, `body`, `button`). The shape of each is Vonage's to refuse, synchronously (422). Whether the template
 * exists and takes these parameters only WhatsApp knows: Vonage has already answered 202 by then, and the refusal
 * arrives as a `rejected` status webhook. Vonage's own client libraries list no template error among the 422s of
 * `POST /v1/messages`, and reports of a missing template describe a 202 followed by a `rejected` status; older
 * reports carry Vonage's code 1022 ("Invalid template or template parameters") where newer ones carry WhatsApp's
 * (132001, 132000). The sources disagree on the code, not on the form: this fake sends WhatsApp's code.
 */
import type { ShownTemplate } from "./chat-log.js";
import { fillTemplate, TEMPLATE_LIMITS, type TemplateRegistry } from "./templates.js";
import type { InvalidParameter, WhatsAppRejection } from "./whatsapp-rules.js";
import { isObject } from "./json.js";

/** A template message as WhatsApp reads it, whichever form it came in. */
export interface TemplateMessage {
  form: "template" | "custom";
  name: string;
  language: string;
  /** The body parameters' texts, in order. */
  body: string[];
  /** How many header parameters were sent: the registry's templates have no header. */
  header: number;
  /** The quick-reply payloads sent (form 2 only), by button index. */
  payloads: Array<{ index: number; payload: string }>;
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

function unknownKeys(out: InvalidParameter[], path: string, value: Record<string, unknown>, allowed: readonly string[]) {
  for (const k of Object.keys(value)) if (!allowed.includes(k)) out.push({ name: `${path}.${k}`, reason: "unknown parameter" });
}

function readForm1(body: Record<string, unknown>, out: InvalidParameter[]): TemplateMessage | null {
  const template = body["template"];
  const whatsapp = body["whatsapp"];
  if (!isObject(template)) {
    out.push({ name: "template", reason: "is required for message_type template" });
    return null;
  }
  unknownKeys(out, "template", template, ["name", "parameters"]);
  if (!nonEmpty(template["name"])) out.push({ name: "template.name", reason: "must be a non-empty string" });
  const parameters = template["parameters"] ?? [];
  if (!Array.isArray(parameters)) out.push({ name: "template.parameters", reason: "must be an array of strings" });
  else for (const [i, p] of parameters.entries()) if (!nonEmpty(p)) out.push({ name: `template.parameters[${i}]`, reason: "must be a non-empty string" });
  if (!isObject(whatsapp)) out.push({ name: "whatsapp", reason: 'is required for a template: {"policy":"deterministic","locale":"en_GB"}' });
  else {
    if (!nonEmpty(whatsapp["locale"])) out.push({ name: "whatsapp.locale", reason: "must be the template's language code, e.g. en_GB" });
    if (whatsapp["policy"] !== undefined && whatsapp["policy"] !== "deterministic") out.push({ name: "whatsapp.policy", reason: "must be deterministic" });
  }
  if (out.length > 0) return null;
  return { form: "template", name: String(template["name"]), language: String((whatsapp as Record<string, unknown>)["locale"]), body: parameters as string[], header: 0, payloads: [] };
}

/** A button index as WhatsApp takes it: a number or a string of digits, 0 to 9. */
function indexOf(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n < TEMPLATE_LIMITS.buttons ? n : null;
}

function readComponents(components: unknown, out: InvalidParameter[], message: TemplateMessage): void {
  const p = "custom.template.components";
  if (components === undefined) return;
  if (!Array.isArray(components)) return void out.push({ name: p, reason: "must be an array" });
  let bodies = 0;
  for (const [i, c] of components.entries()) {
    const q = `${p}[${i}]`;
    if (!isObject(c)) {
      out.push({ name: q, reason: "must be an object" });
      continue;
    }
    const parameters = c["parameters"];
    if (!Array.isArray(parameters)) {
      out.push({ name: `${q}.parameters`, reason: "must be an array" });
      continue;
    }
    if (c["type"] === "header") {
      message.header += parameters.length;
    } else if (c["type"] === "body") {
      if (++bodies > 1) out.push({ name: q, reason: "a template has one body component" });
      for (const [j, param] of parameters.entries()) {
        if (!isObject(param) || param["type"] !== "text" || !nonEmpty(param["text"])) out.push({ name: `${q}.parameters[${j}]`, reason: 'must be {"type":"text","text":"..."} with some text' });
        else message.body.push(param["text"]);
      }
    } else if (c["type"] === "button") {
      if (c["sub_type"] !== "quick_reply") out.push({ name: `${q}.sub_type`, reason: "this simulator models quick_reply buttons only" });
      const index = indexOf(c["index"]);
      if (index === null) out.push({ name: `${q}.index`, reason: `must be a button index from 0 to ${TEMPLATE_LIMITS.buttons - 1}, as a number or a string` });
      else if (message.payloads.some((b) => b.index === index)) out.push({ name: `${q}.index`, reason: `button ${index} has parameters already` });
      const param = parameters[0];
      if (parameters.length !== 1 || !isObject(param) || param["type"] !== "payload" || !nonEmpty(param["payload"])) {
        out.push({ name: `${q}.parameters`, reason: 'must hold one {"type":"payload","payload":"..."}' });
      } else if ([...param["payload"]].length > TEMPLATE_LIMITS.payload) {
        out.push({ name: `${q}.parameters[0].payload`, reason: `must be at most ${TEMPLATE_LIMITS.payload} characters` });
      } else if (index !== null) message.payloads.push({ index, payload: param["payload"] });
    } else out.push({ name: `${q}.type`, reason: "must be header, body or button" });
  }
}

function readForm2(template: unknown, out: InvalidParameter[]): TemplateMessage | null {
  const p = "custom.template";
  if (!isObject(template)) {
    out.push({ name: p, reason: "is required for a custom template" });
    return null;
  }
  unknownKeys(out, p, template, ["name", "language", "components", "namespace"]);
  if (!nonEmpty(template["name"])) out.push({ name: `${p}.name`, reason: "must be a non-empty string" });
  const language = template["language"];
  if (!isObject(language) || !nonEmpty(language["code"])) out.push({ name: `${p}.language.code`, reason: "must be the template's language code, e.g. en_GB" });
  else if (language["policy"] !== undefined && language["policy"] !== "deterministic") out.push({ name: `${p}.language.policy`, reason: "must be deterministic" });
  const message: TemplateMessage = { form: "custom", name: String(template["name"]), language: isObject(language) ? String(language["code"]) : "", body: [], header: 0, payloads: [] };
  readComponents(template["components"], out, message);
  return out.length > 0 ? null : message;
}

/** Whether a body is a template, in either form (templates may be sent outside the 24-hour window). */
export function isTemplateBody(body: Record<string, unknown>): boolean {
  return body["message_type"] === "template" || (body["message_type"] === "custom" && isObject(body["custom"]) && body["custom"]["type"] === "template");
}

/** Reads a template body in either form; `problems` are what Vonage would answer 422 for. */
export function readTemplateMessage(body: Record<string, unknown>): { message: TemplateMessage | null; problems: InvalidParameter[] } {
  const problems: InvalidParameter[] = [];
  const message = body["message_type"] === "template" ? readForm1(body, problems) : readForm2(isObject(body["custom"]) ? body["custom"]["template"] : undefined, problems);
  return { message, problems };
}

/** What WhatsApp answers for a well-formed template message given the approved templates; null when it goes out. */
export function judgeTemplate(message: TemplateMessage, registry: TemplateRegistry): WhatsAppRejection | null {
  const template = registry.find(message.name, message.language);
  if (template === undefined) {
    const known = registry.languagesOf(message.name);
    const why = known.length === 0 ? `no template "${message.name}" is approved` : `"${message.name}" is approved in ${known.join(", ")}, not ${message.language}`;
    return { code: 132001, detail: `Template name does not exist in the translation (${why})` };
  }
  const mismatch = (part: string, given: number, expected: number) => ({
    code: 132000,
    detail: `Number of parameters does not match the expected number of params (${part}: ${given} given, ${expected} expected)`,
  });
  if (message.header !== 0) return mismatch("header", message.header, 0);
  if (message.body.length !== template.parameters) return mismatch("body", message.body.length, template.parameters);
  // Modelled as WhatsApp's "parameter value is not valid"; which code WhatsApp gives a button it lacks is unverified.
  const beyond = message.payloads.find((b) => b.index >= template.buttons.length);
  if (beyond !== undefined) {
    return {
      code: 131009,
      detail: `Parameter value is not valid (button ${beyond.index}: "${template.name}" has ${template.buttons.length} quick-reply button${template.buttons.length === 1 ? "" : "s"})`,
    };
  }
  return null;
}

/** The template as the chat shows it: the approved text and buttons, or (not approved) what was sent. */
export function showTemplate(message: TemplateMessage, registry: TemplateRegistry | undefined): ShownTemplate {
  const template = registry?.find(message.name, message.language);
  const payloadOf = (index: number, text: string) => message.payloads.find((b) => b.index === index)?.payload ?? text;
  if (template !== undefined) {
    return {
      name: template.name,
      language: template.language,
      text: fillTemplate(template.body, message.body),
      buttons: template.buttons.map((text, index) => ({ index, text, payload: payloadOf(index, text) })),
    };
  }
  const sent = message.body.length === 0 ? "" : `: ${message.body.join(" | ")}`;
  return {
    name: message.name,
    language: message.language,
    text: `Template "${message.name}" (${message.language})${sent}`,
    buttons: message.payloads.map(({ index, payload }) => ({ index, text: payload, payload })),
  };
}
