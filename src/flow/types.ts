/** The data the conversation logic works on: inbound events, outgoing messages, sessions, plans. */
import type { Interactive } from "../menus/schema.js";

/** One message the customer sent, reduced to what a conversation needs (see `vonage/inbound.ts`). */
export interface InboundEvent {
  messageUuid: string;
  /** The business's WhatsApp number (`to` of the webhook). */
  business: string;
  /** The customer's number (`from` of the webhook). */
  customer: string;
  timestamp: string;
  profileName?: string;
  /** `context.message_uuid`: the message this one answers or quotes, when WhatsApp tells. */
  contextUuid?: string;
  content:
    | { kind: "reply"; id: string; title: string; description?: string }
    | { kind: "text"; text: string }
    | { kind: "reaction" }
    | { kind: "other"; messageType: string };
}

/** A message to send to the customer; the Vonage layer turns it into a Messages API body. */
export type Outgoing = { type: "interactive"; interactive: Interactive } | { type: "text"; text: string };

export interface Answer {
  node: string;
  id: string;
  title: string;
  at: string;
}

/** A question that was sent, with the `message_uuid` Vonage gave it (null until the send succeeds). */
export interface Asked {
  node: string;
  messageUuid: string | null;
  at: string;
}

/** One customer's conversation with one business number. Stored as JSON; `v` versions the shape. */
export interface Session {
  v: 1;
  menuId: string;
  menuVersion: number;
  business: string;
  customer: string;
  /** The question waiting for an answer; null once the conversation has ended. */
  pending: Asked | null;
  /** Earlier questions of this conversation, oldest first (bounded). */
  asked: Asked[];
  answers: Answer[];
  /** The last inbound `message_uuid`s handled, oldest first (bounded): Vonage delivers at least once. */
  handled: string[];
  startedAt: string;
  updatedAt: string;
}

export type Outcome =
  | "duplicate"
  | "ignored"
  | "started"
  | "advanced"
  | "completed"
  | "reprompted"
  | "no_menu";

/** What the engine decided: messages to send, in order, then the session to store (null: store nothing). */
export interface Plan {
  outcome: Outcome;
  sends: Outgoing[];
  session: Session | null;
  /** The node the conversation is at after this plan, for logs. */
  node: string | null;
}
