/** Rendering (pure): the messages a conversation sends, placeholders filled in and clipped to WhatsApp's limits. */
import { defined } from "../defined.js";
import type { CompiledInput, CompiledMenu, CompiledNode, CompiledQuestion, CompiledTemplate, Target } from "../menus/compiled.js";
import { charLength, LIMITS } from "../menus/limits.js";
import type { Interactive } from "../menus/schema.js";
import { fillPlaceholders, type PlaceholderValues } from "../menus/words.js";
import { unreachable } from "../unreachable.js";
import { clip } from "./clip.js";
import { branch } from "./conditions.js";
import { pageMessage, pageOf } from "./options.js";
import { applyResult, requestNeed } from "./request.js";
import type { Asked, FetchNeed, FetchResult, Outgoing, Session, ShownOption } from "./types.js";

export { clip } from "./clip.js";

/** What placeholders may name. A Map, so `{{answers.constructor.title}}` finds nothing on Object.prototype. */
export function valuesOf(session: Session): PlaceholderValues {
  const answers = new Map<string, { id: string; title: string }>();
  for (const a of session.answers) answers.set(a.node, a);
  return { answers, ...defined({ vars: session.vars && new Map(Object.entries(session.vars)), profileName: session.profileName }) };
}

/** A note (a re-prompt, "the menu has moved on") before the body, its placeholders filled as the body's are. */
const withNote = (body: string, note: string | undefined, values: PlaceholderValues) => (note === undefined ? body : `${fillPlaceholders(note, values)}\n\n${body}`);

/** What a text whose placeholders all came out empty is sent as: WhatsApp refuses a blank body or text (422). */
export const BLANK_TEXT = "…";

/** The text as sent: filled, clipped, and never blank. */
const filled = (text: string, max: number) => {
  const out = clip(text, max);
  return out.trim() === "" ? BLANK_TEXT : out;
};

/**
 * The question's text header and footer with their placeholders filled and clipped; one that comes out blank is
 * left out, as WhatsApp refuses an empty header or footer text.
 */
function framed(interactive: Interactive, values: PlaceholderValues): Interactive {
  const { header, footer, ...rest } = interactive;
  const headerText = header?.type === "text" ? clip(fillPlaceholders(header.text, values), LIMITS.headerText) : undefined;
  const footerText = footer === undefined ? undefined : clip(fillPlaceholders(footer.text, values), LIMITS.footer);
  return {
    ...rest,
    ...(header === undefined || (headerText !== undefined && headerText.trim() === "") ? {} : { header: headerText === undefined ? header : { type: "text", text: headerText } }),
    ...(footerText === undefined || footerText.trim() === "" ? {} : { footer: { text: footerText } }),
  } as Interactive;
}

const hasPlaceholders = (interactive: Interactive) => (interactive.header?.type === "text" && interactive.header.text.includes("{{")) || (interactive.footer?.text.includes("{{") ?? false);

/** The question as sent: placeholders filled (body, text header, footer), optionally with a short note before the body. */
export function questionMessage(question: CompiledQuestion, session: Session, note?: string): Outgoing {
  const values = valuesOf(session);
  const body = fillPlaceholders(question.interactive.body.text, values);
  const text = withNote(body, note, values);
  const framing = hasPlaceholders(question.interactive);
  if (text === question.interactive.body.text && !framing) return { type: "interactive", interactive: question.interactive };
  const base = framing ? framed(question.interactive, values) : question.interactive;
  return { type: "interactive", interactive: { ...base, body: { text: filled(text, LIMITS.body) } } as Interactive };
}

/** A dynamic question's page as sent. */
export function shownMessage(question: CompiledQuestion, shown: readonly ShownOption[], session: Session, note?: string): Outgoing {
  const values = valuesOf(session);
  const body = filled(withNote(fillPlaceholders(question.interactive.body.text, values), note, values), LIMITS.body);
  const page = pageMessage(question, shown, body);
  return { type: "interactive", interactive: hasPlaceholders(page) ? framed(page, values) : page };
}

/** An input question as sent: its text, or WhatsApp's location request message. */
export function inputMessage(node: CompiledInput, session: Session, note?: string): Outgoing {
  const values = valuesOf(session);
  const text = filled(withNote(fillPlaceholders(node.text, values), note, values), LIMITS.body);
  return node.rule.type === "location" && node.rule.request ? { type: "location_request", text } : { type: "text", text };
}

/**
 * The pending question again (re-asked, or gone back to), as the customer saw it: a dynamic one with the same options.
 * A note goes in the question's bubble when both fit WhatsApp's limit on a body; otherwise it is a text of its own
 * just before the question, so neither is cut: a clip at the end of the bubble would cut the question itself.
 */
export function askAgain(node: CompiledQuestion | CompiledInput, session: Session, asked: Asked, note?: string): Outgoing[] {
  const message = (n?: string): Outgoing => {
    if (node.kind === "input") return inputMessage(node, session, n);
    if (node.dynamic !== undefined) return shownMessage(node, asked.options ?? [], session, n);
    return questionMessage(node, session, n);
  };
  if (note === undefined) return [message()];
  const values = valuesOf(session);
  const body = fillPlaceholders(node.kind === "input" ? node.text : node.interactive.body.text, values);
  if (charLength(withNote(body, note, values)) <= LIMITS.body) return [message(note)];
  return fillPlaceholders(note, values).trim() === "" ? [message()] : [textMessage(note, session), message()];
}

/**
 * A template parameter on one line: WhatsApp refuses one holding a new line or a tab, or more than four spaces in a
 * row (error 132018), which a variable (a pasted address) or a profile name may well hold.
 */
const oneLine = (text: string) =>
  text
    .replace(/[\r\n\t]+/g, " ")
    .replace(/ {5,}/g, " ")
    .trim();

/** The menu's template as sent, and the (1-based) parameters that came out empty: WhatsApp refuses those. */
export function templateMessage(template: CompiledTemplate, session: Session): { message: Outgoing; empty: number[] } {
  const values = valuesOf(session);
  const parameters = template.parameters.map((p) => clip(oneLine(fillPlaceholders(p, values)), LIMITS.templateParameter));
  const empty = parameters.flatMap((p, i) => (p.trim() === "" ? [i + 1] : []));
  return { message: { type: "template", template: { name: template.name, language: template.language, form: template.form, parameters, payloads: template.options.map((o) => o.id) } }, empty };
}

export function textMessage(text: string, session: Session): Outgoing {
  return { type: "text", text: filled(fillPlaceholders(text, valuesOf(session)), LIMITS.text) };
}

/** Messages from a target up to the next question (or the end of the conversation). */
export interface Walked {
  sends: Outgoing[];
  /** The question (or input) the conversation now waits at; null: it ended. */
  question: string | null;
  /** Where it ended and the webhook that gets the answers, when it ended on a closing text that names one. */
  end?: { node: string; webhook?: string };
  /** It reached a handover node: a person takes the conversation (see `flow/handover.ts`). */
  handover?: { node: string; webhook: string };
  /** The session as the walk left it: variables and lists that requests set. */
  session: Session;
  /** A dynamic question: the page it shows (and the options of its earlier pages, when gone back to). */
  shown?: { options: ShownOption[]; page: number; seen?: ShownOption[] };
  /** The walk stopped at a request whose result is not known yet: nothing of it may be stored or sent. */
  fetch?: FetchNeed;
}

/** What a walk may use beyond the menu and session: the results of the requests made so far in this step, in order. */
export interface WalkInput {
  fetched: readonly FetchResult[];
  /** The inbound message being handled (null: a business start), for the request key. */
  inbound: string | null;
}

const NO_FETCH: WalkInput = { fetched: [], inbound: null };

/** Visits a walk may make: a bound beyond what the compiler lets a chain be (messages, requests, conditions). */
const VISITS_MAX = 40;

/**
 * Follows `target` through text, condition and request nodes to the next question or input. `from` names the
 * inline closing text's origin. A request node takes the next of `input.fetched`; when there is none, the walk
 * stops and asks for it (`fetch`).
 */
export function walk(menu: CompiledMenu, target: Target, session: Session, from: string, input: WalkInput = NO_FETCH): Walked {
  const sends: Outgoing[] = [];
  let cur: Target = target;
  let origin = from;
  let s = session;
  let used = 0;
  for (let guard = 0; guard < VISITS_MAX; guard++) {
    if ("text" in cur) {
      sends.push(textMessage(cur.text, s));
      return { sends, question: null, end: ended(origin, cur.webhook), session: s };
    }
    const id: string = cur.node;
    const node: CompiledNode | undefined = menu.nodes[id];
    if (node === undefined) break;
    switch (node.kind) {
      case "question": {
        if (node.dynamic === undefined) {
          sends.push(questionMessage(node, s));
          return { sends, question: id, session: s };
        }
        const page = pageOf(s.lists?.[node.dynamic.list] ?? [], node.dynamic, 0);
        if (page === null) {
          cur = node.dynamic.empty ?? menu.settings.fallback ?? { text: menu.settings.texts.giveUp };
          origin = `${id}/empty`;
          break;
        }
        sends.push(shownMessage(node, page.shown, s));
        return { sends, question: id, session: s, shown: { options: page.shown, page: 0 } };
      }
      case "input":
        sends.push(inputMessage(node, s));
        return { sends, question: id, session: s };
      case "text":
        sends.push(textMessage(node.text, s));
        if (node.next === undefined) return { sends, question: null, end: ended(id, node.webhook), session: s };
        cur = { node: node.next };
        origin = id;
        break;
      case "condition": {
        const b = branch(node, s);
        cur = b.target;
        origin = `${id}/${b.exit}`;
        break;
      }
      case "request": {
        const result = input.fetched[used];
        if (result === undefined) return { sends, question: null, session: s, fetch: requestNeed(node, id, s, valuesOf(s), input.inbound) };
        used++;
        const applied = applyResult(node, s, result);
        s = applied.session;
        cur = applied.ok ? node.next : (node.failure ?? { text: menu.settings.texts.requestFailed });
        origin = `${id}/${applied.ok ? "next" : "failure"}`;
        break;
      }
      case "handover":
        sends.push(textMessage(node.text ?? menu.settings.handover?.text ?? "A person will answer you here shortly.", s));
        return { sends, question: null, session: s, handover: { node: id, webhook: node.webhook } };
      default:
        return unreachable(node);
    }
  }
  return { sends, question: null, session: s };
}

const ended = (node: string, webhook: string | undefined) => ({ node, ...defined({ webhook }) });
