/** Condition nodes (pure): declarative tests on variables and list lengths. No code is evaluated: menus are data. */
import type { CompiledCondition, ConditionTest, Target } from "../menus/compiled.js";
import type { Session } from "./types.js";

/** The value a test looks at: a variable's text, or a list's number of items; undefined when unset. */
function subject(test: ConditionTest, session: Session): string | number | undefined {
  if (test.list !== undefined) {
    const lists = session.lists;
    return lists !== undefined && Object.hasOwn(lists, test.list) ? lists[test.list]!.length : undefined;
  }
  const vars = session.vars;
  return test.var !== undefined && vars !== undefined && Object.hasOwn(vars, test.var) ? vars[test.var] : undefined;
}

const numberOf = (v: string | number | undefined): number | null => {
  if (typeof v === "number") return v;
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : null;
};

/** Equality as an author means it: numbers numerically ("5.0" equals 5), booleans as "true"/"false", text exactly. */
function same(value: string | number | undefined, expected: string | number | boolean): boolean {
  if (value === undefined) return false;
  if (typeof expected === "number") return numberOf(value) === expected;
  if (typeof expected === "boolean") return String(value).trim().toLowerCase() === String(expected);
  return String(value) === expected;
}

/** True when every operator the test names holds. */
export function holds(test: ConditionTest, session: Session): boolean {
  const value = subject(test, session);
  const present = value !== undefined && value !== "" && value !== 0;
  if (test.exists !== undefined && present !== test.exists) return false;
  if (test.equals !== undefined && !same(value, test.equals)) return false;
  if (test.in !== undefined && !test.in.some((e) => same(value, e))) return false;
  const n = numberOf(value);
  if (test.gt !== undefined && !(n !== null && n > test.gt)) return false;
  if (test.gte !== undefined && !(n !== null && n >= test.gte)) return false;
  if (test.lt !== undefined && !(n !== null && n < test.lt)) return false;
  if (test.lte !== undefined && !(n !== null && n <= test.lte)) return false;
  // The compiler refused patterns that can backtrack badly; a value is at most VAR_VALUE_MAX characters.
  if (test.matches !== undefined && !(value !== undefined && new RegExp(test.matches).test(String(value)))) return false;
  return true;
}

/** Where a condition node leads for this session, and which exit that is (`when.<i>` or `else`). */
export function branch(node: CompiledCondition, session: Session): { target: Target; exit: string } {
  const index = node.when.findIndex((w) => holds(w.test, session));
  return index < 0 ? { target: node.else, exit: "else" } : { target: node.when[index]!.next, exit: `when.${index}` };
}
