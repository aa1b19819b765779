/**
 * No log line carries a full phone number, on any path: every string in a line has its runs of five or more
 * digits masked down to their last four (`447700900123` -> `********0123`), error messages and routes included.
 * Message uuids and the hashed ids of deliveries are kept: they are what an operator searches for, and hold no number.
 * A request's path (`route`) is masked harder: a number written in groups (`+44-7700-900123`, `44.7700.900123`, `44 7700 900123`,
 * spaces encoded as `%20`) is one run there, where elsewhere grouped digits are mostly dates and times and stay readable.
 */
import { clip } from "./flow/clip.js";
import type { Logger } from "./http/deps.js";

/**
 * A run of five or more digits, or the reference workerd gives an internal error (24 characters of lowercase
 * base32, letters among them), which is kept whole: it is what Cloudflare's support asks for, and it is random. One
 * holding a run of eight digits or more (as a phone number glued to letters would) is masked like any other text.
 */
const DIGIT_RUN = /internal error; reference = (?=[0-9a-v]*[a-v])[0-9a-v]{24}(?![0-9a-z])|\d{5,}/g;
const REFERENCE_KEPT = (run: string) => run.startsWith("internal error") && !/\d{8}/.test(run);
/**
 * Digits with the separators a written phone number has between them: a space too, as a router decodes `%20` to one
 * (and encoded, as a raw URL holds it).
 */
const GROUPED_RUN = /\d(?:[-.() ]|%20|\d)*\d/g;
const KEEP = new Set(["message_uuid"]);
/**
 * WhatsApp's error codes (1340, 131026, 131047) have at most six digits; no number in international form is that
 * short, so a `code` of six digits or fewer is kept readable, and a longer one is masked like any other value.
 */
export const ERROR_CODE = /^\d{1,6}$/;
/**
 * A delivery's or a request's id (`msg_`/`req_` and 32 hex digits of a hash, never a number): kept whole, as the
 * operator copies it into `POST /admin/deliveries/{id}/retry`.
 */
const HASH_ID = /^(?:msg|req)_[0-9a-f]{32}$/;

/** `keep`: a run left whole (a status error's code, quoted in its own title). */
export function maskDigits(text: string, keep?: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    if (run === keep || REFERENCE_KEPT(run)) return run;
    if (run.startsWith("internal error")) return run.replace(/\d{5,}/g, (digits) => maskDigits(digits));
    return "*".repeat(run.length - 4) + run.slice(-4);
  });
}

/**
 * A menu id as an error message quotes it: masked as a route is in a log line, so that a customer's number put where a
 * menu id goes (`447700900123` is a valid id) is not answered whole, whether or not such a menu exists.
 */
export const quotedMenuId = (id: string): string => maskGroupedDigits(id);

/**
 * At most `max` characters of `text`, to quote back in a message: masked before the cut, so that a number across it
 * is masked whole (masked alone, the part before the cut would keep its own last four digits readable).
 */
export const maskedExcerpt = (text: string, max: number): string => clip(maskGroupedDigits(text.slice(0, 2 * max + 64)), max);

/**
 * Every digit of a grouped run of five or more digits but its last four, the separators kept. `keep` is a run left
 * whole where it stands alone (a status error's code quoted in its own text, `(#131047)`).
 */
export function maskGroupedDigits(text: string, keep?: string): string {
  return text.replace(GROUPED_RUN, (run) => {
    const digits = run.replace(/%20/g, "  ").replace(/\D/g, "").length;
    if (digits < 5 || run === keep) return run;
    let hide = digits - 4;
    // `%20` is skipped whole, so its 2 and 0 are not taken for digits of the number.
    return run.replace(/%20|\d/g, (d) => (d === "%20" || hide-- <= 0 ? d : "*"));
  });
}

/** `keep`: the error code of the object the value is in, which its other texts may quote (`title: "... (#131047)"`). */
function mask(value: unknown, key: string, keep?: string): unknown {
  if (typeof value === "string") {
    if (KEEP.has(key) || HASH_ID.test(value) || (key === "code" && ERROR_CODE.test(value))) return value;
    return key === "route" ? maskGroupedDigits(value) : maskDigits(value, keep);
  }
  if (Array.isArray(value)) return value.map((v) => mask(v, key, keep));
  if (typeof value === "object" && value !== null) {
    const code = (value as { code?: unknown }).code;
    const own = typeof code === "string" && ERROR_CODE.test(code) ? code : keep;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k, own)]));
  }
  return value;
}

/** Wraps a logger so that every line it writes is masked. */
export function maskingLogger(log: Logger): Logger {
  return (line) => log(mask(line, "") as Record<string, unknown>);
}
