/** The data the conversation logic works on: inbound events, outgoing messages, sessions, plans. */
import type { Interactive } from "../menus/schema.js";

/** One message the customer sent, reduced to what a conversation needs (see `vonage/webhooks.ts`). */
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

/** A delivery status of a message the business sent (see `vonage/webhooks.ts`). */
export interface StatusEvent {
  messageUuid: string;
  status: string;
  /** The business number (`from` of a status). */
  business: string;
  /** The customer (`to` of a status). */
  customer: string;
  code?: string;
  title?: string;
  detail?: string;
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
  /** How many answers the session held when this question was asked: going back to it keeps those. */
  answered: number;
  /** Set by a `rejected` or `undeliverable` status: the question never reached the customer. */
  failed?: { status: string; code?: string; title?: string; detail?: string; at: string };
}

/** One customer's conversation with one business number. Stored as JSON; `v` versions the shape. */
export interface Session {
  v: 1;
  menuId: string;
  menuVersion: number;
  business: string;
  customer: string;
  profileName?: string;
  /** The question waiting for an answer; null once the conversation has ended. */
  pending: Asked | null;
  /** Earlier questions of this conversation, oldest first (bounded). */
  asked: Asked[];
  answers: Answer[];
  /** Answers to the pending question that matched no option. */
  attempts: number;
  /** The customer wrote a stop command: nothing is sent until they write a start command. */
  optedOut?: boolean;
  /** The last inbound `message_uuid`s handled, oldest first (bounded): Vonage delivers at least once. */
  handled: string[];
  /**
   * Messages of a step that were not sent because the Messages API failed after the first of them went out.
   * The next webhook (Vonage's redelivery) sends them first, so nothing goes out twice and nothing is skipped.
   */
  outbox?: Outgoing[];
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
  | "stale"
  | "rewound"
  | "back"
  | "gave_up"
  | "stopped"
  | "opted_out"
  | "resent"
  | "behind"
  | "no_menu";

/** The answers of a finished conversation, for the menu's completion webhook. */
export interface Completion {
  webhook: string;
  menuId: string;
  menuVersion: number;
  business: string;
  customer: string;
  profileName?: string;
  answers: Answer[];
  completedAt: string;
}

/** What the engine decided: messages to send, in order, then the session to store (null: store nothing). */
export interface Plan {
  outcome: Outcome;
  sends: Outgoing[];
  session: Session | null;
  /** The node the conversation is at after this plan, for logs. */
  node: string | null;
  completion?: Completion;
}
