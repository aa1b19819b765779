/** The conversation's variables and lists (pure): bounded so the session stays small (Deno KV takes 64 KiB). */
import type { Session } from "./types.js";

export { LIST_ITEMS_MAX, LIST_TEXT_MAX, LISTS_MAX, VAR_VALUE_MAX, VARS_MAX } from "./session.js";
import { VARS_MAX } from "./session.js";

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
  const { vars: _, ...rest } = session;
  return Object.keys(vars).length === 0 ? rest : { ...rest, vars };
}
