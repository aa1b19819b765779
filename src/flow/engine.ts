/**
 * The conversation engine (pure): what a step must read (`needs`, `freshNeeded`), then what it does
 * (`decideInbound`, `decideStart`). No I/O: the caller reads what is asked for, stores the plan's session and
 * performs its effects (see `conversation/step.ts`).
 */
import type { CompiledMenu, CompiledQuestion, Target } from "../menus/compiled.js";
import { DEFAULT_TEXTS } from "../menus/compiled.js";
import { unreachable } from "../unreachable.js";
import { commandOf, tapped, typedOption, type Command } from "./match.js";
import { questionMessage, walk, type Walked } from "./render.js";
import { ASKED_MAX, askedNow, blankSession, catchUp, isActive, keepLast, markHandled, owe, recordAnswer, type Owing, type Who } from "./session.js";
import type { Asked, Completion, InboundEvent, Outcome, Plan, SentRecord, Session } from "./types.js";

export interface MenuRef {
  menu: CompiledMenu;
  version: number;
}

/** What a step reads, besides the customer's session, sent record and opt-out. */
export interface Needs {
  /** The menu version the session runs on (its texts apply even after it ended). */
  menu: { id: string; version: number } | null;
}

/** The first read: the session's own menu version, so a customer finishes on the version they started with. */
export function needs(session: Session | null): Needs {
  return { menu: session !== null && session.menuId !== "" ? { id: session.menuId, version: session.menuVersion } : null };
}

/** Which menu a (re)start would begin: the business number's binding, or the current version of the session's menu. */
export type FreshNeed = { kind: "bound" } | { kind: "current"; menuId: string } | null;

/** The second read, once the session's menu is known: whether this message may start a conversation, and on which menu. */
export function freshNeeded(session: Session | null, event: InboundEvent, active: MenuRef | null): FreshNeed {
  if (session?.handled.includes(event.messageUuid) || event.content.kind === "reaction") return null;
  const command = commandOf(active?.menu ?? null, event);
  if (command === "restart" && session !== null && session.menuId !== "") return { kind: "current", menuId: session.menuId };
  if (command === "start" || command === "restart") return { kind: "bound" };
  const running = isActive(session) && active !== null && active.menu.nodes[session.pending.node]?.kind === "question";
  // A tap never starts an unrelated menu: it belongs to a conversation that ended (see `decideInbound`).
  return running || event.content.kind === "reply" ? null : { kind: "bound" };
}

export interface InboundInput {
  session: Session | null;
  sent: SentRecord | null;
  optedOut: boolean;
  /** The message whose stop wrote the opt-out, when known. */
  optOutBy?: string | null;
  event: InboundEvent;
  /** The session's own menu version (null: none, or no longer readable). */
  active: MenuRef | null;
  /** The menu a (re)start begins, as `freshNeeded` asked. */
  fresh: MenuRef | null;
  now: string;
  /** A random id of this worker invocation: the claim's writer. */
  writer: string;
}

/** How long a message that the stored session has not caught up with is sent back for redelivery. */
export const BEHIND_PATIENCE_MS = 120_000;

/** How far WhatsApp's clock may run ahead of ours. */
const CLOCK_SKEW_MS = 60_000;

/** How long a step whose attempt has not ended may still be sending: longer than a webhook's deadline. */
export const IN_PROGRESS_MS = 15_000;

/** Earlier sendings of a re-asked question that still answer it. */
const RESENT_MAX = 5;

const nothing = (outcome: Outcome, node: string | null = null): Plan => ({ outcome, session: null, perform: null, node });

/** Stores `session` owing `sends` (after whatever an earlier step left undone), and performs them. */
function plan(outcome: Outcome, session: Session, input: { event: InboundEvent | null; now: string; writer: string }, sends: Walked["sends"], completions: Completion[], prior: Owing | null): Plan {
  const stored = owe(session, input.event?.messageUuid ?? null, sends, completions, input.writer, input.now, prior);
  return { outcome, session: stored, perform: { owed: stored.owed!, from: 0, uuids: [] }, node: stored.pending?.node ?? null };
}

/** Moves the session to `walked`'s question (or ends it), remembering the question it leaves. */
function arrive(ref: MenuRef, session: Session, walked: Walked, now: string): { session: Session; completions: Completion[] } {
  const asked = session.pending ? keepLast([...session.asked, session.pending], ASKED_MAX) : session.asked;
  const next: Session = { ...session, asked, pending: null, attempts: 0, updatedAt: now };
  if (walked.question !== null) next.pending = askedNow(next, walked.question, now);
  const completions: Completion[] = [];
  if (walked.question === null && walked.end?.webhook !== undefined) {
    const conversation = session.conversation ?? session.startedAt;
    const completion: Completion = {
      key: `${conversation}/${walked.end.node}`,
      webhook: walked.end.webhook,
      menuId: ref.menu.id,
      menuVersion: ref.version,
      business: session.business,
      customer: session.customer,
      conversation,
      end: walked.end.node,
      answers: session.answers,
      completedAt: now,
    };
    if (session.profileName !== undefined) completion.profileName = session.profileName;
    completions.push(completion);
  }
  return { session: next, completions };
}

/** A new conversation on `ref`'s menu, replacing `previous`. */
function begin(ref: MenuRef, who: Who, now: string, previous: Session | null, conversation: string) {
  const session = blankSession({ id: ref.menu.id, version: ref.version }, who, now, previous, conversation);
  const walked = walk(ref.menu, { node: ref.menu.start }, session, ref.menu.start);
  return { ...arrive(ref, session, walked, now), sends: walked.sends };
}

export interface StartInput {
  session: Session | null;
  sent: SentRecord | null;
  optedOut: boolean;
  ref: MenuRef;
  who: Who;
  now: string;
  writer: string;
}

/** The business starts `ref` for a customer: replaces any conversation they had. Opt-outs win (`opted_out`). */
export function decideStart(input: StartInput): Plan {
  if (input.optedOut || input.session?.optedOut) return nothing("opted_out");
  const { owing } = catchUp(input.session, input.sent);
  const started = begin(input.ref, input.who, input.now, input.session, input.writer);
  // Messages the replaced conversation still owed no longer apply; its answers (completions) still go out.
  const prior = owing && { ...owing, from: Math.max(owing.from, owing.owed.sends.length) };
  return plan(started.session.pending === null ? "completed" : "started", started.session, { event: null, now: input.now, writer: input.writer }, started.sends, started.completions, prior);
}

/** Decides what to do with one inbound message. */
export function decideInbound(input: InboundInput): Plan {
  const { event, now } = input;
  if (event.business === event.customer) return nothing("own_number");
  const caught = catchUp(input.session, input.sent);
  const session = caught.session;
  const here = session?.pending?.node ?? null;
  const age = Date.parse(now) - Date.parse(event.timestamp);
  // A timestamp from the future (beyond clock skew) is no reason to wait: it would wait for ever.
  const fresh = Number.isFinite(age) && age > -CLOCK_SKEW_MS && age < BEHIND_PATIENCE_MS;

  if (session?.handled.includes(event.messageUuid)) {
    // Vonage redelivers what was not answered 2xx: perform what that message's step still owes, nothing more.
    const owing = caught.owing;
    const stopped = input.optedOut && session.optedOut !== true;
    if (owing !== null && owing.owed.inbound === event.messageUuid && !stopped) {
      // A copy that arrives while the first is still sending (Vonage delivered twice at once) waits for it.
      if (!owing.settled && Date.parse(now) - Date.parse(owing.owed.at) < IN_PROGRESS_MS) return nothing("behind", here);
      return { outcome: "resent", session: null, perform: owing, node: here };
    }
    return nothing("duplicate", here);
  }
  // A sent record newer than the session: this read of the session is stale. Sent back while Vonage may redeliver.
  if (caught.behind && fresh) return nothing("behind", here);
  if (event.content.kind === "reaction") return nothing("ignored", here);

  const menuOf = input.active ?? input.fresh;
  const command = commandOf(menuOf?.menu ?? null, event);
  const texts = menuOf?.menu.settings.texts ?? DEFAULT_TEXTS;
  const who: Who = { business: event.business, customer: event.customer };
  if (event.profileName !== undefined) who.profileName = event.profileName;
  const ctx = { event, now, writer: input.writer };
  // An earlier step left effects undone (its sends failed, or its record is not visible yet): a fresh message
  // waits for the redelivery of that step's own message; an old one performs them first.
  const prior = caught.owing;
  if (prior !== null && fresh && prior.owed.inbound !== null && Date.parse(now) - Date.parse(prior.owed.at) < BEHIND_PATIENCE_MS) return nothing("behind", here);

  const start = (): Plan => {
    if (input.fresh === null) return nothing("no_menu");
    const started = begin(input.fresh, who, now, session, event.messageUuid);
    const outcome = started.session.pending === null ? "completed" : "started";
    const p = plan(outcome, markHandled(started.session, event.messageUuid), ctx, started.sends, started.completions, prior);
    return input.optedOut || session?.optedOut ? { ...p, optOut: "clear" } : p;
  };

  // The stop that wrote the opt-out, decided again (its first claim lost a race), is still acknowledged.
  const ownStop = command === "stop" && input.optOutBy === event.messageUuid;
  if ((input.optedOut || session?.optedOut) && !ownStop) {
    // Nothing goes out to a customer who opted out, until they opt in again.
    return command === "start" ? start() : nothing("opted_out");
  }
  if (command === "stop") {
    const base = session ?? blankSession(menuOf && { id: menuOf.menu.id, version: menuOf.version }, who, now, null, event.messageUuid);
    const stopped: Session = markHandled({ ...base, pending: null, optedOut: true, updatedAt: now }, event.messageUuid);
    return { ...plan("stopped", stopped, ctx, [{ type: "text", text: texts.stopped }], [], prior), optOut: "set" };
  }
  if (command === "restart" || command === "start") return start();

  const pendingNode = isActive(session) && input.active !== null ? input.active.menu.nodes[session.pending.node] : undefined;
  if (!isActive(session) || input.active === null || pendingNode?.kind !== "question") {
    // A tap on a button of a conversation that ended (or expired) is not a new conversation.
    if (event.content.kind === "reply") {
      // A tap answers a message we sent, so a missing session is more likely not visible yet than gone.
      if (session === null && fresh) return nothing("behind");
      const base = session ?? blankSession(null, who, now, null, event.messageUuid);
      return plan("ended", markHandled({ ...base, updatedAt: now }, event.messageUuid), ctx, [{ type: "text", text: texts.ended }], [], prior);
    }
    return start();
  }
  return answer(input.active, markHandled(withProfile(session, event), event.messageUuid), session.pending, pendingNode, command, { ...input, prior });
}

const withProfile = (session: Session, event: InboundEvent): Session => (event.profileName === undefined ? session : { ...session, profileName: event.profileName });

/** A message to the conversation's pending question. */
function answer(ref: MenuRef, handled: Session, pending: Asked, question: CompiledQuestion, command: Command | null, input: InboundInput & { prior: Owing | null }): Plan {
  const { event, now, prior } = input;
  const settings = ref.menu.settings;
  const ctx = { event, now, writer: input.writer };
  const go = (outcome: Outcome, session: Session, target: Target, from: string) => {
    const walked = walk(ref.menu, target, session, from);
    const arrived = arrive(ref, session, walked, now);
    const ended = outcome === "advanced" && arrived.session.pending === null ? "completed" : outcome;
    return plan(ended, arrived.session, ctx, walked.sends, arrived.completions, prior);
  };
  const reask = (outcome: Outcome, note: string | undefined, attempts: number) => {
    // A fresh Asked: a failure recorded for the previous sending no longer applies.
    const again: Asked = { ...askedNow(handled, pending.node, now), answered: pending.answered };
    // The earlier sendings stay on the customer's screen: tapping one of them still answers this question.
    const resent = [...(pending.messageUuid === null ? [] : [pending.messageUuid]), ...(pending.resent ?? [])].slice(0, RESENT_MAX);
    if (resent.length > 0) again.resent = resent;
    const session: Session = { ...handled, pending: again, attempts, updatedAt: now };
    return plan(outcome, session, ctx, [questionMessage(question, handled, note)], [], prior);
  };

  if (pending.failed) return reask("resent", undefined, handled.attempts);
  if (command === "back") {
    const previous = handled.asked.at(-1);
    const node = previous && previous.conversation === handled.conversation ? ref.menu.nodes[previous.node] : undefined;
    if (previous === undefined || node?.kind !== "question") return reask("back", undefined, 0);
    const back: Session = { ...handled, asked: handled.asked.slice(0, -1), answers: handled.answers.slice(0, previous.answered), pending: null };
    const arrived = arrive(ref, back, { sends: [questionMessage(node, back)], question: previous.node }, now);
    return plan("back", arrived.session, ctx, [questionMessage(node, back)], [], prior);
  }

  const content = event.content;
  switch (content.kind) {
    case "reply": {
      const tap = tapped(ref.menu, { ...handled, pending }, { ...event, content });
      switch (tap.kind) {
        case "pending":
          return go("advanced", recordAnswer(handled, pending, tap.option, now), tap.option.next, `${pending.node}/${tap.option.id}`);
        case "earlier": {
          if (settings.staleTaps === "reprompt" || tap.option === null) return reask("stale", settings.texts.movedOn, handled.attempts);
          // Rewind: answer that earlier question again and go on from there; later answers no longer apply.
          const index = handled.asked.indexOf(tap.asked);
          const rewound: Session = { ...handled, asked: handled.asked.slice(0, index), answers: handled.answers.slice(0, tap.asked.answered), pending: null };
          return go("rewound", recordAnswer(rewound, tap.asked, tap.option, now), tap.option.next, `${tap.asked.node}/${tap.option.id}`);
        }
        case "unknown":
          // Not a question this conversation is waiting on (a superseded message): never an answer.
          return reask("superseded", settings.texts.movedOn, handled.attempts);
        case "none":
          return attempt(handled, settings, question, reask, go);
        default:
          return unreachable(tap);
      }
    }
    case "text": {
      const option = typedOption(question, content.text);
      if (option) return go("advanced", recordAnswer(handled, pending, option, now), option.next, `${pending.node}/${option.id}`);
      return attempt(handled, settings, question, reask, go);
    }
    case "other":
      // A picture, a location, a sticker: not a wrong answer, so it costs no attempt.
      return reask("not_an_answer", settings.texts.notAnAnswer, handled.attempts);
    case "reaction":
      return nothing("ignored", pending.node);
    default:
      return unreachable(content);
  }
}

/** An answer that matches nothing: re-asked until `maxAttempts`, then the menu's fallback. */
function attempt(
  handled: Session,
  settings: CompiledMenu["settings"],
  question: CompiledQuestion,
  reask: (outcome: Outcome, note: string | undefined, attempts: number) => Plan,
  go: (outcome: Outcome, session: Session, target: Target, from: string) => Plan,
): Plan {
  const attempts = handled.attempts + 1;
  if (attempts < settings.maxAttempts) return reask("reprompted", question.reprompt ?? settings.texts.reprompt, attempts);
  return go("gave_up", handled, settings.fallback ?? { text: settings.texts.giveUp }, "fallback");
}
