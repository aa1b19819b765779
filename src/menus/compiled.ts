/** The compiled form of a menu: validated, shorthand rendered, defaults filled in. What the engine runs on. */
import type { Interactive } from "./schema.js";

/** Where an answer leads, normalised. */
export type Target = { node: string } | { text: string; webhook?: string };

export interface CompiledOption {
  id: string;
  title: string;
  description?: string;
  next: Target;
  /** Normalised words that pick this option when typed: its title and synonyms (see `normaliseWords`). */
  words: string[];
}

export interface CompiledQuestion {
  kind: "question";
  /** For a dynamic question: the message without its options (header, body, footer, list button). */
  interactive: Interactive;
  /** In the order WhatsApp shows them, so "2" picks the second. Empty for a dynamic question: see `Asked.options`. */
  options: CompiledOption[];
  reprompt?: string;
  /** This question's own reminders: null turns the menu's off here; absent, the menu's `settings.reminders` apply. */
  reminders?: CompiledReminders | null;
  /** Options built, when the conversation gets here, from a list variable a request filled. */
  dynamic?: DynamicOptions;
}

export interface DynamicOptions {
  /** The list variable (`Session.lists`). */
  list: string;
  /** Where every option leads. */
  next: Target;
  /** Titles longer than WhatsApp takes: clipped with "…", or the item left out. */
  titles: "clip" | "refuse";
  /** The row that shows the next page when the list has more than one message takes. */
  more: string;
  /** Where an empty list leads; without it, the menu's fallback. */
  empty?: Target;
  /** Also stores the chosen option's id in this variable. */
  var?: string;
}

/** How an input node checks what the customer typed (or shared). */
export type InputRule =
  | { type: "text"; minLength: number; maxLength: number }
  | { type: "number"; min?: number; max?: number; integer: boolean }
  | { type: "email" }
  | { type: "phone" }
  | { type: "date"; min?: string; max?: string }
  | { type: "choice"; values: string[] }
  | { type: "regex"; pattern: string; flags: string }
  | { type: "location"; request: boolean };

/** Asks for free text (or a location), checks it, stores it as an answer and in `var`. */
export interface CompiledInput {
  kind: "input";
  text: string;
  var: string;
  rule: InputRule;
  next: Target;
  reprompt?: string;
}

/** A response value copied into a list variable: an array of objects at `path`, with the fields that make an option. */
export interface ListMapping {
  path: string;
  id: string;
  title: string;
  description?: string;
}

/** Calls the business's backend within the step; `next` on a 2xx JSON answer, `failure` otherwise. */
export interface CompiledRequest {
  kind: "request";
  method: "GET" | "POST";
  /** May hold placeholders (URL-encoded when filled in); the host is fixed. */
  url: string;
  /** JSON whose strings may hold placeholders. */
  body?: unknown;
  /** Variable name -> dot path in the response JSON. */
  save: Record<string, string>;
  lists: Record<string, ListMapping>;
  timeoutMs: number;
  next: Target;
  /** null: the menu's texts.requestFailed ends the conversation. */
  failure: Target | null;
}

/** A declarative test on a variable (or a list's length); every operator given must hold. */
export interface ConditionTest {
  var?: string;
  list?: string;
  equals?: string | number | boolean;
  in?: Array<string | number>;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  exists?: boolean;
  matches?: string;
}

/** Branches on variables: the first rule whose test holds, else `else`. */
export interface CompiledCondition {
  kind: "condition";
  when: Array<{ test: ConditionTest; next: Target }>;
  else: Target;
}

export interface CompiledText {
  kind: "text";
  text: string;
  next?: string;
  webhook?: string;
}

/** Hands the customer to a person: the bot stops answering until an agent (or the idle timer) hands back. */
export interface CompiledHandover {
  kind: "handover";
  /** Sent to the customer as the conversation is handed over. */
  text?: string;
  /** The agent endpoint: the handover and every message while handed over are POSTed there, signed. */
  webhook: string;
}

export type CompiledNode = CompiledQuestion | CompiledText | CompiledInput | CompiledRequest | CompiledCondition | CompiledHandover;

/** What happens when a question stays unanswered: `times` reminders `afterMs` apart, then `then`. */
export interface CompiledReminders {
  afterMs: number;
  times: number;
  /** The reminder's text; null: the question is sent again. */
  text: string | null;
  /** Where the conversation goes once the reminders went unanswered for another `afterMs` (the menu's `timeout`). */
  timeout: Target;
}

/** The menu's handover settings (the `agent` command and handover nodes without a webhook use them). */
export interface CompiledHandoverSettings {
  webhook: string | null;
  /** A handover with no message either way for this long hands back by itself. */
  idleMs: number;
  text: string;
}

/** The reply id of a dynamic question's "More…" row (`flow/options.ts`): reserved, so no option may have it. */
export const MORE_ID = "wa-menu:more";

/** The pending "node" of a conversation waiting at the menu's template: not a node id (those start with a letter or digit). */
export const TEMPLATE_NODE = "#template";

/** The menu's approved template, compiled: what it sends and where its answers lead. */
export interface CompiledTemplate {
  kind: "template";
  name: string;
  language: string;
  form: "template" | "custom";
  /** With placeholders; filled when sent. */
  parameters: string[];
  /** The quick-reply buttons in the approved order (the index WhatsApp knows them by); `title` is the approved text. */
  options: CompiledOption[];
  /** Where any other answer leads. */
  next: Target;
}

/** What a conversation can wait at: a question, an input, or the menu's template. */
export type Waiting = CompiledQuestion | CompiledInput | CompiledTemplate;

/** The question or template a pending `node` names, if the menu still has it. */
export function waitingAt(menu: CompiledMenu, node: string): Waiting | undefined {
  if (node === TEMPLATE_NODE) return menu.template;
  const found = Object.hasOwn(menu.nodes, node) ? menu.nodes[node] : undefined;
  return found?.kind === "question" || found?.kind === "input" ? found : undefined;
}

export interface MenuSettings {
  staleTaps: "reprompt" | "rewind";
  maxAttempts: number;
  fallback: Target | null;
  /** Normalised command words. */
  commands: { restart: string[]; back: string[]; stop: string[]; start: string[]; agent: string[] };
  texts: { reprompt: string; movedOn: string; giveUp: string; stopped: string; ended: string; notAnAnswer: string; invalidInput: string; requestFailed: string; timedOut: string; noBack: string };
  /** The menu-wide default for unanswered questions; null: no reminders. */
  reminders: CompiledReminders | null;
  handover: CompiledHandoverSettings | null;
  /** The IANA time zone of "today" in date inputs; absent: UTC. */
  timeZone?: string;
}

/** Bumped when the compiled shape changes, so stored compiled menus of an older shape are compiled again. */
export const COMPILED_FORMAT = 6;

/**
 * A menu as it was stored compiled, in this release's format; null where it must be compiled again from its document.
 * Format 5 lacked only `settings.texts.noBack`, which no document could hold then (the schema refused texts it did not
 * know): it takes the default as it is, without bringing the compiler onto the webhook path of every version stored
 * before this release.
 */
export function inCurrentFormat(stored: CompiledMenu | undefined): CompiledMenu | null {
  const format: unknown = stored?.format;
  if (stored === undefined || (format !== COMPILED_FORMAT && format !== 5)) return null;
  return format === COMPILED_FORMAT ? stored : { ...stored, format: COMPILED_FORMAT, settings: { ...stored.settings, texts: { ...stored.settings.texts, noBack: DEFAULT_TEXTS.noBack } } };
}

export interface CompiledMenu {
  format: typeof COMPILED_FORMAT;
  id: string;
  name?: string;
  start: string;
  /** The variables a business start may pass (declared by the menu); `required` ones it must. */
  variables: Record<string, { required: boolean }>;
  /** The approved template that reaches a customer outside the 24-hour window. */
  template?: CompiledTemplate;
  nodes: Record<string, CompiledNode>;
  settings: MenuSettings;
}

export const DEFAULT_TEXTS: MenuSettings["texts"] = {
  reprompt: "Sorry, I didn't catch that. Please tap one of the options, or type its number.",
  movedOn: "That question has already been answered. Here is where we are now:",
  giveUp: 'Sorry, we could not work that out. Write "menu" to start again.',
  stopped: 'You will not get any more messages from us. Write "start" if you change your mind.',
  ended: 'That conversation has ended. Write "menu" to start again.',
  notAnAnswer: "Please tap one of the options, or type its number.",
  invalidInput: "Sorry, that does not look right. Please try again.",
  requestFailed: 'Sorry, something went wrong on our side. Write "menu" to start again.',
  timedOut: 'We will leave it here for now. Write "menu" whenever you want to carry on.',
  noBack: "There is nothing to go back to from here.",
};

export const DEFAULT_COMMANDS: MenuSettings["commands"] = {
  restart: ["menu", "restart"],
  back: ["back"],
  stop: ["stop", "unsubscribe"],
  start: ["start"],
  // Only where the menu configures a handover (`settings.handover`): see compile.ts.
  agent: [],
};

/**
 * The words that opt a customer out: a menu's own `stop` words add to the defaults, never replace them, so a
 * customer who types STOP is opted out under every menu (a version compiled before this rule included).
 */
export const stopWords = (own: readonly string[]): string[] => [...new Set([...own, ...DEFAULT_COMMANDS.stop])];

/** Whether a typed word opts out under `own` stop words (`stopWords`), without building the list per message. */
export const isStopWord = (own: readonly string[], word: string): boolean => own.includes(word) || DEFAULT_COMMANDS.stop.includes(word);
