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
  interactive: Interactive;
  /** In the order WhatsApp shows them, so "2" picks the second. */
  options: CompiledOption[];
  reprompt?: string;
}

export interface CompiledText {
  kind: "text";
  text: string;
  next?: string;
  webhook?: string;
}

export type CompiledNode = CompiledQuestion | CompiledText;

export interface MenuSettings {
  staleTaps: "reprompt" | "rewind";
  maxAttempts: number;
  fallback: Target | null;
  /** Normalised command words. */
  commands: { restart: string[]; back: string[]; stop: string[]; start: string[] };
  texts: { reprompt: string; movedOn: string; giveUp: string; stopped: string; ended: string; notAnAnswer: string };
}

export interface CompiledMenu {
  /** Bumped when this shape changes, so stored compiled menus of an older shape are compiled again. */
  format: 3;
  id: string;
  name?: string;
  start: string;
  /** The variables a business start may pass (declared by the menu); `required` ones it must. */
  variables: Record<string, { required: boolean }>;
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
};

export const DEFAULT_COMMANDS: MenuSettings["commands"] = {
  restart: ["menu", "restart"],
  back: ["back"],
  stop: ["stop", "unsubscribe"],
  start: ["start"],
};
