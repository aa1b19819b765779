/** Builds Messages API request bodies (pure): exactly the shapes of Vonage's WhatsApp documentation. */
import type { Outgoing, TemplateSend } from "../flow/types.js";
import { unreachable } from "../unreachable.js";

export interface WhatsAppCustomBody {
  from: string;
  to: string;
  channel: "whatsapp";
  message_type: "custom";
  custom: { type: "interactive"; interactive: unknown } | { type: "template"; template: WhatsAppTemplateObject };
}

/** WhatsApp's template object, passed through by Vonage's custom message type. */
export interface WhatsAppTemplateObject {
  name: string;
  language: { policy: "deterministic"; code: string };
  components: Array<
    { type: "body"; parameters: Array<{ type: "text"; text: string }> } | { type: "button"; sub_type: "quick_reply"; index: string; parameters: Array<{ type: "payload"; payload: string }> }
  >;
}

/** Vonage's own template message: positional text parameters. */
export interface WhatsAppTemplateBody {
  from: string;
  to: string;
  channel: "whatsapp";
  message_type: "template";
  template: { name: string; parameters?: string[] };
  whatsapp: { policy: "deterministic"; locale: string };
}

export interface WhatsAppTextBody {
  from: string;
  to: string;
  channel: "whatsapp";
  message_type: "text";
  text: string;
}

export type MessageBody = WhatsAppCustomBody | WhatsAppTextBody | WhatsAppTemplateBody;

function templateBody(from: string, to: string, t: TemplateSend): MessageBody {
  if (t.form === "template") {
    const template = t.parameters.length > 0 ? { name: t.name, parameters: t.parameters } : { name: t.name };
    return { from, to, channel: "whatsapp", message_type: "template", template, whatsapp: { policy: "deterministic", locale: t.language } };
  }
  const body: WhatsAppTemplateObject["components"] = t.parameters.length > 0 ? [{ type: "body", parameters: t.parameters.map((text) => ({ type: "text", text })) }] : [];
  const buttons = t.payloads.map((payload, index) => ({ type: "button" as const, sub_type: "quick_reply" as const, index: String(index), parameters: [{ type: "payload" as const, payload }] }));
  const components = [...body, ...buttons];
  return { from, to, channel: "whatsapp", message_type: "custom", custom: { type: "template", template: { name: t.name, language: { policy: "deterministic", code: t.language }, components } } };
}

/** `from` is the business number, `to` the customer; both digits only, country code first. */
export function buildMessage(from: string, to: string, message: Outgoing): MessageBody {
  switch (message.type) {
    case "text":
      return { from, to, channel: "whatsapp", message_type: "text", text: message.text };
    case "interactive":
      return { from, to, channel: "whatsapp", message_type: "custom", custom: { type: "interactive", interactive: message.interactive } };
    case "location_request":
      // WhatsApp's location request message, passed through Vonage's custom object as WhatsApp takes it.
      return {
        from,
        to,
        channel: "whatsapp",
        message_type: "custom",
        custom: { type: "interactive", interactive: { type: "location_request_message", body: { text: message.text }, action: { name: "send_location" } } },
      };
    case "template":
      return templateBody(from, to, message.template);
    default:
      return unreachable(message);
  }
}
