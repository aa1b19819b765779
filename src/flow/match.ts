/** Matching (pure): which command a typed message is, and which question and option a tap or a typed answer picks. */
import { DEFAULT_COMMANDS, isStopWord, TEMPLATE_NODE, waitingAt, type CompiledMenu, type CompiledOption, type Waiting } from "../menus/compiled.js";
import { asciiDigits, normaliseWords } from "../menus/words.js";
import { asOption } from "./options.js";
import type { Asked, InboundEvent, Session } from "./types.js";

export type Command = "restart" | "back" | "stop" | "start" | "agent";

/** The command a typed message is, under `menu`'s settings (the defaults without a menu). */
export function commandOf(menu: CompiledMenu | null, event: InboundEvent): Command | null {
  if (event.content.kind !== "text") return null;
  const word = normaliseWords(event.content.text);
  const commands = menu?.settings.commands ?? DEFAULT_COMMANDS;
  if (isStopWord(commands.stop, word)) return "stop";
  for (const name of ["start", "restart", "back", "agent"] as const) if (commands[name].includes(word)) return name;
  return null;
}

/** The options a question offers in the message `asked`: its own, or for a dynamic one those that message showed. */
function offered(waiting: Waiting, asked: Asked | undefined): { shown: CompiledOption[]; earlier: CompiledOption[] } {
  if (waiting.kind === "input") return { shown: [], earlier: [] };
  const dynamic = waiting.kind === "question" ? waiting.dynamic : undefined;
  if (dynamic === undefined) return { shown: waiting.options, earlier: [] };
  return { shown: (asked?.options ?? []).map((o) => asOption(o, dynamic)), earlier: (asked?.seen ?? []).map((o) => asOption(o, dynamic)) };
}

/** Whether a typed word is a number that may pick an option by its position. */
export const isPosition = (word: string) => /^\d{1,2}$/.test(word);

/**
 * A typed answer: its title or a synonym (case, accents and spaces ignored), or the option's number. Where an
 * option is itself titled with a number ("2", "4", "6"), a number is read as a title only: "3" taken as the third
 * option would be 6, which the customer did not say.
 */
export function typedOption(question: Waiting, text: string, asked?: Asked): CompiledOption | null {
  const word = normaliseWords(text);
  const { shown, earlier } = offered(question, asked);
  const titled = shown.find((o) => o.words.includes(word)) ?? earlier.find((o) => o.words.includes(word));
  // A number in another script's digits (Arabic-Indic, Persian) is the same position.
  const position = asciiDigits(word);
  if (titled !== undefined || !isPosition(position)) return titled ?? null;
  // Titles only: a number among an option's synonyms ("12" for "Medium (12 oz)") is matched above, and leaves the
  // positions of the others alone.
  return shown.some((o) => /^\d+$/.test(normaliseWords(o.title))) ? null : (shown[Number(position) - 1] ?? null);
}

/** What a tap answers. */
export type Tapped =
  /** The pending question. */
  | { kind: "pending"; option: CompiledOption }
  /** A question this session asked before (in this conversation or an earlier one); null: its option is not known (stale). */
  | { kind: "earlier"; asked: Asked; option: CompiledOption | null }
  /** A message this session does not know as a question of its own: superseded, or sent by a racing step. */
  | { kind: "unknown" }
  /** The reply id is an option of no question it could be. */
  | { kind: "none" };

/**
 * The option `id` picks in what `asked` waited at. A template sent in Vonage's template form carries no payloads:
 * WhatsApp then sends the button's text as the payload, so a template's buttons also match by their text.
 */
function optionOf(menu: CompiledMenu, asked: Asked, id: string): CompiledOption | null {
  const waiting = waitingAt(menu, asked.node);
  if (waiting === undefined) return null;
  const { shown, earlier } = offered(waiting, asked);
  return shown.find((o) => o.id === id) ?? earlier.find((o) => o.id === id) ?? (asked.node === TEMPLATE_NODE ? shown.find((o) => o.title === id) : undefined) ?? null;
}

/**
 * A tap binds to the exact message it was made on when WhatsApp says which (`context.message_uuid`): only the
 * pending question's own message can answer it. Without that context, the reply id is looked up in the pending
 * question, then in earlier ones.
 */
export function tapped(menu: CompiledMenu, session: Session & { pending: Asked }, event: InboundEvent & { content: { kind: "reply" } }): Tapped {
  const id = event.content.id;
  const context = event.contextUuid;
  const pending = session.pending;
  if (context !== undefined && (pending.messageUuid !== null || pending.resent?.includes(context) || session.asked.some((a) => a.messageUuid === context))) {
    if (context === pending.messageUuid || pending.resent?.includes(context)) {
      const option = optionOf(menu, pending, id);
      return option ? { kind: "pending", option } : { kind: "none" };
    }
    const earlier = session.asked.findLast((a) => a.messageUuid === context);
    if (earlier === undefined) return { kind: "unknown" };
    // A question of an earlier conversation may belong to another menu: it is stale whatever its options were.
    if (earlier.conversation !== session.conversation) return { kind: "earlier", asked: earlier, option: null };
    // A tap on an earlier message is never a wrong answer to the pending question: when that message's option is no
    // longer known (a dynamic question keeps what it showed only while among the newest, SHOWN_KEPT), it is stale.
    return { kind: "earlier", asked: earlier, option: optionOf(menu, earlier, id) };
  }
  // No context, or the pending question's uuid is not known yet and the context names no earlier question.
  const current = optionOf(menu, pending, id);
  if (current) return { kind: "pending", option: current };
  let older: Asked | undefined;
  for (let i = session.asked.length - 1; i >= 0; i--) {
    const asked = session.asked[i]!;
    if (asked.conversation !== session.conversation) {
      older ??= optionOf(menu, asked, id) === null ? undefined : asked;
      continue;
    }
    const option = optionOf(menu, asked, id);
    if (option) return { kind: "earlier", asked, option };
  }
  // A button of an earlier conversation (before a restart): stale, as with context, never a wrong answer here.
  return older === undefined ? { kind: "none" } : { kind: "earlier", asked: older, option: null };
}
