/**
 * What a menu document must be before it is validated, checked without recursion: not nested too deep (the schema,
 * the compiler and `JSON.stringify` all recurse, and a request node's `body`, any JSON, nested a few thousand levels
 * within the 1 MiB upload overflows their stack), and without a `__proto__` key, which zod's records leave out of
 * what they return: a reply id, a synonym's or a variable's name of that spelling would be dropped without a word.
 */
import type { MenuProblem } from "../errors.js";
import { jsonPath } from "../zod-issues.js";

/** Levels of arrays and objects a menu document may nest: its own format needs about ten, a request body the rest. */
export const MENU_DEPTH_MAX = 64;

/** A value still to look at: its key in its parent, and the parent's own entry, so a path is built only for a problem. */
interface Pending {
  value: unknown;
  depth: number;
  key: PropertyKey;
  parent: Pending | null;
}

function pathOf(entry: Pending): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Pending | null = entry; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** The first value nested deeper than `max` levels, or the first `__proto__` key, as a problem at its path; null when there is none. */
export function shapeProblem(doc: unknown, max = MENU_DEPTH_MAX): MenuProblem | null {
  const stack: Pending[] = [{ value: doc, depth: 0, key: "", parent: null }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value, depth } = entry;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= max) {
      return { path: jsonPath(pathOf(entry)), message: `nests deeper than ${max} levels of arrays and objects; a menu (a request's body included) needs far fewer` };
    }
    if (Array.isArray(value)) {
      for (const [i, child] of value.entries()) stack.push({ value: child, depth: depth + 1, key: i, parent: entry });
      continue;
    }
    for (const key of Object.keys(value)) {
      const child: Pending = { value: (value as Record<string, unknown>)[key], depth: depth + 1, key, parent: entry };
      if (key === "__proto__") return { path: jsonPath(pathOf(child)), message: 'a key named "__proto__" is not taken (it would be dropped without a word); rename it' };
      stack.push(child);
    }
  }
  return null;
}
