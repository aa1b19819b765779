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
    | { kind: "location"; lat: number; long: number; name?: string; address?: string }
    | { kind: "reaction"; reaction?: Reaction }
    | { kind: "other"; messageType: string; media?: Media };
}

/** An emoji the customer put on (or took off) one of the business's messages. */
export interface Reaction {
  action: string;
  emoji?: string;
}

/** A picture, video, voice note, file or sticker: Vonage's link to it, and what the customer wrote with it. */
export interface Media {
  url: string;
  caption?: string;
  /** A file's name. */
  name?: string;
}

/** The inbound content kinds; `other` covers media and anything WhatsApp adds later. */
export type InboundKind = InboundEvent["content"]["kind"];

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
export type Outgoing =
  | { type: "interactive"; interactive: Interactive }
  | { type: "text"; text: string }
  | { type: "template"; template: TemplateSend }
  /** WhatsApp's location request message: the text and a Send location button. */
  | { type: "location_request"; text: string };

/** An approved template as sent: its parameters filled in, and the payload of each quick-reply button (custom form). */
export interface TemplateSend {
  name: string;
  language: string;
  form: "template" | "custom";
  parameters: string[];
  payloads: string[];
}

/** An option of a dynamic question as the customer saw it (clipped to WhatsApp's limits). */
export interface ShownOption {
  id: string;
  title: string;
  description?: string;
}

/** An item of a list variable, as the backend gave it (bounded: `LIST_ITEMS_MAX` items, `LIST_TEXT_MAX` characters). */
export interface ListItem {
  id: string;
  title: string;
  description?: string;
}

export interface Answer {
  node: string;
  id: string;
  title: string;
  at: string;
}

/** Earlier values of variables, by name (null: the variable was not set). */
export type Undo = Record<string, string | null>;

/** Earlier contents of lists, by name (null: the list was not held). */
export type ListsUndo = Record<string, ListItem[] | null>;

/** A question that was sent, with the `message_uuid` Vonage gave it (null until the send is known to have succeeded). */
export interface Asked {
  node: string;
  messageUuid: string | null;
  /** The conversation that asked it: a tap on a question of an earlier conversation is a stale tap. */
  conversation?: string;
  /** Earlier sendings of this same question (it was re-asked): a tap on any of them answers it. */
  resent?: string[];
  at: string;
  /** How many answers the session held when this question was asked: going back to it keeps those. */
  answered: number;
  /**
   * What the variables were when the question before this one (in `asked`, same conversation) was asked: each name
   * that changed since, with its value then (null: unset). `back` from this question restores them, so an input's
   * answer or a request's result given after that question no longer applies. Missing: nothing known to undo
   * (nothing changed; a session stored before this field; an old question whose undo gave way to `UNDO_MAX`).
   */
  undo?: Undo;
  /**
   * The same for lists: each list that changed since the question before this one was asked (a request replaced or
   * pushed it out), as it was then. `back` puts them back, so a dynamic question gone back to has the list it showed.
   * Kept within `UNDO_MAX` with `undo`, after it: a list too large for what is left is not put back.
   */
  undoLists?: ListsUndo;
  /** A dynamic question: the options this message showed ("More…" included), so taps and typed answers match what the customer saw. */
  options?: ShownOption[];
  /** A dynamic question's options shown on its earlier pages: a tap on one of those still answers it. */
  seen?: ShownOption[];
  /** A dynamic question's page (0 first), when its list takes more than one message. */
  page?: number;
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
  /**
   * This conversation's variables (`{{vars.<name>}}`): a business start's `variables`, and what nodes set.
   * Bounded (`VARS_MAX` names of `VAR_VALUE_MAX` characters), so the session stays small.
   */
  vars?: Record<string, string>;
  /** Lists a request saved, for dynamic questions (bounded: `LISTS_MAX` lists). */
  lists?: Record<string, ListItem[]>;
  /** The question waiting for an answer; null once the conversation has ended. */
  pending: Asked | null;
  /** Earlier questions of this conversation, oldest first (bounded). */
  asked: Asked[];
  answers: Answer[];
  /** Answers to the pending question that matched no option. */
  attempts: number;
  /**
   * Informational copy of the opt-out; the fact itself lives in its own key (see `store/opt-outs.ts`), where a
   * racing session write cannot undo it.
   */
  optedOut?: boolean;
  /** When the customer last wrote (our clock): WhatsApp's 24-hour window for free-form messages runs from it. Outlives conversations. */
  lastInboundAt?: string;
  /** When WhatsApp refused a free-form message as outside the window (1340) after the customer's last message. */
  windowClosedAt?: string;
  /** The last inbound `message_uuid`s handled, oldest first (bounded): Vonage delivers at least once. */
  handled: string[];
  /** This conversation's id: derived ids of outgoing effects (completion `webhook-id`, `client_ref`) start from it. */
  conversation?: string;
  /** Steps this session has taken (monotonic, across conversations); `owed.step` and `SentRecord.step` name one. */
  step?: number;
  /**
   * The effects of the last step, stored before they are performed ("claim"): a redelivery finds what is still
   * owed, and the sent record (`SentRecord`) says how much of it was done.
   */
  owed?: Owed;
  /** The one timer this conversation waits on (a reminder, or the idle hand-back); a delivery of any other is stale. */
  timer?: Timer;
  /** Set while a person has the conversation: the bot relays the customer's messages instead of answering them. */
  handover?: Handover;
  startedAt: string;
  updatedAt: string;
}

/** What one step must do once its session is stored, in order: messages, then the completion webhook. */
export interface Owed {
  step: number;
  /** The inbound message that caused the step; null for a business-initiated start. */
  inbound: string | null;
  sends: Outgoing[];
  completions: Completion[];
  /** The index in `sends` of the question this step asks, if it asks one: its uuid binds taps to it. */
  question?: number;
  /** A random id of the worker invocation that wrote this claim: on stores without compare-and-set, a read-back tells who won. */
  writer: string;
  at: string;
  /** The timer whose delivery caused the step (`Timer.id`): its redelivery performs what is still owed. */
  timer?: string;
}

/** A timer as the session remembers it and as the queue carries it: what it was set for, so a late one can tell. */
export interface Timer {
  /** Derived from what it was set for (conversation, question sending, kind, count): never random. */
  id: string;
  kind: "reminder" | "handback";
  conversation: string;
  /** The pending question's node and its sending (`Asked.at`) the reminder is for; the handover node for a hand-back. */
  node: string;
  asked: string;
  /** Reminders already sent for this question. */
  count: number;
  due: string;
  /** Nothing more fires for this sending (a reminder was due outside the window): kept so it is not set again. */
  spent?: true;
}

/** What the queue carries: the timer, and whose it is. */
export interface TimerMessage extends Timer {
  v: 1;
  business: string;
  customer: string;
}

/** A conversation a person has taken over. */
export interface Handover {
  /** The handover node (or `#agent` for the agent command). */
  node: string;
  webhook: string;
  since: string;
  /** The last message either way: the idle hand-back counts from it. */
  lastActivityAt: string;
  idleMs: number;
}

/**
 * Written after a step's effects (its own key, so not the session's one write per second): how many of
 * `owed` were done and the `message_uuid`s Vonage gave the messages. Binds the pending question to its uuid.
 */
export interface SentRecord {
  step: number;
  /** Effects of `owed` done: sends first, then the completion. */
  done: number;
  uuids: string[];
  /** A send the Messages API refused for good (422): the question never reached the customer. */
  refused?: { index: number; status: number; title: string; at: string };
  at: string;
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
  | "no_menu"
  | "ended"
  | "not_an_answer"
  | "superseded"
  | "own_number"
  /** Outside the 24-hour window: the menu's template went out instead of the first question. */
  | "templated"
  /** Outside the 24-hour window, and the menu has no template (or its parameters came out empty). */
  | "outside_window"
  /** A delivery failure of the pending question was recorded. */
  | "recorded"
  /** The same start (request id) already began this conversation. */
  | "already_started"
  /** A reminder of the unanswered question went out. */
  | "reminded"
  /** The reminders went unanswered: the conversation went on to the timeout destination (or ended politely). */
  | "timed_out"
  /** A timer for something the conversation has moved on from (answered, restarted, a duplicate delivery): nothing to do. */
  | "timer_stale"
  /** A timer delivered before it is due (a chained wait longer than the queue's maximum delay): set again for the rest. */
  | "timer_early"
  /** A reminder due outside the 24-hour window, and the menu has no template: skipped, never sent free-form. */
  | "timer_skipped"
  /** The conversation went to a person. */
  | "handed_over"
  /** A business start refused: the customer is talking to a person (unless the start says `endHandover`). */
  | "with_agent"
  /** A message while handed over: relayed to the agent endpoint, not answered. */
  | "relayed"
  /** An agent's text went out. */
  | "agent_replied"
  /** The agent (or the idle timer) gave the conversation back to the menu. */
  | "handed_back"
  /** A dynamic question's next page ("More…"). */
  | "paged";

/** The answers of a finished conversation, for the menu's completion webhook. */
export interface Completion {
  /**
   * Derived from the conversation and the node it ended on, never random: every delivery of this completion
   * (retries, redeliveries, a racing second worker) carries the same `webhook-id`, so the receiver can deduplicate.
   */
  key: string;
  webhook: string;
  menuId: string;
  menuVersion: number;
  business: string;
  customer: string;
  profileName?: string;
  conversation: string;
  /** Where the conversation ended: a closing text node, or `<question>/<option>` for an inline closing text. */
  end: string;
  answers: Answer[];
  /** The conversation's variables, when it has any. */
  variables?: Record<string, string>;
  completedAt: string;
  /** What the event says (default `menu.completed`); the handover's events go to the agent endpoint. */
  type?: "menu.completed" | "handover.started" | "handover.message" | "handover.undelivered" | "handover.ended";
  /** The customer's message a `handover.message` relays. */
  message?: {
    id: string;
    kind: string;
    text?: string;
    reply?: { id: string; title: string };
    location?: { lat: number; long: number; name?: string; address?: string };
    media?: Media;
    reaction?: Reaction;
    at: string;
  };
  /** Why a handover ended (`handover.ended`). */
  reason?: string;
  /** The agent's text WhatsApp did not deliver (`handover.undelivered`): its message uuid and Vonage's status. */
  undelivered?: { id: string; status: string; code?: string; title?: string; detail?: string };
}

/** What the engine decided: the session to store first (null: store nothing), then the effects it owes. */
export interface Plan {
  outcome: Outcome;
  /** Stored before any effect; carries `owed`. */
  session: Session | null;
  /** Effects to perform now: the session's `owed` from `from` on (what an earlier attempt did not finish). */
  perform: { owed: Owed; from: number; uuids: string[] } | null;
  /** The opt-out fact to write (before anything is sent) or to clear. */
  optOut?: "set" | "clear";
  /** The node the conversation is at after this plan, for logs. */
  node: string | null;
  /**
   * The walk reached a request node: nothing is stored or sent yet. The step performs this request and decides
   * again with its result appended to the input's `fetched`.
   */
  fetch?: FetchNeed;
  /** Why nothing was done, for a refusal the caller must fix (`outside_window`). */
  problem?: string;
  /** A timer to hand the scheduler once the session is stored, and after how long (see `flow/timers.ts`). */
  schedule?: { message: TimerMessage; delayMs: number };
}

/** A backend request a step must make before it can decide (see `flow/request.ts`). */
export interface FetchNeed {
  node: string;
  /**
   * Derived from the conversation, the step, the node and the inbound message: the request's `webhook-id`, the same
   * for a redelivery of that message decided again, so the backend can deduplicate.
   */
  key: string;
  method: "GET" | "POST";
  url: string;
  /** The JSON body (POST). */
  body?: string;
  timeoutMs: number;
}

/** What a backend request gave: a JSON answer, or why it failed. */
export type FetchResult = { ok: true; status: number; json: unknown } | { ok: false; status?: number; reason: "timeout" | "status" | "too_large" | "bad_json" | "refused" | "network" | "no_time" };
