/** Truncation to WhatsApp's limits, counted as WhatsApp counts (code points), with "…" where text was cut. */

/**
 * Whole user-perceived characters: a cut inside a flag, a family emoji or an accented letter would leave half of it.
 * Made on the first cut, so an isolate that never clips never loads the segmenter.
 */
let graphemes: Intl.Segmenter | undefined;

export function clip(text: string, max: number): string {
  let n = 0;
  for (const _ of text) if (++n > max) break;
  if (n <= max) return text;
  // The longest run of whole graphemes within max - 1 code points, then the ellipsis.
  let out = "";
  let used = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of graphemes.segment(text)) {
    let size = 0;
    for (const _ of segment) size++;
    if (used + size > max - 1) break;
    out += segment;
    used += size;
  }
  return `${out}…`;
}
