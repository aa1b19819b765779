/**
 * Bytes from outside as text, in one place: strictly UTF-8 where the sender can fix what it sends (what is not
 * UTF-8 is refused, saying where, instead of becoming U+FFFD: "Caf�"), leniently where a refusal would lose a message.
 */

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const lenient = new TextDecoder();

/** Bytes that are not UTF-8; `reason` says where ("byte 3 (0xE9) is not UTF-8"), for a message that says how to fix it. */
export class NotUtf8Error extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "NotUtf8Error";
  }
}

/** The bytes as UTF-8 text (a leading byte order mark dropped), or a `NotUtf8Error`. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new NotUtf8Error(whereNotUtf8(bytes));
  }
}

/** The bytes as text, each sequence that is not UTF-8 made U+FFFD: for a webhook a refusal would lose. */
export const decodeUtf8Lenient = (bytes: Uint8Array): string => lenient.decode(bytes);

const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;

/** Where the first sequence that is not UTF-8 starts, by the rules the decoder keeps (no overlong forms, no surrogates, at most U+10FFFF). */
function whereNotUtf8(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const more = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (more === 0) return `byte ${i} (${hex(b)}) is not UTF-8`;
    // The second byte's range is narrower after these leads: it rules out overlong forms, surrogates and beyond U+10FFFF.
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= more; k++) {
      const c = bytes[i + k];
      if (c === undefined) return `the last character, from byte ${i} (${hex(b)}), is cut short`;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return `byte ${i} (${hex(b)}) is not UTF-8`;
    }
    i += more + 1;
  }
  return "it is not UTF-8";
}

/**
 * No body, or JSON's white space alone (space, tab, line feed, carriage return; a byte order mark before it too), seen
 * on the bytes: other white space (a no-break space) is no JSON, and no empty body either.
 */
export function blankJson(bytes: Uint8Array): boolean {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = from; i < bytes.length; i++) if (![0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) return false;
  return true;
}

/** The same test on text already decoded. */
export const blankJsonText = (text: string): boolean => /^\uFEFF?[ \t\n\r]*$/.test(text);
