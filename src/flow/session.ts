/** Session transitions (pure): a new conversation, recording answers and sent questions, delivery failures. */
import { defined } from "../defined.js";
import { TEMPLATE_NODE, type CompiledOption } from "../menus/compiled.js";
import { isHandedOver } from "./handover.js";
import type { Answer, Asked, Completion, Owed, SentRecord, Session, StatusEvent, Timer } from "./types.js";

/** WhatsApp's error for a free-form message outside the 24-hour window. */
export const OUTSIDE_WINDOW = "1340";

/** How many inbound ids and earlier questions a session remembers. */
export const HANDLED_MAX = 20;
export const ASKED_MAX = 20;
/** Answers a session keeps: a menu that loops must not grow its session without bound (Deno KV takes 64 KiB). */
export const ANSWERS_MAX = 100;
/** Variables a conversation holds, and the characters of each value. */
export { VARS_MAX } from "../menus/limits.js";
export const VAR_VALUE_MAX = 1024;
export { VAR_NAME, VAR_NAME_RULE } from "../menus/limits.js";
/** Lists a conversation holds, their items, and the characters of an item's id, title and description. */
export const LISTS_MAX = 2;
export const LIST_ITEMS_MAX = 30;
export const LIST_TEXT_MAX = 72;
/**
 * Characters (of JSON) of earlier variable values that questions keep for `back` (`Asked.undo`), newest first:
 * going back a few questions undoes exactly, and the session stays small however a menu loops.
 */
export const UNDO_MAX = 4096;
/** Earlier questions that keep the options they showed (dynamic ones): enough for late taps, bounded in size. */
export const SHOWN_KEPT = 2;

export const keepLast = <T>(items: T[], max: number): T[] => (items.length > max ? items.slice(items.length - max) : items);

/** True when the session still waits for an answer. */
export function isActive(session: Session | null): session is Session & { pending: Asked } {
  return session !== null && session.pending !== null;
}

/** The customer's message `uuid` was handled at `now`: their 24-hour window runs from it. */
export const markHandled = (session: Session, uuid: string, now: string): Session => ({ ...session, handled: keepLast([...session.handled, uuid], HANDLED_MAX), lastInboundAt: now });

/** WhatsApp's customer-service window: free-form messages only within 24 hours of the customer's last message. */
export const WINDOW_MS = 24 * 3600_000;
/** A start this close to the window's end sends the template: its messages and the customer's reading take time. */
export const WINDOW_MARGIN_MS = 15 * 60_000;

/** When the window closes (null: it is not open: never wrote, or WhatsApp said it closed since). */
export function windowClosesAt(session: Session | null): string | null {
  const last = session?.lastInboundAt;
  if (last === undefined) return null;
  if (session?.windowClosedAt !== undefined && session.windowClosedAt >= last) return null;
  return new Date(Date.parse(last) + WINDOW_MS).toISOString();
}

/** True when a free-form message sent `now` reaches the customer, with the safety margin. */
export function windowOpen(session: Session | null, now: string): boolean {
  const closes = windowClosesAt(session);
  return closes !== null && Date.parse(now) < Date.parse(closes) - WINDOW_MARGIN_MS;
}

export interface Who {
  business: string;
  customer: string;
  profileName?: string;
  /** The variables a business start brings. */
  vars?: Record<string, string>;
}

/**
 * An empty session for a new conversation. Keeps what must outlive conversations: handled ids, the step count,
 * the questions asked before (a tap on one of them is a stale tap, not an answer to the new conversation), and the
 * customer's profile name unless `who` gives one (a business start without a name, a webhook without a profile).
 */
export function blankSession(menu: { id: string; version: number } | null, who: Who, now: string, previous: Session | null, conversation: string): Session {
  // What undid an ended conversation's variables and lists no longer applies: `back` stays within a conversation.
  const earlier = previous === null ? [] : keepLast([...previous.asked, ...(previous.pending ? [previous.pending] : [])], ASKED_MAX).map(withoutUndone);
  const session: Session = {
    v: 1,
    menuId: menu?.id ?? previous?.menuId ?? "",
    menuVersion: menu?.version ?? previous?.menuVersion ?? 0,
    business: who.business,
    customer: who.customer,
    pending: null,
    asked: earlier,
    answers: [],
    attempts: 0,
    handled: previous?.handled ?? [],
    conversation,
    step: previous?.step ?? 0,
    startedAt: now,
    updatedAt: now,
    ...defined({
      profileName: who.profileName ?? previous?.profileName,
      vars: who.vars && Object.keys(who.vars).length > 0 ? who.vars : undefined,
      lastInboundAt: previous?.lastInboundAt,
      windowClosedAt: previous?.windowClosedAt,
    }),
  };
  return session;
}

/**
 * What an admin reset leaves of a session: the conversation forgotten (menu step, answers, variables, timer,
 * handover), the facts about the customer kept: their 24-hour window, their name, the inbound ids already handled,
 * the step count and the questions sent before, so a tap on one of them is told the conversation ended at once
 * rather than waited on as a read KV has not caught up with. The opt-out stays unless `clearOptOut`.
 */
export function forgottenSession(previous: Session, now: string, clearOptOut: boolean): Session {
  const who: Who = { business: previous.business, customer: previous.customer };
  const forgotten = blankSession(null, who, now, previous, previous.conversation ?? "");
  return previous.optedOut && !clearOptOut ? { ...forgotten, optedOut: true } : forgotten;
}

/**
 * The question without what undoes the way to it (every field of `Undone` in vars.ts): going back past it undoes
 * nothing of its own.
 */
export function withoutUndone(a: Asked): Asked {
  if (a.undo === undefined && a.undoLists === undefined) return a;
  const { undo: _, undoLists: _l, ...rest } = a;
  return rest;
}

export function recordAnswer(session: Session, asked: Asked, option: CompiledOption, now: string): Session {
  const answer: Answer = { node: asked.node, id: option.id, title: option.title, at: now };
  const answers = [...session.answers, answer];
  const drop = answers.length - ANSWERS_MAX;
  if (drop <= 0) return { ...session, answers };
  // The oldest answers go; questions remember how many answers preceded them, so those counts shift too.
  const shift = (a: Asked): Asked => ({ ...a, answered: Math.max(0, a.answered - drop) });
  return { ...session, answers: answers.slice(drop), asked: session.asked.map(shift), pending: session.pending && shift(session.pending) };
}

/** A question about to be sent in `session`'s conversation. */
export function askedNow(session: Session, node: string, now: string): Asked {
  return { node, messageUuid: null, at: now, answered: session.answers.length, ...defined({ conversation: session.conversation }) };
}

/** Effects still owed by the stored session, after what its sent record says was done. */
export interface Owing {
  owed: Owed;
  from: number;
  uuids: string[];
  /** The step's attempt has ended (its sent record exists): nothing is still sending these. */
  settled: boolean;
}

export const effectCount = (owed: Owed) => owed.sends.length + owed.completions.length;

/** What an earlier step owes, without its messages: they no longer apply (a new conversation, a stop, a closed window); its answers (completions) still go out. */
export const completionsOnly = <T extends { owed: Owed; from: number }>(owing: T): T => ({ ...owing, from: Math.max(owing.from, owing.owed.sends.length) });

/**
 * The session as the sent record completes it: the pending question's `message_uuid` (known only after its send,
 * and stored under its own key), a refusal of it, and what the last step still owes.
 * `behind` is true when the sent record is newer than the session: the session read was stale.
 */
export function catchUp(session: Session | null, sent: SentRecord | null): { session: Session | null; owing: Owing | null; behind: boolean } {
  const step = session?.step ?? 0;
  if (sent !== null && sent.step > step) return { session, owing: null, behind: true };
  const owed = session?.owed;
  if (session === null || owed === undefined || owed.step !== step) return { session, owing: null, behind: false };
  const record = sent !== null && sent.step === step ? sent : null;
  const done = record?.done ?? 0;
  let pending = session.pending;
  if (pending !== null && owed.question !== undefined && record !== null) {
    const uuid = record.uuids[owed.question];
    if (uuid !== undefined) pending = { ...pending, messageUuid: uuid };
    if (record.refused?.index === owed.question) pending = { ...pending, failed: { status: "rejected", code: String(record.refused.status), title: record.refused.title, at: record.refused.at } };
  }
  const caught = pending === session.pending ? session : { ...session, pending };
  return { session: caught, owing: done < effectCount(owed) ? { owed, from: done, uuids: record?.uuids ?? [], settled: record !== null } : null, behind: false };
}

/** The effects a step owes; `question` is the index of the question when the step ends by asking one. */
export function owe(session: Session, inbound: string | null, sends: Owed["sends"], completions: Completion[], writer: string, now: string, prior: Owing | null = null): Session {
  // What an earlier step left undone goes first (its completions too: an answer is never dropped).
  const priorSends = prior ? prior.owed.sends.slice(Math.min(prior.from, prior.owed.sends.length)) : [];
  const priorCompletions = prior ? prior.owed.completions.slice(Math.max(0, prior.from - prior.owed.sends.length)) : [];
  const all = [...priorSends, ...sends];
  const step = (session.step ?? 0) + 1;
  const owed: Owed = { step, inbound, sends: all, completions: [...priorCompletions, ...completions], writer, at: now };
  if (session.pending !== null && sends.length > 0) owed.question = all.length - 1;
  return { ...session, step, owed, updatedAt: now };
}

type DeliveryStatus = Pick<StatusEvent, "messageUuid" | "status" | "code" | "title" | "detail">;

/** What a `rejected` or `undeliverable` status says went wrong; null for any other status (the message went out). */
export function deliveryFailure(status: DeliveryStatus): { status: string; code?: string; title?: string; detail?: string } | null {
  if (status.status !== "rejected" && status.status !== "undeliverable") return null;
  return { status: status.status, ...defined({ code: status.code, title: status.title, detail: status.detail }) };
}

/** The session after a failed delivery: a 1340 says WhatsApp's 24-hour window is closed. */
export const afterFailure = (session: Session, status: DeliveryStatus, now: string): Session => ({
  ...session,
  ...(status.code === OUTSIDE_WINDOW ? { windowClosedAt: now } : {}),
  updatedAt: now,
});

/** A `rejected` or `undeliverable` status for the pending question marks it; anything else changes nothing. */
export function markDeliveryFailed(session: Session, status: DeliveryStatus, now: string): Session | null {
  if (session.pending === null || session.pending.messageUuid !== status.messageUuid) return null;
  const failure = deliveryFailure(status);
  if (failure === null) return null;
  const failed: NonNullable<Asked["failed"]> = { ...failure, at: now };
  return { ...afterFailure(session, status, now), pending: { ...session.pending, failed } };
}

/**
 * How long a template's quick reply may still be tapped: a template is what reaches a customer outside the 24-hour
 * window, and they answer it when they see it, days later as often as not.
 */
export const TEMPLATE_WAIT_SECONDS = 30 * 86_400;

/** The timer the session waits on: none once it is spent (a reminder skipped outside the 24-hour window). */
export const waitingTimer = (session: Session | null): Timer | undefined => (session?.timer?.spent ? undefined : session?.timer);

/**
 * When the timer a session waits on does something, in epoch ms. A hand-back counts from the last message either
 * way, which moves without rescheduling (the delivery finds out): its stored `due` is only when it was first set for.
 */
export function dueOf(session: Session, timer: Timer): number {
  return isHandedOver(session) && timer.kind === "handback" ? Date.parse(session.handover.lastActivityAt) + session.handover.idleMs : Date.parse(timer.due);
}

/**
 * How long a stored session lives (seconds; null: for good). A customer who opted out is remembered beyond the
 * conversation's lifetime; one waiting on a timer lives until an hour after it acts (`dueOf`), so a reminder or an
 * idle hand-back later than SESSION_TTL_SECONDS still finds it; one waiting on a template's answer, TEMPLATE_WAIT_SECONDS.
 */
export function sessionLifetime(session: Session, ttlSeconds: number, now: number): number | null {
  if (session.optedOut) return null;
  const waiting = waitingTimer(session);
  const timer = waiting === undefined ? 0 : Math.ceil((dueOf(session, waiting) - now) / 1000) + 3600;
  const template = session.pending?.node === TEMPLATE_NODE ? TEMPLATE_WAIT_SECONDS : 0;
  return Math.max(ttlSeconds, timer, template);
}
