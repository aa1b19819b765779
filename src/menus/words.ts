/** Text normalisation for matching what customers type, and `{{placeholders}}` in texts. */

/**
 * Invisible characters that keyboards and copies add around words: direction marks and embeddings (an RTL chat, a
 * number copied from one), zero-width spaces, word joiners, the BOM, soft hyphens. A "STOP" carrying one is still a
 * stop. Zero-width joiners and non-joiners stay: emoji sequences and Persian or Indic spelling need them.
 */
const INVISIBLE = /[\u00AD\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** The text without the invisible marks above. */
export const withoutInvisible = (s: string): string => s.replace(INVISIBLE, "");

/** The first digit of each decimal script customers type besides ASCII: Arabic-Indic, Eastern Arabic-Indic (Persian, Urdu), Devanagari, Bengali. */
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6];

/**
 * Digits and separators as numbers and positions are read: full-width ones (a Japanese or Chinese keyboard) folded by
 * NFKC, other scripts' digits as ASCII, the Arabic decimal separator as a comma.
 */
export function asciiDigits(text: string): string {
  return text.normalize("NFKC").replace(/[\u0660-\u066b\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code === 0x066b) return ",";
    if (code === 0x066a) return "%";
    const zero = DIGIT_ZEROS.find((z) => code >= z && code <= z + 9);
    return zero === undefined ? ch : String(code - zero);
  });
}

/** Lower case, accents and invisible marks removed, inner spaces folded, outer spaces and trailing punctuation dropped. */
export function normaliseWords(s: string): string {
  return withoutInvisible(s)
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!?]+$/u, "")
    .trim();
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_.-]+?)\s*\}\}/g;

/** Placeholder paths in a text: `{{answers.size.title}}` -> `answers.size.title`. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** What placeholders can name; a Map, so no key ever reaches `Object.prototype`. */
export interface PlaceholderValues {
  answers: ReadonlyMap<string, { id: string; title: string }>;
  vars?: ReadonlyMap<string, string>;
  profileName?: string;
}

/**
 * Fills `{{answers.<node>.title}}`, `{{answers.<node>.id}}`, `{{vars.<name>}}` and `{{profile.name}}`; an unknown or missing
 * value becomes empty, so a customer never sees raw braces.
 */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  if (!text.includes("{{")) return text;
  return text.replace(PLACEHOLDER, (_, path: string) => {
    const parts = path.split(".");
    if (parts[0] === "profile" && parts[1] === "name" && parts.length === 2) return values.profileName ?? "";
    if (parts[0] === "vars" && parts.length === 2) return values.vars?.get(parts[1]!) ?? "";
    const field = parts[parts.length - 1];
    if (parts[0] === "answers" && parts.length >= 3 && (field === "title" || field === "id")) {
      // Node ids may contain dots: the node is everything between "answers." and the field.
      const answer = values.answers.get(parts.slice(1, -1).join("."));
      if (answer) return answer[field];
    }
    return "";
  });
}
