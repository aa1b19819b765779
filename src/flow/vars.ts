/** The conversation's variables and lists (pure): bounded so the session stays small (Deno KV takes 64 KiB). */
import type { Asked, Session, Undo } from "./types.js";

export { LIST_ITEMS_MAX, LIST_TEXT_MAX, LISTS_MAX, VAR_VALUE_MAX, VARS_MAX } from "./session.js";
import { UNDO_MAX, VARS_MAX } from "./session.js";

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

/** An undo's size as `UNDO_MAX` counts it: the characters of its JSON (`"name":"value",` or `"name":null,`). */
export function undoSize(undo: Undo | undefined): number {
  let n = 0;
  for (const [name, value] of Object.entries(undo ?? {})) n += name.length + (value === null ? 4 : value.length + 2) + 4;
  return n;
}

/**
 * Questions keep what undoes their variables newest first, `used` characters already taken by a newer one, while
 * the total fits `UNDO_MAX`; older ones lose it, and going back past them undoes nothing more of theirs.
 */
export function boundUndo(asked: Asked[], used: number): Asked[] {
  let left = UNDO_MAX - used;
  let out = asked;
  for (let i = asked.length - 1; i >= 0; i--) {
    const a = asked[i]!;
    if (a.undo === undefined) continue;
    left -= undoSize(a.undo);
    if (left >= 0) continue;
    if (out === asked) out = [...asked];
    const { undo: _, ...rest } = a;
    out[i] = rest;
  }
  return out;
}
