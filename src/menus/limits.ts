/** Bounds that keep a customer's answer, and a pattern run on it, cheap. */
export const INPUT_LIMITS = { textMax: 1000, regexPatternMax: 200, regexInputMax: 200, choicesMax: 50 } as const;
/** Variables a conversation holds (start variables and those its nodes set, together). */
export const VARS_MAX = 20;
/** What a variable may be called, and the rule in words for the messages that refuse a name. */
export const VAR_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
export const VAR_NAME_RULE = "1 to 32 letters, digits or '_', starting with a letter";
/** A request's bounds: the step's deadline must hold its sends too. */
export const REQUEST_LIMITS = { timeoutDefaultMs: 3000, timeoutMaxMs: 5000, timeoutMinMs: 200, savesMax: 20, listsMax: 2, pathMax: 200, bodyMax: 8192 } as const;

/** WhatsApp's limits on interactive messages (Meta's Cloud API reference), in characters. */
export const LIMITS = {
  buttonsMin: 1,
  buttonsMax: 3,
  buttonTitle: 20,
  buttonId: 256,
  listButton: 20,
  sectionsMax: 10,
  rowsTotalMax: 10,
  rowId: 200,
  rowTitle: 24,
  rowDescription: 72,
  sectionTitle: 24,
  headerText: 60,
  body: 1024,
  footer: 60,
  /** A free-form text message. */
  text: 4096,
  /** An approved template: its name, a text parameter, quick-reply buttons and their text, a button's payload. */
  templateName: 512,
  templateParameter: 1024,
  templateParametersMax: 20,
  templateButtonsMax: 10,
  templateButtonText: 25,
  templatePayload: 256,
  /** Messages one webhook may send in a row (text nodes chained before a question). */
  chainMax: 5,
} as const;

/** Length as WhatsApp counts it: Unicode code points, not UTF-16 units. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}
