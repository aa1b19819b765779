/**
 * Handover (pure): a person takes a conversation over. The session is marked, the bot stops answering (a stop
 * still wins), and the agent endpoint gets signed events: the handover with the answers so far, then each message
 * the customer sends, until the agent (or the idle timer) hands back.
 */
import { defined } from "../defined.js";
import type { CompiledMenu } from "../menus/compiled.js";
import type { MenuRef } from "./plan.js";
import type { Completion, Handover, InboundEvent, Session } from "./types.js";

/** The pending "node" of a handover the `agent` command asked for (node ids start with a letter or digit). */
export const AGENT_NODE = "#agent";

/** A signed event for the agent endpoint; its id is derived from the conversation and what it is about, never random. */
export function handoverEvent(ref: MenuRef | null, session: Session, handover: Handover, type: NonNullable<Completion["type"]>, about: string, now: string): Completion {
  const conversation = session.conversation ?? session.startedAt;
  return {
    key: `${conversation}/${type}/${about}`,
    type,
    webhook: handover.webhook,
    menuId: ref?.menu.id ?? session.menuId,
    menuVersion: ref?.version ?? session.menuVersion,
    business: session.business,
    customer: session.customer,
    conversation,
    end: handover.node,
    answers: session.answers,
    completedAt: now,
    ...defined({ profileName: session.profileName, variables: session.vars }),
  };
}

/** The session handed over at `node` (its question, if any, is no longer pending), and the event announcing it. */
export function handOver(ref: MenuRef, session: Session, at: { node: string; webhook: string }, now: string): { session: Session; completions: Completion[] } {
  const handover: Handover = { node: at.node, webhook: at.webhook, since: now, lastActivityAt: now, idleMs: ref.menu.settings.handover?.idleMs ?? 3_600_000 };
  const next: Session = { ...session, pending: null, attempts: 0, handover, updatedAt: now };
  return { session: next, completions: [handoverEvent(ref, next, handover, "handover.started", `${at.node}/${now}`, now)] };
}

/** Where the `agent` command hands over, when the menu configures a handover. */
export function agentDesk(menu: CompiledMenu): { node: string; webhook: string } | null {
  const webhook = menu.settings.handover?.webhook;
  return webhook ? { node: AGENT_NODE, webhook } : null;
}

/** A customer's message while handed over, as the agent endpoint gets it. */
export function relayEvent(ref: MenuRef | null, session: Session & { handover: Handover }, event: InboundEvent, now: string): Completion {
  const c = event.content;
  const message: NonNullable<Completion["message"]> = {
    id: event.messageUuid,
    kind: c.kind === "other" ? c.messageType : c.kind,
    at: now,
    ...defined({
      text: c.kind === "text" ? c.text : undefined,
      reply: c.kind === "reply" ? { id: c.id, title: c.title } : undefined,
      // A shared pin is where the customer is: the agent needs the place, not only that something was shared.
      location: c.kind === "location" ? { lat: c.lat, long: c.long, ...defined({ name: c.name, address: c.address }) } : undefined,
      media: c.kind === "other" ? c.media : undefined,
      reaction: c.kind === "reaction" ? c.reaction : undefined,
    }),
  };
  return { ...handoverEvent(ref, session, session.handover, "handover.message", event.messageUuid, now), message };
}

/** The session with the handover ended (and the event that says why, for the agent endpoint). */
export function handBackSession(ref: MenuRef | null, session: Session & { handover: Handover }, reason: string, now: string): { session: Session; completions: Completion[] } {
  const { handover, ...rest } = session;
  const event = { ...handoverEvent(ref, session, handover, "handover.ended", `${handover.since}/${reason}`, now), reason };
  return { session: { ...rest, pending: null, updatedAt: now }, completions: [event] };
}

export const isHandedOver = (session: Session | null): session is Session & { handover: Handover } => session?.handover !== undefined;
