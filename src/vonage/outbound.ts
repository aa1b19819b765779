/** Builds Messages API request bodies (pure): exactly the shapes of Vonage's WhatsApp documentation. */
import type { Outgoing } from "../flow/types.js";
import { unreachable } from "../unreachable.js";

export interface WhatsAppCustomBody {
  from: string;
  to: string;
  channel: "whatsapp";
  message_type: "custom";
  custom: { type: "interactive"; interactive: unknown };
}

export interface WhatsAppTextBody {
  from: string;
  to: string;
  channel: "whatsapp";
  message_type: "text";
  text: string;
}

export type MessageBody = WhatsAppCustomBody | WhatsAppTextBody;

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
    default:
      return unreachable(message);
  }
}
