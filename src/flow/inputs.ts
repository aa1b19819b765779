/** Input questions (pure): whether what the customer typed (or shared) passes the node's rule, and the value it stores. */
import type { InputRule } from "../menus/compiled.js";
import { charLength, INPUT_LIMITS } from "../menus/limits.js";
import { asciiDigits, normaliseWords, withoutInvisible } from "../menus/words.js";
import type { InboundEvent } from "./types.js";

/** A valid answer: the value for the variable, and the title recorded with the answer. */
export type Checked = { ok: true; value: string; title: string } | { ok: false };

const NO: Checked = { ok: false };
const yes = (value: string, title = value): Checked => ({ ok: true, value, title });

/** `YYYY-MM-DD` of a real calendar day, or null. */
function isoDay(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** Dates as people type them: 2026-12-24, 24/12/2026, 24.12.2026, 24-12-2026. */
export function parseDate(text: string): string | null {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (iso) return isoDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (dmy) return isoDay(Number(dmy[3]), Number(dmy[2]), Number(dmy[1]));
  return null;
}

const dayOf = (bound: string, now: string) => (bound === "today" ? now.slice(0, 10) : bound);

/** Checks one inbound message against an input rule. `now` is ISO time (for "today"). */
export function checkInput(rule: InputRule, content: InboundEvent["content"], now: string): Checked {
  if (rule.type === "location") {
    if (content.kind !== "location") return NO;
    const value = `${content.lat},${content.long}`;
    return yes(value, content.name ?? content.address ?? value);
  }
  if (content.kind !== "text") return NO;
  // Invisible marks (an RTL keyboard, a copied number) are no part of the answer: an email keeping one is not an email.
  const typed = withoutInvisible(content.text).trim().replace(/\s+/g, " ");
  const text = rule.type === "number" || rule.type === "date" || rule.type === "phone" || rule.type === "email" ? asciiDigits(typed) : typed;
  switch (rule.type) {
    case "text": {
      const n = charLength(text);
      return n >= rule.minLength && n <= rule.maxLength ? yes(text) : NO;
    }
    case "number": {
      const written = text.replace(/\s/g, "").replace(/^(-?\d+),(\d+)$/, "$1.$2");
      if (!/^[-+]?\d{1,15}(\.\d{1,10})?$/.test(written)) return NO;
      const n = Number(written);
      if ((rule.integer && !Number.isInteger(n)) || (rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) return NO;
      return yes(String(n));
    }
    case "email":
      return text.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(text) ? yes(text) : NO;
    case "phone": {
      // "+44 (0)7700 ..." writes the trunk 0 that an international number drops.
      const digits = text
        .replace(/\(0\)/g, "")
        .replace(/[\s().-]/g, "")
        .replace(/^(\+|00)/, "");
      // Country code first, and no country code starts with 0: "07700 900123" is a national number, not one of these.
      return /^[1-9]\d{6,14}$/.test(digits) ? yes(digits) : NO;
    }
    case "date": {
      const day = parseDate(text);
      if (day === null || (rule.min !== undefined && day < dayOf(rule.min, now)) || (rule.max !== undefined && day > dayOf(rule.max, now))) return NO;
      return yes(day);
    }
    case "choice": {
      const word = normaliseWords(text);
      // As for options (`typedOption`): a number is a position only where no value is itself a number.
      const numbered = rule.values.some((v) => /^\d+$/.test(normaliseWords(v)));
      const position = asciiDigits(word);
      const value = rule.values.find((v) => normaliseWords(v) === word) ?? (/^\d{1,2}$/.test(position) && !numbered ? rule.values[Number(position) - 1] : undefined);
      return value === undefined ? NO : yes(value);
    }
    case "regex":
      // Bounded: the compiler refused patterns that backtrack badly, and the answer is short.
      return charLength(text) <= INPUT_LIMITS.regexInputMax && new RegExp(rule.pattern, rule.flags).test(text) ? yes(text) : NO;
    default:
      return rule satisfies never;
  }
}
