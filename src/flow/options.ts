/**
 * Dynamic options (pure): a question whose options come from a list variable, rendered by the shorthand's rules
 * (reply buttons when they fit, a list otherwise), paged with a "More…" row beyond one list message, and clipped
 * or left out where a title is longer than WhatsApp takes.
 */
import { MORE_ID, type CompiledOption, type CompiledQuestion, type DynamicOptions } from "../menus/compiled.js";
import type { Interactive } from "../menus/schema.js";
import { LIMITS, charLength } from "../menus/limits.js";
import { normaliseWords } from "../menus/words.js";
import { clip } from "./clip.js";
import { LIST_ITEMS_MAX } from "./session.js";
import type { ListItem, ShownOption } from "./types.js";

/** The reply id of the "More…" row; the compiler refuses it as an option's id. */
export { MORE_ID };

/** Rows of a page that has a "More…" row after them. */
const PAGE_ROWS = LIMITS.rowsTotalMax - 1;

/** One page of a dynamic question: its rows (the "More…" row included, last), and whether more pages follow. */
export interface Page {
  shown: ShownOption[];
  more: boolean;
}

/** The items as they can be shown: titles clipped or the item refused, descriptions clipped. */
export function eligible(items: readonly ListItem[], dynamic: DynamicOptions): ShownOption[] {
  const out: ShownOption[] = [];
  const titles = new Set<string>();
  for (const item of items) {
    // A backend's item with the More… row's id would page instead of being chosen: it is left out, as the compiler
    // refuses that id for a menu's own options.
    if (item.id === MORE_ID) continue;
    if (dynamic.titles === "refuse" && charLength(item.title) > LIMITS.rowTitle) continue;
    const title = clip(item.title, LIMITS.rowTitle);
    // Two options typed alike could not be told apart: the first keeps the title.
    const word = normaliseWords(title);
    if (titles.has(word)) continue;
    titles.add(word);
    out.push({ id: item.id, title, ...(item.description === undefined ? {} : { description: clip(item.description, LIMITS.rowDescription) }) });
  }
  return out;
}

/** Page `page` (0 first) of the items, or null when there is nothing to show. */
export function pageOf(items: readonly ListItem[], dynamic: DynamicOptions, page: number): Page | null {
  const all = eligible(items, dynamic);
  if (all.length === 0) return null;
  if (all.length <= LIMITS.rowsTotalMax) return { shown: all, more: false };
  const pages = Math.ceil((all.length - 1) / PAGE_ROWS);
  const p = Math.min(Math.max(0, page), pages - 1);
  const start = p * PAGE_ROWS;
  if (all.length - start <= LIMITS.rowsTotalMax) return { shown: all.slice(start), more: false };
  return { shown: [...all.slice(start, start + PAGE_ROWS), { id: MORE_ID, title: dynamic.more }], more: true };
}

/** The options of the pages before `page`, as `accumulate` keeps them while paging ("More…" rows left out); none on the first. */
export function earlierPages(items: readonly ListItem[], dynamic: DynamicOptions, page: number): ShownOption[] | undefined {
  let seen: ShownOption[] | undefined;
  for (let p = 0; p < page; p++) seen = accumulate(seen, pageOf(items, dynamic, p)?.shown ?? []);
  return seen;
}

/** The message of a page, on the question's header, body, footer and list button. */
export function pageMessage(question: CompiledQuestion, shown: readonly ShownOption[], body: string): Interactive {
  const base = question.interactive;
  const header = base.header === undefined ? {} : { header: base.header };
  const footer = base.footer === undefined ? {} : { footer: base.footer };
  const buttons = shown.length <= LIMITS.buttonsMax && shown.every((o) => charLength(o.title) <= LIMITS.buttonTitle && o.description === undefined && o.id !== MORE_ID);
  if (buttons && (base.header === undefined || base.header.type === "text")) {
    return { type: "button", ...header, body: { text: body }, ...footer, action: { buttons: shown.map((o) => ({ type: "reply" as const, reply: { id: o.id, title: o.title } })) } };
  }
  const button = base.type === "list" ? base.action.button : "Choose";
  const rows = shown.map((o) => (o.description === undefined ? { id: o.id, title: o.title } : { id: o.id, title: o.title, description: o.description }));
  return { type: "list", ...(base.header?.type === "text" ? { header: base.header } : {}), body: { text: body }, ...footer, action: { button, sections: [{ rows }] } };
}

/** Options the customer saw on this question's earlier pages, bounded; the "More…" row is not one. */
export function accumulate(before: readonly ShownOption[] | undefined, shown: readonly ShownOption[]): ShownOption[] {
  const all = [...(before ?? [])];
  for (const o of shown) if (o.id !== MORE_ID && !all.some((a) => a.id === o.id)) all.push(o);
  return all.slice(-LIST_ITEMS_MAX);
}

/** A shown option as the matcher takes it: every dynamic option leads to the question's `next`. */
export function asOption(o: ShownOption, dynamic: DynamicOptions): CompiledOption {
  const words = o.id === MORE_ID ? ["more", normaliseWords(o.title)] : [normaliseWords(o.title)];
  return { id: o.id, title: o.title, next: dynamic.next, words, ...(o.description === undefined ? {} : { description: o.description }) };
}
