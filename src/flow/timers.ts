/**
 * Timers (pure): which timer a conversation waits on after a step (`armTimers`), and what a delivered timer does
 * (`decideTimer`). A timer carries what it was set for; the session remembers the one it waits on, so a duplicate,
 * late or superseded delivery finds another id there and does nothing. No lock: plain KV is enough.
 */
import { defined } from "../defined.js";
import { TEMPLATE_NODE, waitingAt, type CompiledQuestion, type CompiledReminders } from "../menus/compiled.js";
import { handBackSession, isHandedOver } from "./handover.js";
import { arrive, nothing, plan, type MenuRef } from "./plan.js";
import { questionMessage, templateMessage, textMessage, walk } from "./render.js";
import { ASKED_MAX, askedNow, catchUp, dueOf, keepLast, waitingTimer, windowOpen } from "./session.js";
import type { Asked, Plan, SentRecord, Session, Timer, TimerMessage } from "./types.js";
import { undoneIn, undoneOf } from "./vars.js";

/** How long a step that a timer caused may still be sending (as `IN_PROGRESS_MS` for webhooks). */
const TIMER_IN_PROGRESS_MS = 15_000;
/** A delivery this early still counts as due: queues round delays to whole seconds. */
const EARLY_TOLERANCE_MS = 1_000;
/** Earlier sendings of a question that still answer it (as `RESENT_MAX` in answer.ts). */
const RESENT_MAX = 5;

export const timerId = (t: Pick<Timer, "kind" | "conversation" | "node" | "asked" | "count">) => `${t.kind}:${t.conversation}:${t.node}:${t.asked}:${t.count}`;

const timerOf = (t: Omit<Timer, "id">): Timer => ({ ...t, id: timerId(t) });

/**
 * The reminders that apply to a question: its own, else the menu's. A dynamic question (options from a list) is not
 * sent again as a reminder: its page of options lives in the session, not the menu; only a text reminds there.
 */
export function remindersFor(ref: MenuRef, question: CompiledQuestion): CompiledReminders | null {
  const reminders = question.reminders === undefined ? ref.menu.settings.reminders : question.reminders;
  return question.dynamic !== undefined && reminders?.text === null ? null : reminders;
}

/** The timer a session should wait on, given the one it has: kept when it is for the same thing. */
function wanted(session: Session, ref: MenuRef | null): Timer | null {
  const conversation = session.conversation ?? session.startedAt;
  const current = session.timer;
  if (isHandedOver(session)) {
    const h = session.handover;
    if (current?.kind === "handback" && current.node === h.node && current.asked === h.since) return current;
    return timerOf({ kind: "handback", conversation, node: h.node, asked: h.since, count: 0, due: new Date(Date.parse(h.lastActivityAt) + h.idleMs).toISOString() });
  }
  const pending = session.pending;
  if (ref === null || pending === null || pending.node === TEMPLATE_NODE || session.optedOut) return null;
  const waiting = waitingAt(ref.menu, pending.node);
  const reminders = waiting?.kind === "question" ? remindersFor(ref, waiting) : null;
  if (reminders === null) return null;
  // The same sending of the same question: the timer (a reminder step's own, with its count) stands.
  if (current?.kind === "reminder" && current.conversation === conversation && current.node === pending.node && current.asked === pending.at) return current;
  return timerOf({ kind: "reminder", conversation, node: pending.node, asked: pending.at, count: 0, due: new Date(Date.parse(pending.at) + reminders.afterMs).toISOString() });
}

const messageOf = (session: Session, timer: Timer): TimerMessage => ({ v: 1, business: session.business, customer: session.customer, ...timer });

/**
 * After any decided step: the session carries the timer it now waits on (or none), and a newly set timer is
 * handed to the scheduler once the session is stored. Costs no extra KV write: it rides on the step's own.
 */
export function armTimers(p: Plan, refs: Array<MenuRef | null>, now: string): Plan {
  const session = p.session;
  if (session === null) return p;
  const ref = refs.find((r) => r !== null && r.menu.id === session.menuId && r.version === session.menuVersion) ?? null;
  const timer = wanted(session, ref);
  if (timer === null) {
    if (session.timer === undefined) return p;
    const { timer: _dropped, ...rest } = session;
    return { ...p, session: rest };
  }
  if (session.timer?.id === timer.id) return p;
  return { ...p, session: { ...session, timer }, schedule: { message: messageOf(session, timer), delayMs: Math.max(0, Date.parse(timer.due) - Date.parse(now)) } };
}

export interface TimerInput {
  session: Session | null;
  sent: SentRecord | null;
  optedOut: boolean;
  message: TimerMessage;
  /** The session's own menu version. */
  active: MenuRef | null;
  now: string;
  writer: string;
  /** Act as if the timer were due (the admin's "fire now", for local runs and support). */
  force?: boolean;
}

const without = (session: Session): Session => {
  const { timer: _dropped, ...rest } = session;
  return rest;
};

/** What a delivered timer does. Anything but the timer the session waits on is stale and sends nothing. */
export const decideTimer = (input: TimerInput): Plan => armTimers(decide(input), [input.active], input.now);

function decide(input: TimerInput): Plan {
  const { message, now } = input;
  const caught = catchUp(input.session, input.sent);
  const session = caught.session;
  if (session === null) return nothing("timer_stale");
  const here = session.pending?.node ?? null;
  const owing = caught.owing;
  if (owing !== null && owing.owed.timer === message.id) {
    // A redelivery of the timer whose step did not finish: perform what it still owes, nothing more.
    if (!owing.settled && Date.parse(now) - Date.parse(owing.owed.at) < TIMER_IN_PROGRESS_MS) return nothing("behind", here);
    return { outcome: "resent", session: null, perform: owing, node: here };
  }
  const timer = waitingTimer(session);
  if (timer === undefined || timer.id !== message.id) return nothing("timer_stale", here);
  if (input.optedOut || session.optedOut) return nothing("opted_out");
  const due = dueOf(session, timer);
  if (!input.force && due - Date.parse(now) > EARLY_TOLERANCE_MS) {
    // Not yet: a wait longer than the queue's longest delay arrives in legs, and each leg sets the next.
    return { ...nothing("timer_early", here), schedule: { message: { ...message, due: new Date(due).toISOString() }, delayMs: due - Date.parse(now) } };
  }
  const ctx = { event: null, now, writer: input.writer };
  const prior = owing;
  const claimed = (p: Plan): Plan => (p.session?.owed ? { ...p, session: { ...p.session, owed: { ...p.session.owed, timer: message.id } } } : p);

  if (timer.kind === "handback") {
    if (!isHandedOver(session)) return nothing("timer_stale", here);
    const back = handBackSession(input.active, session, "idle", now);
    return claimed(plan("handed_back", without(back.session), ctx, [], back.completions, prior));
  }

  const pending = session.pending;
  const ref = input.active;
  const waiting = ref === null || pending === null ? undefined : waitingAt(ref.menu, pending.node);
  if (ref === null || pending === null || waiting?.kind !== "question") return nothing("timer_stale", here);
  const reminders = remindersFor(ref, waiting);
  if (reminders === null) return nothing("timer_stale", here);

  const open = windowOpen(session, now);
  if (timer.count < reminders.times) {
    if (!open) {
      // Never free-form outside the 24-hour window: the template, or nothing.
      const template = ref.menu.template;
      if (template !== undefined) {
        const invited: Session = {
          ...without(session),
          pending: { ...askedNow(session, TEMPLATE_NODE, now), answered: pending.answered },
          attempts: 0,
          asked: keepLast([...session.asked, pending], ASKED_MAX),
        };
        const { message: sent, empty } = templateMessage(template, invited);
        if (empty.length === 0) return claimed(plan("templated", invited, ctx, [sent], [], prior));
      }
      return { outcome: "timer_skipped", session: { ...session, timer: { ...timer, spent: true } }, perform: null, node: here };
    }
    const next = (asked: string): Timer =>
      timerOf({ kind: "reminder", conversation: timer.conversation, node: pending.node, asked, count: timer.count + 1, due: new Date(Date.parse(now) + reminders.afterMs).toISOString() });
    if (reminders.text === null) {
      // The question again, as a fresh sending; taps on the earlier ones still answer it.
      const again: Asked = { ...askedNow(session, pending.node, now), answered: pending.answered, ...undoneIn(pending) };
      const resent = [...(pending.messageUuid === null ? [] : [pending.messageUuid]), ...(pending.resent ?? [])].slice(0, RESENT_MAX);
      if (resent.length > 0) again.resent = resent;
      const t = next(again.at);
      const p = claimed(plan("reminded", { ...session, pending: again, timer: t }, ctx, [questionMessage(waiting, session)], [], prior));
      return { ...p, schedule: { message: messageOf(session, t), delayMs: reminders.afterMs } };
    }
    const t = next(pending.at);
    const p = claimed(plan("reminded", { ...session, timer: t }, ctx, [textMessage(reminders.text, session)], [], prior));
    // A text is not the question: the question's own message stays the one taps bind to.
    if (p.session?.owed) delete p.session.owed.question;
    return { ...p, schedule: { message: messageOf(session, t), delayMs: reminders.afterMs } };
  }

  // The reminders went unanswered: on to the timeout destination, or a polite end.
  const walked = walk(ref.menu, reminders.timeout, session, `${pending.node}/timeout`);
  if (!open) {
    // Never free-form outside the 24-hour window: the conversation ends without a word to the customer. Where the
    // timeout's way ends at a webhook, the business still gets the completion it gets inside the window (same key,
    // end and answers). A way that leads on to a question, a handover or a request cannot be followed without
    // writing to the customer: it ends here, as it did, with no completion (it names no webhook).
    const ends = walked.question === null && walked.handover === undefined && walked.fetch === undefined;
    const arrived = arrive(ref, without(session), { sends: [], question: null, session: ends ? walked.session : session, ...(ends ? defined({ end: walked.end }) : {}) }, now);
    if (arrived.completions.length === 0) return { outcome: "timed_out", session: arrived.session, perform: null, node: null };
    return claimed(plan("timed_out", arrived.session, ctx, [], arrived.completions, prior));
  }
  const arrived = arrive(ref, without(session), walked, now, undoneOf(session, walked.session));
  return claimed(plan("timed_out", arrived.session, ctx, walked.sends, arrived.completions, prior));
}
