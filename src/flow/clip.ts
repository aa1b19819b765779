/** Truncation to WhatsApp's limits, counted as WhatsApp counts (code points), with "…" where text was cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
