/** The conversation engine: pure functions from (menu, session, inbound event) to a plan. No I/O. */
import type { Destination, Menu, QuestionNode } from "../menus/schema.js";
import { optionsOf } from "../menus/validate.js";
import type { Asked, InboundEvent, Outgoing, Plan, Session } from "./types.js";

/** How many inbound ids and earlier questions a session remembers. */
const HANDLED_MAX = 20;
const ASKED_MAX = 20;

export interface MenuRef {
  menu: Menu;
  version: number;
}

function keepLast<T>(items: T[], max: number): T[] {
  return items.length > max ? items.slice(items.length - max) : items;
}

/** Messages from a destination up to the next question (or the end), and that question's node id. */
function walk(menu: Menu, dest: Destination): { sends: Outgoing[]; question: string | null } {
  if (typeof dest !== "string") return { sends: [{ type: "text", text: dest.text }], question: null };
  const sends: Outgoing[] = [];
  let id: string | undefined = dest;
  // The validator guarantees that text chains are short and end; the bound is a second guard.
  for (let guard = 0; id !== undefined && guard < 64; guard++) {
    const node: Menu["nodes"][string] = menu.nodes[id]!;
    if (node.type === "question") {
      sends.push({ type: "interactive", interactive: node.interactive });
      return { sends, question: id };
    }
    sends.push({ type: "text", text: node.text });
    id = node.next;
  }
  return { sends, question: null };
}

function moveTo(session: Session, question: string | null, now: string): Session {
  const asked = session.pending ? keepLast([...session.asked, session.pending], ASKED_MAX) : session.asked;
  return { ...session, asked, pending: question === null ? null : { node: question, messageUuid: null, at: now }, updatedAt: now };
}

function markHandled(session: Session, messageUuid: string): Session {
  return { ...session, handled: keepLast([...session.handled, messageUuid], HANDLED_MAX) };
}

/** Starts `ref`'s menu for a customer, replacing whatever conversation they had. */
export function startConversation(
  ref: MenuRef,
  who: { business: string; customer: string },
  now: string,
  previous: Session | null = null,
): Plan {
  const { sends, question } = walk(ref.menu, ref.menu.start);
  const session: Session = {
    v: 1,
    menuId: ref.menu.id,
    menuVersion: ref.version,
    business: who.business,
    customer: who.customer,
    pending: question === null ? null : { node: question, messageUuid: null, at: now },
    asked: [],
    answers: [],
    handled: previous?.handled ?? [],
    startedAt: now,
    updatedAt: now,
  };
  return { outcome: question === null ? "completed" : "started", sends, session, node: question };
}

/** True when the session still waits for an answer (an ended conversation starts over on the next message). */
export function isActive(session: Session | null): session is Session & { pending: Asked } {
  return session !== null && session.pending !== null;
}

/**
 * Decides what to do with one inbound message.
 * `active` is the menu version the session runs on; `fresh` is the menu a new conversation would start
 * (the one bound to the business number), or null when the number has none.
 */
export function handleInbound(
  session: Session | null,
  event: InboundEvent,
  menus: { active: MenuRef | null; fresh: MenuRef | null },
  now: string,
): Plan {
  if (session?.handled.includes(event.messageUuid)) {
    return { outcome: "duplicate", sends: [], session: null, node: session.pending?.node ?? null };
  }
  if (event.content.kind === "reaction") {
    return { outcome: "ignored", sends: [], session: null, node: session?.pending?.node ?? null };
  }

  if (!isActive(session) || menus.active === null) {
    if (menus.fresh === null) return { outcome: "no_menu", sends: [], session: null, node: null };
    const plan = startConversation(menus.fresh, event, now, session);
    return { ...plan, session: plan.session && markHandled(plan.session, event.messageUuid) };
  }

  const menu = menus.active.menu;
  const pendingNode = menu.nodes[session.pending.node];
  if (pendingNode?.type !== "question") {
    // The session points at a node its own menu version lacks: only a corrupted record can do that.
    if (menus.fresh === null) return { outcome: "no_menu", sends: [], session: null, node: null };
    const plan = startConversation(menus.fresh, event, now, session);
    return { ...plan, session: plan.session && markHandled(plan.session, event.messageUuid) };
  }

  const chosen = event.content.kind === "reply" ? matchReply(pendingNode, event.content.id) : null;
  if (chosen === null) {
    // Not an answer to the pending question: ask it again.
    const again: Session = { ...session, pending: { node: session.pending.node, messageUuid: null, at: now }, updatedAt: now };
    return {
      outcome: "reprompted",
      sends: [{ type: "interactive", interactive: pendingNode.interactive }],
      session: markHandled(again, event.messageUuid),
      node: session.pending.node,
    };
  }

  const answered: Session = {
    ...session,
    answers: [...session.answers, { node: session.pending.node, id: chosen.id, title: chosen.title, at: now }],
  };
  const { sends, question } = walk(menu, pendingNode.next[chosen.id]!);
  return {
    outcome: question === null ? "completed" : "advanced",
    sends,
    session: markHandled(moveTo(answered, question, now), event.messageUuid),
    node: question,
  };
}

function matchReply(node: QuestionNode, id: string): { id: string; title: string } | null {
  return optionsOf(node).find((o) => o.id === id) ?? null;
}

/**
 * Fills in the `message_uuid` Vonage gave the pending question once it was sent.
 * `uuids` are the ids of `plan.sends`, in order; the question, when there is one, is the last.
 */
export function recordSent(session: Session, uuids: string[]): Session {
  if (session.pending === null || uuids.length === 0) return session;
  return { ...session, pending: { ...session.pending, messageUuid: uuids[uuids.length - 1] ?? null } };
}
