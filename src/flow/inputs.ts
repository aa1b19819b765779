/** Input questions (pure): whether what the customer typed (or shared) passes the node's rule, and the value it stores. */
import type { InputRule } from "../menus/compiled.js";
import { charLength, INPUT_LIMITS } from "../menus/limits.js";
import { asciiDigits, normaliseWords, withoutInvisible } from "../menus/words.js";
import { isPosition } from "./match.js";
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

/** Formatters by time zone: making one costs far more than using it. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day `now` falls on in `timeZone` (default UTC), as YYYY-MM-DD. */
export function localDay(now: string, timeZone?: string): string {
  if (timeZone === undefined) return now.slice(0, 10);
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    // en-CA writes a date as YYYY-MM-DD.
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, format);
  }
  return format.format(new Date(now));
}

const dayOf = (bound: string, now: string, timeZone?: string) => (bound === "today" ? localDay(now, timeZone) : bound);

/** Checks one inbound message against an input rule. `now` is ISO time; "today" is its day in `timeZone` (default UTC). */
export function checkInput(rule: InputRule, content: InboundEvent["content"], now: string, timeZone?: string): Checked {
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
      const written = numberWritten(text);
      if (written === null || !/^[-+]?\d{1,15}(\.\d{1,10})?$/.test(written)) return NO;
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
      if (day === null || (rule.min !== undefined && day < dayOf(rule.min, now, timeZone)) || (rule.max !== undefined && day > dayOf(rule.max, now, timeZone))) return NO;
      return yes(day);
    }
    case "choice": {
      const word = normaliseWords(text);
      // As for options (`typedOption`): a number is a position only where no value is itself a number.
      const numbered = rule.values.some((v) => /^\d+$/.test(normaliseWords(v)));
      const position = asciiDigits(word);
      const value = rule.values.find((v) => normaliseWords(v) === word) ?? (isPosition(position) && !numbered ? rule.values[Number(position) - 1] : undefined);
      return value === undefined ? NO : yes(value);
    }
    case "regex":
      // Bounded: the compiler refused patterns that backtrack badly, and the answer is short.
      return charLength(text) <= INPUT_LIMITS.regexInputMax && new RegExp(rule.pattern, rule.flags).test(text) ? yes(text) : NO;
    default:
      return rule satisfies never;
  }
}

/**
 * A typed number in JavaScript's notation, or null. Both ways of writing one are read: a decimal comma (`2,5`) or
 * point, and thousands grouped with commas, points, spaces or apostrophes (`1,000,000`, `1.234,5`, `1 000`,
 * `1'000`). One separator before exactly three digits (`1,000`, `1.000`) is a thousand in one country and one in
 * another: that is refused, so the customer is asked again rather than taken at the smaller (or larger) word.
 */
function numberWritten(typed: string): string | null {
  const t = typed.replace(/[\s\u00A0\u202F']/g, "");
  const m = /^([-+]?)([\d.,]+)$/.exec(t);
  if (m === null) return null;
  const [, sign, body] = m as unknown as [string, string, string];
  const seps = body.replace(/\d/g, "");
  if (seps === "") return sign + body;
  const last = body.search(/[.,][^.,]*$/);
  const [whole, fraction] = [body.slice(0, last), body.slice(last + 1)];
  const decimal = body[last]!;
  const grouping = decimal === "," ? "." : ",";
  if (seps.length === 1) {
    // One separator: a decimal mark, unless it could as well be grouping thousands.
    if (fraction.length === 3 && /^[1-9]\d{0,2}$/.test(whole)) return null;
    return /^\d+$/.test(whole) && /^\d+$/.test(fraction) ? `${sign}${whole}.${fraction}` : null;
  }
  // Several of one kind: thousands grouped, no decimals.
  if (!seps.includes(grouping)) return new RegExp(`^\\d{1,3}(\\${decimal}\\d{3})+$`).test(body) ? sign + body.replaceAll(decimal, "") : null;
  // Both kinds: the last one is the decimal mark, the others group thousands before it.
  if (!new RegExp(`^\\d{1,3}(\\${grouping}\\d{3})*$`).test(whole) || !/^\d+$/.test(fraction)) return null;
  return `${sign}${whole.replaceAll(grouping, "")}.${fraction}`;
}
