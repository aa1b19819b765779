/** The conversation's variables and lists (pure): bounded so the session stays small (Deno KV takes 64 KiB). */
import { defined } from "../defined.js";
import type { Asked, ListItem, ListsUndo, Session, Undo } from "./types.js";

export { LIST_ITEMS_MAX, LIST_TEXT_MAX, LISTS_MAX, VAR_VALUE_MAX, VARS_MAX } from "./session.js";
import { UNDO_MAX, VARS_MAX, withoutUndone } from "./session.js";

/**
 * Sets (a string) or unsets (undefined) variables. A new name beyond `VARS_MAX` is not taken: the compiler
 * refuses menus that set more names than that, so only start variables can reach the bound.
 */
export function setVars(session: Session, values: Record<string, string | undefined>): Session {
  const vars: Record<string, string> = { ...session.vars };
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete vars[name];
    else if (Object.hasOwn(vars, name) || Object.keys(vars).length < VARS_MAX) vars[name] = value;
  }
  return withVars(session, vars);
}

export const withVars = (session: Session, vars: Record<string, string>): Session => {
  const { vars: _, ...rest } = session;
  return Object.keys(vars).length === 0 ? rest : { ...rest, vars };
};

/** What undoes the way from `before` to `after`: each variable that differs, with its value in `before` (null: unset). */
export function undoOf(before: Session["vars"], after: Session["vars"]): Undo | undefined {
  const undo: Undo = {};
  let any = false;
  for (const [name, value] of Object.entries(after ?? {})) {
    const was = before !== undefined && Object.hasOwn(before, name) ? before[name]! : null;
    if (was !== value) {
      undo[name] = was;
      any = true;
    }
  }
  for (const [name, value] of Object.entries(before ?? {})) {
    if (after === undefined || !Object.hasOwn(after, name)) {
      undo[name] = value;
      any = true;
    }
  }
  return any ? undo : undefined;
}

/**
 * The variables as `undo` says they were. Not bounded by `VARS_MAX`: the result is a state the conversation had,
 * and a bound could refuse a name whose slot an unset in the same undo frees.
 */
export function undoVars(vars: Session["vars"], undo: Undo | undefined): Session["vars"] {
  if (undo === undefined) return vars;
  const out: Record<string, string> = { ...vars };
  for (const [name, value] of Object.entries(undo)) {
    if (value === null) delete out[name];
    else out[name] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** `session` with its variables as `undo` says they were. */
export const restoreVars = (session: Session, undo: Undo | undefined): Session => (undo === undefined ? session : withVars(session, undoVars(session.vars, undo) ?? {}));

/** What a question keeps to undo the way to it from the question before: its variables, and its lists. */
export interface Undone {
  undo?: Undo;
  undoLists?: ListsUndo;
}

/** What a step holds of the session while it walks: its variables and lists. */
export type Held = Pick<Session, "vars" | "lists">;

/** What undoes the way from `before` to `after`, variables and lists. */
export const undoneOf = (before: Held, after: Held): Undone => defined({ undo: undoOf(before.vars, after.vars), undoLists: listsUndoOf(before.lists, after.lists) });

/** A question's undo on its own (for a sending that takes its place: a re-sending, the template). */
export const undoneIn = (a: Asked): Undone => defined({ undo: a.undo, undoLists: a.undoLists });

/** Each list that differs from `before` to `after`, as it was in `before` (null: not held). */
export function listsUndoOf(before: Session["lists"], after: Session["lists"]): ListsUndo | undefined {
  const undo: ListsUndo = {};
  let any = false;
  const held = (lists: Session["lists"], name: string) => (lists !== undefined && Object.hasOwn(lists, name) ? lists[name]! : null);
  for (const name of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    const then = held(before, name);
    const now = held(after, name);
    // A request that fetched the same items again changed nothing to undo.
    if (then === now || JSON.stringify(then) === JSON.stringify(now)) continue;
    undo[name] = then;
    any = true;
  }
  return any ? undo : undefined;
}

/** The lists as `undo` says they were. */
export function undoLists(lists: Session["lists"], undo: ListsUndo | undefined): Session["lists"] {
  if (undo === undefined) return lists;
  const out: Record<string, ListItem[]> = { ...lists };
  for (const [name, items] of Object.entries(undo)) {
    if (items === null) delete out[name];
    else out[name] = items;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** `session` with its variables and lists as a question's undo says they were. */
export function restoreUndone(session: Session, undone: Undone): Session {
  const restored = restoreVars(session, undone.undo);
  if (undone.undoLists === undefined) return restored;
  const { lists: _, ...rest } = restored;
  const lists = undoLists(session.lists, undone.undoLists);
  return lists === undefined ? rest : { ...rest, lists };
}

/** An undo's size as `UNDO_MAX` counts it: the characters of its JSON (`"name":"value",` or `"name":null,`). */
export function undoSize(undo: Undo | undefined): number {
  let n = 0;
  for (const [name, value] of Object.entries(undo ?? {})) n += name.length + (value === null ? 4 : value.length + 2) + 4;
  return n;
}

/** A lists undo's size, in the characters of its JSON too. */
export const listsUndoSize = (undo: ListsUndo | undefined): number => (undo === undefined ? 0 : JSON.stringify(undo).length);

/**
 * Questions keep what undoes their variables (and then their lists) newest first, `used` characters already taken
 * by a newer one, while the total fits `UNDO_MAX`; older ones lose it, and going back past them undoes nothing more
 * of theirs. A lists undo too large for what is left goes alone: lists are often large, variables small.
 */
export function boundUndo(asked: Asked[], used: number): Asked[] {
  let left = UNDO_MAX - used;
  let out = asked;
  const replace = (i: number, a: Asked) => {
    if (out === asked) out = [...asked];
    out[i] = a;
  };
  for (let i = asked.length - 1; i >= 0; i--) {
    const a = asked[i]!;
    if (a.undo === undefined && a.undoLists === undefined) continue;
    left -= undoSize(a.undo);
    if (left < 0) {
      replace(i, withoutUndone(a));
      continue;
    }
    const lists = listsUndoSize(a.undoLists);
    if (lists <= left) {
      left -= lists;
      continue;
    }
    const { undoLists: _, ...rest } = a;
    replace(i, rest);
  }
  return out;
}
