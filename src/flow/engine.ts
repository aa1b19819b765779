/**
 * The conversation engine (pure): what a step must read (`needs`, `freshNeeded`), then what it does
 * (`decideInbound`, `decideStart`). No I/O: the caller reads what is asked for, stores the plan's session and
 * performs its effects (see `conversation/step.ts`).
 */
import { defined } from "../defined.js";
import { undoneIn } from "./vars.js";
import { quotedMenuId } from "../log-mask.js";
import { DEFAULT_TEXTS, TEMPLATE_NODE, waitingAt, type CompiledMenu } from "../menus/compiled.js";
import { templateMessage, textMessage } from "./render.js";
import { answer } from "./answer.js";
import { commandOf } from "./match.js";
import { begin, fetching, invite, nothing, plan, type MenuRef } from "./plan.js";
import {
  afterFailure,
  ASKED_MAX,
  askedNow,
  blankSession,
  catchUp,
  completionsOnly,
  deliveryFailure,
  isActive,
  keepLast,
  markDeliveryFailed,
  markHandled,
  OUTSIDE_WINDOW,
  windowOpen,
  type Who,
} from "./session.js";
import { agentDesk, handBackSession, handoverEvent, handOver, isHandedOver, relayEvent } from "./handover.js";
import { armTimers } from "./timers.js";
import type { Completion, FetchResult, InboundEvent, Plan, SentRecord, Session, StatusEvent } from "./types.js";

export type { MenuRef } from "./plan.js";

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

/**
 * The second read, once the session's menu is known: whether this message may start a conversation, and on which menu.
 * `optedOut` is the customer's opt-out as read (the session's own flag counts too).
 */
export function freshNeeded(session: Session | null, event: InboundEvent, active: MenuRef | null, optedOut = false): FreshNeed {
  if (session?.handled.includes(event.messageUuid) || event.content.kind === "reaction") return null;
  const command = commandOf(active?.menu ?? null, event);
  // Handed over: messages are relayed, not matched, so no other menu is needed; but a customer who stopped is relayed
  // nothing, and their start command opts them in again on the bound menu.
  if (isHandedOver(session) && !(command === "start" && (optedOut || session.optedOut === true))) return null;
  if (command === "restart" && session !== null && session.menuId !== "") return { kind: "current", menuId: session.menuId };
  if (command === "start" || command === "restart") return { kind: "bound" };
  const running = isActive(session) && active !== null && waitingAt(active.menu, session.pending.node) !== undefined;
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
  /** Results of the backend requests this step made so far, in order (see `Plan.fetch`). */
  fetched?: readonly FetchResult[];
}

/** How long a message that the stored session has not caught up with is sent back for redelivery. */
export const BEHIND_PATIENCE_MS = 120_000;

/** How far WhatsApp's clock may run ahead of ours. */
const CLOCK_SKEW_MS = 60_000;

/** How long a step whose attempt has not ended may still be sending: longer than a webhook's deadline. */
export const IN_PROGRESS_MS = 15_000;

export interface StartInput {
  session: Session | null;
  sent: SentRecord | null;
  optedOut: boolean;
  ref: MenuRef;
  who: Who;
  now: string;
  writer: string;
  /** The conversation this start begins, derived from the business's request id: a rerun of it sends nothing. */
  conversation?: string;
  /** Results of the backend requests this step made so far, in order (see `Plan.fetch`). */
  fetched?: readonly FetchResult[];
  /**
   * A customer talking to a person is not cut off by a start unless the business says so: then the handover ends,
   * and the agent endpoint gets `handover.ended` with the reason `start`.
   */
  endHandover?: boolean;
}

/** What is wrong with a business start's variables for `menu`: undeclared names, required ones missing. */
export function variableProblems(menu: CompiledMenu, vars: Record<string, string> | undefined): string[] {
  const given = vars ?? {};
  const declared = Object.keys(menu.variables);
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(menu.variables, name))
      problems.push(
        `variables.${name}: menu "${quotedMenuId(menu.id)}" does not declare it (${declared.length === 0 ? "it declares no variables" : `it declares ${declared.join(", ")}`}); add it to the menu's "variables"`,
      );
  }
  for (const [name, v] of Object.entries(menu.variables)) {
    if (v.required && !Object.hasOwn(given, name)) problems.push(`variables.${name}: menu "${quotedMenuId(menu.id)}" requires it`);
  }
  return problems;
}

/** The business starts `ref` for a customer: replaces any conversation they had. Opt-outs win (`opted_out`). */
export const decideStart = (input: StartInput): Plan => armTimers(startPlan(input), [input.ref], input.now);

function startPlan(input: StartInput): Plan {
  if (input.optedOut || input.session?.optedOut) return nothing("opted_out");
  if (input.conversation !== undefined && input.session?.conversation === input.conversation) return nothing("already_started", input.session.pending?.node ?? null);
  const handedOver = isHandedOver(input.session) ? input.session : null;
  if (handedOver !== null && input.endHandover !== true) {
    const problem = `this customer is talking to a person (handed over since ${handedOver.handover.since}), and a start would cut that conversation off: hand them back first (POST /admin/sessions/{business}/{customer}/handback), or send "endHandover": true to end the handover and tell the agent endpoint`;
    return { ...nothing("with_agent"), problem };
  }
  const { owing } = catchUp(input.session, input.sent);
  const conversation = input.conversation ?? input.writer;
  const ctx = { event: null, now: input.now, writer: input.writer };
  // Messages the replaced conversation still owed no longer apply; its answers (completions) still go out, and so
  // does the end of a handover the start cuts short, so the agent's side knows the customer left it.
  const ended = handedOver === null ? [] : handBackSession(null, handedOver, "start", input.now).completions;
  const prior = owing && completionsOnly(owing);
  if (!windowOpen(input.session, input.now)) {
    // Outside WhatsApp's 24-hour window only an approved template reaches the customer; the menu goes on when they answer it.
    const { menu } = input.ref;
    if (menu.template === undefined) {
      const problem = `this customer has not written in the last 24 hours, so WhatsApp only delivers an approved template; add a "template" to menu "${quotedMenuId(menu.id)}" (see the README's Templates), or start it after the customer writes`;
      return { ...nothing("outside_window"), problem };
    }
    const invited = invite(input.ref, input.who, input.now, input.session, conversation);
    if (invited.empty.length > 0) {
      const which = invited.empty.map((n) => `${n} (${menu.template?.parameters[n - 1]})`).join(", ");
      return {
        ...nothing("outside_window"),
        problem: `template "${menu.template.name}" parameter ${which} is empty for this customer; WhatsApp refuses empty parameters: pass the profileName or variables it names`,
      };
    }
    return plan("templated", invited.session, ctx, invited.sends, ended, prior);
  }
  const started = begin(input.ref, input.who, input.now, input.session, conversation, { fetched: input.fetched ?? [], inbound: null });
  if (started.fetch !== undefined) return fetching("started", started.fetch, null);
  return plan(started.session.pending === null ? "completed" : "started", started.session, ctx, started.sends, [...ended, ...started.completions], prior);
}

export interface StatusInput {
  session: Session | null;
  sent: SentRecord | null;
  status: StatusEvent;
  /** The session's own menu version, for its template. */
  active: MenuRef | null;
  now: string;
  writer: string;
}

/** How long after a question was asked a 1340 for it still sends the template in its place: statuses can come days late. */
export const TEMPLATE_FALLBACK_MS = 10 * 60_000;

/**
 * A failed delivery of the pending question is recorded on the session (the admin view shows why; the customer's
 * next message gets the question again). A 1340 says the customer is outside the 24-hour window after all: where the
 * menu has a template and the question is recent, the template goes out in its place and the conversation waits at it.
 */
export const decideStatus = (input: StatusInput): Plan => armTimers(statusPlan(input), [input.active], input.now);

function statusPlan(input: StatusInput): Plan {
  const caught = catchUp(input.session, input.sent);
  if (caught.session === null) return nothing("ignored");
  const agentText = undeliveredAgentText(input, caught.session);
  if (agentText !== null) return plan("recorded", agentText.session, { event: null, now: input.now, writer: input.writer }, [], [agentText.event], caught.owing && completionsOnly(caught.owing));
  const failed = markDeliveryFailed(caught.session, input.status, input.now);
  if (failed?.pending == null) return nothing("ignored");
  const pending = failed.pending;
  const template = input.active?.menu.template;
  const recent = Date.parse(input.now) - Date.parse(pending.at) < TEMPLATE_FALLBACK_MS;
  if (input.status.code === OUTSIDE_WINDOW && pending.node !== TEMPLATE_NODE && template !== undefined && recent && input.active !== null) {
    // The template takes the question's place, its undo too.
    const waiting: Session = { ...failed, pending: { ...askedNow(failed, TEMPLATE_NODE, input.now), answered: pending.answered, ...undoneIn(pending) }, attempts: 0 };
    const { message, empty } = templateMessage(template, waiting);
    // What the step before still owed: its messages would meet the same closed window; its completions still go out.
    const prior = caught.owing && completionsOnly(caught.owing);
    if (empty.length === 0) return plan("templated", waiting, { event: null, now: input.now, writer: input.writer }, [message], [], prior);
  }
  return { outcome: "recorded", session: failed, perform: null, node: pending.node };
}

/**
 * A failed delivery of the agent's latest text, while handed over (its uuid is in the sent record): the agent endpoint
 * is told, so the person knows the customer did not get it (a 1340: outside the 24-hour window, which it marks closed).
 */
function undeliveredAgentText(input: StatusInput, session: Session): { session: Session; event: Completion } | null {
  const { status, now } = input;
  if (!isHandedOver(session) || !(input.sent?.uuids.includes(status.messageUuid) ?? false)) return null;
  const failure = deliveryFailure(status);
  if (failure === null) return null;
  const next = { ...afterFailure(session, status, now), handover: session.handover };
  return { session: next, event: { ...handoverEvent(input.active, next, next.handover, "handover.undelivered", status.messageUuid, now), undelivered: { id: status.messageUuid, ...failure } } };
}

/** Decides what to do with one inbound message; the session then carries the timer it waits on (`flow/timers.ts`). */
export const decideInbound = (input: InboundInput): Plan => armTimers(inboundPlan(input), [input.active, input.fresh], input.now);

function inboundPlan(input: InboundInput): Plan {
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
  // A reaction answers nothing; only a person the conversation is handed over to gets it, as every message then.
  if (event.content.kind === "reaction" && !(isHandedOver(session) && !input.optedOut && session.optedOut !== true)) return nothing("ignored", here);

  const menuOf = input.active ?? input.fresh;
  const command = commandOf(menuOf?.menu ?? null, event);
  const texts = menuOf?.menu.settings.texts ?? DEFAULT_TEXTS;
  const who: Who = { business: event.business, customer: event.customer, ...defined({ profileName: event.profileName }) };
  const ctx = { event, now, writer: input.writer };
  // An earlier step left effects undone (its sends failed, or its record is not visible yet): a fresh message
  // waits for the redelivery of that step's own message; an old one performs them first.
  const prior = caught.owing;
  if (prior !== null && fresh && prior.owed.inbound !== null && Date.parse(now) - Date.parse(prior.owed.at) < BEHIND_PATIENCE_MS) return nothing("behind", here);

  const start = (): Plan => {
    // No menu to start; the message is still remembered: the customer's 24-hour window opens with it.
    if (input.fresh === null) return { ...nothing("no_menu"), session: markHandled(session ?? blankSession(null, who, now, null, event.messageUuid), event.messageUuid, now) };
    const started = begin(input.fresh, who, now, session, event.messageUuid, { fetched: input.fetched ?? [], inbound: event.messageUuid });
    if (started.fetch !== undefined) return fetching("started", started.fetch, null);
    const outcome = started.session.pending === null ? "completed" : "started";
    // A customer who stopped while handed over and opts in again leaves the handover: the agent's side is told, as
    // when a business start ends one.
    const ended = isHandedOver(session) ? handBackSession(input.active, session, "start", now).completions : [];
    const p = plan(outcome, markHandled(started.session, event.messageUuid, now), ctx, started.sends, [...ended, ...started.completions], prior);
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
    // A person who had the conversation is told that it ended: nothing they write reaches the customer any more.
    const ended = isHandedOver(base) ? handBackSession(input.active, base, "stop", now) : null;
    const stopped: Session = markHandled({ ...(ended?.session ?? base), pending: null, optedOut: true, updatedAt: now }, event.messageUuid, now);
    return { ...plan("stopped", stopped, ctx, [textMessage(texts.stopped, stopped)], ended?.completions ?? [], prior), optOut: "set" };
  }
  if (isHandedOver(session)) {
    // A person has the conversation: the message goes to them, signed, and the bot says nothing.
    const handled = markHandled(withProfile({ ...session, handover: { ...session.handover, lastActivityAt: now } }, event), event.messageUuid, now);
    // Whether a reaction opens WhatsApp's 24-hour window is not known: the window keeps running from the last message.
    const relayed: Session = event.content.kind === "reaction" ? { ...handled, ...defined({ lastInboundAt: session.lastInboundAt }) } : handled;
    return plan("relayed", relayed, ctx, [], [relayEvent(input.active, { ...relayed, handover: relayed.handover! }, event, now)], prior);
  }
  const desk = command === "agent" && menuOf !== null ? agentDesk(menuOf.menu) : null;
  if (desk !== null && menuOf !== null) {
    // After a conversation ended the handover opens a new one: handed back, the menu's next completion must not carry
    // the ended one's id (receivers deduplicate on it, and would drop a second order) or its answers.
    const base = isActive(session) ? session : blankSession({ id: menuOf.menu.id, version: menuOf.version }, who, now, session, event.messageUuid);
    const asked = base.pending ? { ...base, asked: keepLast([...base.asked, base.pending], ASKED_MAX) } : base;
    const over = handOver(menuOf, markHandled(withProfile(asked, event), event.messageUuid, now), desk, now);
    const text = menuOf.menu.settings.handover?.text;
    return plan("handed_over", over.session, ctx, text === undefined ? [] : [textMessage(text, over.session)], over.completions, prior);
  }
  if (command === "restart" || command === "start") return start();

  const waiting = isActive(session) && input.active !== null ? waitingAt(input.active.menu, session.pending.node) : undefined;
  if (!isActive(session) || input.active === null || waiting === undefined) {
    // A tap on a button of a conversation that ended (or expired) is not a new conversation.
    if (event.content.kind === "reply") {
      // A tap answers a message we sent, so a missing session is more likely not visible yet than gone.
      if (session === null && fresh) return nothing("behind");
      const base = session ?? blankSession(null, who, now, null, event.messageUuid);
      return plan("ended", markHandled({ ...base, updatedAt: now }, event.messageUuid, now), ctx, [textMessage(texts.ended, withProfile(base, event))], [], prior);
    }
    return start();
  }
  return answer(input.active, markHandled(withProfile(session, event), event.messageUuid, now), session.pending, waiting, command, { ...input, prior });
}

const withProfile = (session: Session, event: InboundEvent): Session => (event.profileName === undefined ? session : { ...session, profileName: event.profileName });
