/** The conversation engine: pure functions from (menu, session, inbound event) to a plan. No I/O. */
import type { CompiledMenu, CompiledOption, CompiledQuestion, Target } from "../menus/compiled.js";
import { DEFAULT_COMMANDS, DEFAULT_TEXTS } from "../menus/compiled.js";
import { LIMITS } from "../menus/limits.js";
import { fillPlaceholders, normaliseWords } from "../menus/words.js";
import type { Answer, Asked, InboundEvent, Outgoing, Plan, Session, StatusEvent } from "./types.js";

/** How many inbound ids and earlier questions a session remembers. */
const HANDLED_MAX = 20;
const ASKED_MAX = 20;

export interface MenuRef {
  menu: CompiledMenu;
  version: number;
}

export type Command = "restart" | "back" | "stop" | "start";

const keepLast = <T>(items: T[], max: number): T[] => (items.length > max ? items.slice(items.length - max) : items);

/** The command a typed message is, under `menu`'s settings (the defaults without a menu). */
export function commandOf(menu: CompiledMenu | null, event: InboundEvent): Command | null {
  if (event.content.kind !== "text") return null;
  const word = normaliseWords(event.content.text);
  const commands = menu?.settings.commands ?? DEFAULT_COMMANDS;
  for (const name of ["stop", "start", "restart", "back"] as const) if (commands[name].includes(word)) return name;
  return null;
}

/** True when the session still waits for an answer (an ended conversation starts over on the next message). */
export function isActive(session: Session | null): session is Session & { pending: Asked } {
  return session !== null && session.pending !== null;
}

/** Truncates to WhatsApp's limit after placeholders were filled in. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function answersByNode(session: Session): Record<string, { id: string; title: string }> {
  const out: Record<string, { id: string; title: string }> = {};
  for (const a of session.answers) out[a.node] = a;
  return out;
}

/** The question as sent: placeholders filled, optionally with a short note before the body. */
function questionMessage(question: CompiledQuestion, session: Session, note?: string): Outgoing {
  const values = { answers: answersByNode(session), ...(session.profileName === undefined ? {} : { profileName: session.profileName }) };
  const body = fillPlaceholders(question.interactive.body.text, values);
  const text = note === undefined ? body : `${note}\n\n${body}`;
  if (text === question.interactive.body.text) return { type: "interactive", interactive: question.interactive };
  return { type: "interactive", interactive: { ...question.interactive, body: { text: clip(text, LIMITS.body) } } };
}

function textMessage(text: string, session: Session): Outgoing {
  const values = { answers: answersByNode(session), ...(session.profileName === undefined ? {} : { profileName: session.profileName }) };
  return { type: "text", text: clip(fillPlaceholders(text, values), LIMITS.text) };
}

interface Walked {
  sends: Outgoing[];
  question: string | null;
  webhook?: string;
}

/** Messages from a target up to the next question (or the end). */
function walk(menu: CompiledMenu, target: Target, session: Session): Walked {
  if ("text" in target) return { sends: [textMessage(target.text, session)], question: null, ...(target.webhook === undefined ? {} : { webhook: target.webhook }) };
  const sends: Outgoing[] = [];
  let id: string | undefined = target.node;
  // The compiler guarantees that text chains are short and end; the bound is a second guard.
  for (let guard = 0; id !== undefined && guard <= LIMITS.chainMax; guard++) {
    const node: CompiledMenu["nodes"][string] | undefined = menu.nodes[id];
    if (node === undefined) break;
    if (node.kind === "question") {
      sends.push(questionMessage(node, session));
      return { sends, question: id };
    }
    sends.push(textMessage(node.text, session));
    if (node.next === undefined) return { sends, question: null, ...(node.webhook === undefined ? {} : { webhook: node.webhook }) };
    id = node.next;
  }
  return { sends, question: null };
}

const markHandled = (session: Session, uuid: string): Session => ({ ...session, handled: keepLast([...session.handled, uuid], HANDLED_MAX) });

/** Moves the session to `walked`'s question (or ends it), remembering the question it leaves. */
function arrive(menu: MenuRef, session: Session, walked: Walked, now: string, outcome: Plan["outcome"]): Plan {
  const asked = session.pending ? keepLast([...session.asked, session.pending], ASKED_MAX) : session.asked;
  const pending = walked.question === null ? null : { node: walked.question, messageUuid: null, at: now, answered: session.answers.length };
  const next: Session = { ...session, asked, pending, attempts: 0, updatedAt: now };
  const plan: Plan = { outcome: walked.question === null && outcome === "advanced" ? "completed" : outcome, sends: walked.sends, session: next, node: walked.question };
  if (walked.question === null && walked.webhook !== undefined) {
    plan.completion = {
      webhook: walked.webhook,
      menuId: menu.menu.id,
      menuVersion: menu.version,
      business: session.business,
      customer: session.customer,
      ...(session.profileName === undefined ? {} : { profileName: session.profileName }),
      answers: session.answers,
      completedAt: now,
    };
  }
  return plan;
}

type Who = { business: string; customer: string; profileName?: string };

/** An empty session on `ref`'s menu; keeps what must outlive conversations (handled ids). */
function blankSession(ref: MenuRef | null, who: Who, now: string, previous: Session | null): Session {
  return {
    v: 1,
    menuId: ref?.menu.id ?? previous?.menuId ?? "",
    menuVersion: ref?.version ?? previous?.menuVersion ?? 0,
    business: who.business,
    customer: who.customer,
    ...(who.profileName === undefined ? {} : { profileName: who.profileName }),
    pending: null,
    asked: [],
    answers: [],
    attempts: 0,
    handled: previous?.handled ?? [],
    startedAt: now,
    updatedAt: now,
  };
}

/** A new conversation on `ref`'s menu, replacing `previous`. */
export function startConversation(ref: MenuRef, who: Who, now: string, previous: Session | null = null): Plan {
  const session = blankSession(ref, who, now, previous);
  const plan = arrive(ref, session, walk(ref.menu, { node: ref.menu.start }, session), now, "started");
  return plan.session?.pending === null ? { ...plan, outcome: "completed" } : plan;
}

/** Which question a reply answers: the pending one, an earlier one (a stale tap), or none. */
function answeredQuestion(menu: CompiledMenu, session: Session & { pending: Asked }, event: InboundEvent): { asked: Asked; option: CompiledOption } | null {
  if (event.content.kind !== "reply") return null;
  const id = event.content.id;
  const optionOf = (asked: Asked) => {
    const node = menu.nodes[asked.node];
    return node?.kind === "question" ? (node.options.find((o) => o.id === id) ?? null) : null;
  };
  // WhatsApp may say which message was answered; that settles ids shared by several questions.
  if (event.contextUuid !== undefined) {
    const quoted = [session.pending, ...session.asked].find((a) => a.messageUuid === event.contextUuid);
    const option = quoted && optionOf(quoted);
    if (quoted && option) return { asked: quoted, option };
  }
  const current = optionOf(session.pending);
  if (current) return { asked: session.pending, option: current };
  for (let i = session.asked.length - 1; i >= 0; i--) {
    const option = optionOf(session.asked[i]!);
    if (option) return { asked: session.asked[i]!, option };
  }
  return null;
}

/** How long a tap on a question the session has not caught up with is sent back for redelivery. */
const BEHIND_PATIENCE_MS = 120_000;

/**
 * The question one step after `from` that offers reply `id`, and the option of `from` that leads there when
 * only one does (the answer the stale session missed).
 */
function aheadOf(menu: CompiledMenu, from: string, id: string): { node: string; option: CompiledOption; via: CompiledOption | null } | null {
  const start = menu.nodes[from];
  if (start?.kind !== "question") return null;
  const leadsTo = (o: CompiledOption) => ("node" in o.next ? questionAfter(menu, o.next.node) : null);
  for (const candidate of start.options) {
    const next = leadsTo(candidate);
    const node = next === null ? undefined : menu.nodes[next];
    const option = node?.kind === "question" ? node.options.find((o) => o.id === id) : undefined;
    if (next === null || option === undefined) continue;
    const leading = start.options.filter((o) => leadsTo(o) === next);
    return { node: next, option, via: leading.length === 1 ? leading[0]! : null };
  }
  return null;
}

/** The question a node leads to through text nodes (itself if it is one). */
function questionAfter(menu: CompiledMenu, id: string): string | null {
  let cur: string | undefined = id;
  for (let guard = 0; cur !== undefined && guard <= LIMITS.chainMax; guard++) {
    const node: CompiledMenu["nodes"][string] | undefined = menu.nodes[cur];
    if (node === undefined) return null;
    if (node.kind === "question") return cur;
    cur = node.next;
  }
  return null;
}

/** A typed answer: the option's number, its title or a synonym (case, accents and spaces ignored). */
function typedOption(question: CompiledQuestion, text: string): CompiledOption | null {
  const word = normaliseWords(text);
  if (/^\d{1,2}$/.test(word)) return question.options[Number(word) - 1] ?? null;
  return question.options.find((o) => o.words.includes(word)) ?? null;
}

/** Answers a session keeps: a menu that loops must not grow its session without bound (Deno KV takes 64 KiB). */
const ANSWERS_MAX = 100;

function recordAnswer(session: Session, asked: Asked, option: CompiledOption, now: string): Session {
  const answer: Answer = { node: asked.node, id: option.id, title: option.title, at: now };
  const answers = [...session.answers, answer];
  const drop = answers.length - ANSWERS_MAX;
  if (drop <= 0) return { ...session, answers };
  // The oldest answers go; questions remember how many answers preceded them, so those counts shift too.
  const shift = (a: Asked): Asked => ({ ...a, answered: Math.max(0, a.answered - drop) });
  return { ...session, answers: answers.slice(drop), asked: session.asked.map(shift), pending: session.pending && shift(session.pending) };
}

/**
 * Decides what to do with one inbound message.
 * `active` is the menu version the session runs on (null: no conversation in progress); `fresh` is the menu a
 * (re)start begins: the one bound to the business number, or the session's own menu for a restart command.
 */
export function handleInbound(session: Session | null, event: InboundEvent, menus: { active: MenuRef | null; fresh: MenuRef | null }, now: string): Plan {
  if (session?.outbox?.length) {
    // What an interrupted step still owes goes out first, whatever this message is.
    const { outbox, ...rest } = session;
    const plan = decide(rest, event, menus, now);
    if (plan.outcome === "duplicate") return { outcome: "resent", sends: outbox, session: rest, node: rest.pending?.node ?? null };
    return { ...plan, sends: [...outbox, ...plan.sends], session: plan.session ?? rest };
  }
  return decide(session, event, menus, now);
}

function decide(session: Session | null, event: InboundEvent, menus: { active: MenuRef | null; fresh: MenuRef | null }, now: string): Plan {
  const here = session?.pending?.node ?? null;
  if (session?.handled.includes(event.messageUuid)) return { outcome: "duplicate", sends: [], session: null, node: here };
  if (event.content.kind === "reaction") return { outcome: "ignored", sends: [], session: null, node: here };

  const command = commandOf((menus.active ?? menus.fresh)?.menu ?? null, event);
  const who: Who = { business: event.business, customer: event.customer, ...(event.profileName === undefined ? {} : { profileName: event.profileName }) };
  const start = (outcome: Plan["outcome"] = "started"): Plan => {
    if (menus.fresh === null) return { outcome: "no_menu", sends: [], session: null, node: null };
    const plan = startConversation(menus.fresh, who, now, session);
    return { ...plan, outcome: plan.outcome === "started" ? outcome : plan.outcome, session: plan.session && markHandled(plan.session, event.messageUuid) };
  };

  if (session?.optedOut) {
    // Nothing goes out to a customer who opted out, until they opt in again.
    return command === "start" ? start() : { outcome: "opted_out", sends: [], session: null, node: null };
  }
  if (command === "stop") {
    const texts = (menus.active ?? menus.fresh)?.menu.settings.texts ?? DEFAULT_TEXTS;
    const stopped: Session = { ...(session ?? blankSession(menus.fresh, who, now, null)), pending: null, optedOut: true, updatedAt: now };
    return { outcome: "stopped", sends: [{ type: "text", text: texts.stopped }], session: markHandled(stopped, event.messageUuid), node: null };
  }
  if (!isActive(session) || menus.active === null || command === "restart" || command === "start") return start();

  const ref = menus.active;
  const menu = ref.menu;
  const settings = menu.settings;
  const pendingNode = menu.nodes[session.pending.node];
  // A session pointing at a node its own menu version lacks can only be a damaged record: start over.
  if (pendingNode?.kind !== "question") return start();
  const handled = markHandled({ ...session, ...(event.profileName === undefined ? {} : { profileName: event.profileName }) }, event.messageUuid);
  const reask = (outcome: Plan["outcome"], note: string | undefined, attempts: number): Plan => ({
    outcome,
    sends: [questionMessage(pendingNode, handled, note)],
    // A fresh Asked: a failure recorded for the previous sending no longer applies.
    session: { ...handled, pending: { node: session.pending.node, messageUuid: null, at: now, answered: session.pending.answered }, attempts, updatedAt: now },
    node: session.pending.node,
  });

  if (session.pending.failed) return reask("resent", undefined, session.attempts);

  if (command === "back") {
    const previous = handled.asked.at(-1);
    if (previous === undefined) return reask("back", undefined, 0);
    const node = menu.nodes[previous.node];
    if (node?.kind !== "question") return reask("back", undefined, 0);
    const back: Session = { ...handled, asked: handled.asked.slice(0, -1), answers: handled.answers.slice(0, previous.answered), pending: null };
    return arrive(ref, back, { sends: [questionMessage(node, back)], question: previous.node }, now, "back");
  }

  const answered = answeredQuestion(menu, session, event);
  if (answered && answered.asked !== session.pending) {
    if (settings.staleTaps === "reprompt") return reask("stale", settings.texts.movedOn, session.attempts);
    // Rewind: answer that earlier question again and go on from there; later answers no longer apply.
    const index = handled.asked.indexOf(answered.asked);
    const rewound: Session = { ...handled, asked: handled.asked.slice(0, index), answers: handled.answers.slice(0, answered.asked.answered), pending: null };
    const withAnswer = recordAnswer(rewound, answered.asked, answered.option, now);
    return arrive(ref, withAnswer, walk(menu, answered.option.next, withAnswer), now, "rewound");
  }

  if (answered === null && event.content.kind === "reply") {
    const ahead = aheadOf(menu, session.pending.node, event.content.id);
    if (ahead !== null) {
      // A tap on a question this session has not sent yet: the read was stale (KV is eventually consistent).
      // A fresh tap is refused (503) so Vonage redelivers it once KV caught up; an old one is taken as it is.
      const age = Date.parse(now) - Date.parse(event.timestamp);
      if (Number.isFinite(age) && age < BEHIND_PATIENCE_MS) return { outcome: "behind", sends: [], session: null, node: here };
      let caughtUp: Session = handled;
      if (ahead.via !== null) caughtUp = recordAnswer(caughtUp, session.pending, ahead.via, now);
      const skipped: Asked = { node: ahead.node, messageUuid: null, at: now, answered: caughtUp.answers.length };
      const withAnswer = recordAnswer({ ...caughtUp, asked: keepLast([...caughtUp.asked, session.pending], ASKED_MAX), pending: skipped }, skipped, ahead.option, now);
      return arrive(ref, withAnswer, walk(menu, ahead.option.next, withAnswer), now, "advanced");
    }
  }

  const option = answered?.option ?? (event.content.kind === "text" ? typedOption(pendingNode, event.content.text) : null);
  if (option) {
    const withAnswer = recordAnswer(handled, session.pending, option, now);
    return arrive(ref, withAnswer, walk(menu, option.next, withAnswer), now, "advanced");
  }

  const attempts = session.attempts + 1;
  if (attempts < settings.maxAttempts) return reask("reprompted", pendingNode.reprompt ?? settings.texts.reprompt, attempts);
  const fallback = settings.fallback ?? { text: settings.texts.giveUp };
  return arrive(ref, handled, walk(menu, fallback, handled), now, "gave_up");
}

/**
 * Fills in the `message_uuid` Vonage gave the pending question once it was sent.
 * `uuids` are the ids of `plan.sends`, in order; the question, when there is one, is the last.
 */
export function recordSent(session: Session, uuids: string[]): Session {
  if (session.pending === null || uuids.length === 0) return session;
  return { ...session, pending: { ...session.pending, messageUuid: uuids[uuids.length - 1] ?? null } };
}

/** A `rejected` or `undeliverable` status for the pending question marks it; anything else changes nothing. */
export function markDeliveryFailed(session: Session, status: Pick<StatusEvent, "messageUuid" | "status" | "code" | "title" | "detail">, now: string): Session | null {
  if (session.pending === null || session.pending.messageUuid !== status.messageUuid) return null;
  if (status.status !== "rejected" && status.status !== "undeliverable") return null;
  const failed: NonNullable<Asked["failed"]> = { status: status.status, at: now };
  if (status.code !== undefined) failed.code = status.code;
  if (status.title !== undefined) failed.title = status.title;
  if (status.detail !== undefined) failed.detail = status.detail;
  return { ...session, pending: { ...session.pending, failed }, updatedAt: now };
}
