/**
 * The conversation engine (pure): what a step must read (`needs`, `freshNeeded`), then what it does
 * (`decideInbound`, `decideStart`). No I/O: the caller reads what is asked for, stores the plan's session and
 * performs its effects (see `conversation/step.ts`).
 */
import { defined } from "../defined.js";
import { DEFAULT_TEXTS } from "../menus/compiled.js";
import { waits } from "../menus/nodes.js";
import { answer } from "./answer.js";
import { commandOf } from "./match.js";
import { begin, fetching, nothing, plan, type MenuRef } from "./plan.js";
import { blankSession, catchUp, isActive, markHandled, type Who } from "./session.js";
import type { FetchResult, InboundEvent, Plan, SentRecord, Session } from "./types.js";

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

/** The second read, once the session's menu is known: whether this message may start a conversation, and on which menu. */
export function freshNeeded(session: Session | null, event: InboundEvent, active: MenuRef | null): FreshNeed {
  if (session?.handled.includes(event.messageUuid) || event.content.kind === "reaction") return null;
  const command = commandOf(active?.menu ?? null, event);
  if (command === "restart" && session !== null && session.menuId !== "") return { kind: "current", menuId: session.menuId };
  if (command === "start" || command === "restart") return { kind: "bound" };
  const node = isActive(session) && active !== null ? active.menu.nodes[session.pending.node] : undefined;
  const running = node !== undefined && waits(node);
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
  /** Results of the backend requests this step made so far, in order (see `Plan.fetch`). */
  fetched?: readonly FetchResult[];
}

/** The business starts `ref` for a customer: replaces any conversation they had. Opt-outs win (`opted_out`). */
export function decideStart(input: StartInput): Plan {
  if (input.optedOut || input.session?.optedOut) return nothing("opted_out");
  const { owing } = catchUp(input.session, input.sent);
  const started = begin(input.ref, input.who, input.now, input.session, input.writer, { fetched: input.fetched ?? [], inbound: null });
  if (started.fetch !== undefined) return fetching("started", started.fetch, null);
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
  const who: Who = { business: event.business, customer: event.customer, ...defined({ profileName: event.profileName }) };
  const ctx = { event, now, writer: input.writer };
  // An earlier step left effects undone (its sends failed, or its record is not visible yet): a fresh message
  // waits for the redelivery of that step's own message; an old one performs them first.
  const prior = caught.owing;
  if (prior !== null && fresh && prior.owed.inbound !== null && Date.parse(now) - Date.parse(prior.owed.at) < BEHIND_PATIENCE_MS) return nothing("behind", here);

  const start = (): Plan => {
    if (input.fresh === null) return nothing("no_menu");
    const started = begin(input.fresh, who, now, session, event.messageUuid, { fetched: input.fetched ?? [], inbound: event.messageUuid });
    if (started.fetch !== undefined) return fetching("started", started.fetch, null);
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
  if (!isActive(session) || input.active === null || pendingNode === undefined || (pendingNode.kind !== "question" && pendingNode.kind !== "input")) {
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
