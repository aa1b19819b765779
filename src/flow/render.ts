/** Rendering (pure): the messages a conversation sends, placeholders filled in and clipped to WhatsApp's limits. */
import { defined } from "../defined.js";
import type { CompiledMenu, CompiledNode, CompiledQuestion, CompiledTemplate, Target } from "../menus/compiled.js";
import { LIMITS } from "../menus/limits.js";
import { fillPlaceholders, type PlaceholderValues } from "../menus/words.js";
import { unreachable } from "../unreachable.js";
import type { Outgoing, Session } from "./types.js";

/** Truncates to WhatsApp's limit after placeholders were filled in. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** What placeholders may name. A Map, so `{{answers.constructor.title}}` finds nothing on Object.prototype. */
function valuesOf(session: Session): PlaceholderValues {
  const answers = new Map<string, { id: string; title: string }>();
  for (const a of session.answers) answers.set(a.node, a);
  return { answers, ...defined({ vars: session.vars && new Map(Object.entries(session.vars)), profileName: session.profileName }) };
}

/** The question as sent: placeholders filled, optionally with a short note before the body. */
export function questionMessage(question: CompiledQuestion, session: Session, note?: string): Outgoing {
  const body = fillPlaceholders(question.interactive.body.text, valuesOf(session));
  const text = note === undefined ? body : `${note}\n\n${body}`;
  if (text === question.interactive.body.text) return { type: "interactive", interactive: question.interactive };
  return { type: "interactive", interactive: { ...question.interactive, body: { text: clip(text, LIMITS.body) } } };
}

/** The menu's template as sent, and the (1-based) parameters that came out empty: WhatsApp refuses those. */
export function templateMessage(template: CompiledTemplate, session: Session): { message: Outgoing; empty: number[] } {
  const values = valuesOf(session);
  const parameters = template.parameters.map((p) => clip(fillPlaceholders(p, values), LIMITS.templateParameter));
  const empty = parameters.flatMap((p, i) => (p.trim() === "" ? [i + 1] : []));
  return { message: { type: "template", template: { name: template.name, language: template.language, form: template.form, parameters, payloads: template.options.map((o) => o.id) } }, empty };
}

export function textMessage(text: string, session: Session): Outgoing {
  return { type: "text", text: clip(fillPlaceholders(text, valuesOf(session)), LIMITS.text) };
}

/** Messages from a target up to the next question (or the end of the conversation). */
export interface Walked {
  sends: Outgoing[];
  /** The question the conversation now waits at; null: it ended. */
  question: string | null;
  /** Where it ended and the webhook that gets the answers, when it ended on a closing text that names one. */
  end?: { node: string; webhook?: string };
  /** It reached a handover node: a person takes the conversation (see `flow/handover.ts`). */
  handover?: { node: string; webhook: string };
}

/** Follows `target` through text nodes to the next question. `from` names the inline closing text's origin. */
export function walk(menu: CompiledMenu, target: Target, session: Session, from: string): Walked {
  if ("text" in target) return { sends: [textMessage(target.text, session)], question: null, end: ended(from, target.webhook) };
  const sends: Outgoing[] = [];
  let id: string | undefined = target.node;
  // The compiler guarantees that text chains are short and end; the bound is a second guard.
  for (let guard = 0; id !== undefined && guard <= LIMITS.chainMax; guard++) {
    const node: CompiledNode | undefined = menu.nodes[id];
    if (node === undefined) break;
    switch (node.kind) {
      case "question":
        sends.push(questionMessage(node, session));
        return { sends, question: id };
      case "text":
        sends.push(textMessage(node.text, session));
        if (node.next === undefined) return { sends, question: null, end: ended(id, node.webhook) };
        id = node.next;
        break;
      case "handover":
        sends.push(textMessage(node.text ?? menu.settings.handover?.text ?? "A person will answer you here shortly.", session));
        return { sends, question: null, handover: { node: id, webhook: node.webhook } };
      default:
        return unreachable(node);
    }
  }
  return { sends, question: null };
}

const ended = (node: string, webhook: string | undefined) => ({ node, ...defined({ webhook }) });
