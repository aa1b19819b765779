/**
 * The document shapes of the nodes that work with data: input questions, backend requests, conditions, and
 * questions whose options come from a list variable. Checked further when the menu is compiled (`compile-flow.ts`).
 */
import * as z from "zod";
import { INPUT_LIMITS, LIMITS, REQUEST_LIMITS, charLength } from "./limits.js";

/** What a variable may be called: letters, digits and `_`, starting with a letter. */
export const VAR_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
export const varNameSchema = z.string().regex(VAR_NAME_PATTERN, "variable names are 1-32 letters, digits or '_', starting with a letter");

const str = (max: number, what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .refine((s) => s.trim().length > 0, { message: `${what} must not be empty` })
    .refine((s) => charLength(s) <= max, { error: (iss) => `${what} is ${charLength(String(iss.input))} characters; at most ${max}` })
    .meta({ minLength: 1, maxLength: max });

/** Checked further when compiled: a pattern must compile and be free of nested quantifiers. */
const pattern = z
  .string({ error: "pattern must be a string" })
  .min(1, "pattern must not be empty")
  .max(INPUT_LIMITS.regexPatternMax, `patterns are at most ${INPUT_LIMITS.regexPatternMax} characters`);
const isoDate = z.union([z.literal("today"), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are written YYYY-MM-DD, or "today"')]);

export const inputRuleSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("text"), minLength: z.int().min(1).max(INPUT_LIMITS.textMax).optional(), maxLength: z.int().min(1).max(INPUT_LIMITS.textMax).optional() }),
    z.strictObject({ type: z.literal("number"), min: z.number().optional(), max: z.number().optional(), integer: z.boolean().optional() }),
    z.strictObject({ type: z.literal("email") }),
    z.strictObject({ type: z.literal("phone") }),
    z.strictObject({ type: z.literal("date"), min: isoDate.optional(), max: isoDate.optional() }),
    z.strictObject({ type: z.literal("choice"), values: z.array(str(100, "choice")).min(1).max(INPUT_LIMITS.choicesMax) }),
    z.strictObject({
      type: z.literal("regex"),
      pattern,
      flags: z
        .string()
        .regex(/^[ims]*$/, "flags may be i, m and s")
        .optional(),
    }),
    z
      .strictObject({ type: z.literal("location"), request: z.boolean().optional() })
      .describe("a shared location pin; request: true sends WhatsApp's location request message (a Send location button)"),
  ],
  { error: 'validate.type must be "text", "number", "email", "phone", "date", "choice", "regex" or "location"' },
);

export function inputSchema<D extends z.ZodType, R extends z.ZodType>(destination: D, reprompt: R) {
  return z.strictObject({
    type: z.literal("input"),
    text: str(LIMITS.body, "input text"),
    var: varNameSchema.describe("the variable that holds the answer ({{vars.<name>}}); the answer is also recorded under this node"),
    validate: inputRuleSchema.optional().describe('how the answer is checked; default {"type": "text"}'),
    next: destination,
    reprompt: reprompt.optional(),
  });
}

const jsonPath = z
  .string()
  .min(1)
  .max(REQUEST_LIMITS.pathMax)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'paths are field names and array indexes joined by dots, e.g. "slots.0.id"');

const listMapping = z.strictObject({
  path: jsonPath.describe("where the array is in the response"),
  id: jsonPath.describe("the field of each item that is the option's id"),
  title: jsonPath.describe("the field of each item that is the option's title"),
  description: jsonPath.optional(),
});

export function requestSchema<D extends z.ZodType>(destination: D) {
  return z.strictObject({
    type: z.literal("request"),
    method: z.enum(["GET", "POST"]).optional().describe("default POST"),
    url: z.string({ error: "url must be a URL string" }).max(2048).describe("https URL on a public host; placeholders in its path and query are URL-encoded"),
    body: z.json().optional().describe("JSON sent with POST; its strings may hold placeholders"),
    save: z.record(varNameSchema, jsonPath).optional().describe("variable -> path of a value in the response JSON"),
    lists: z.record(varNameSchema, listMapping).optional().describe("list variable -> an array in the response, for a question's dynamic options"),
    timeoutMs: z.int().min(REQUEST_LIMITS.timeoutMinMs).max(REQUEST_LIMITS.timeoutMaxMs).optional().describe(`default ${REQUEST_LIMITS.timeoutDefaultMs}`),
    next: destination.describe("where a 2xx JSON answer leads"),
    failure: destination.optional().describe("where a timeout, a non-2xx answer or a body that is not JSON leads"),
  });
}

const testSchema = z
  .strictObject({
    var: varNameSchema.optional(),
    list: varNameSchema.optional().describe("tests the number of items of a list variable"),
    equals: z.union([z.string().max(1024), z.number(), z.boolean()]).optional(),
    in: z
      .array(z.union([z.string().max(1024), z.number()]))
      .min(1)
      .max(50)
      .optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
    matches: pattern.optional(),
  })
  .refine((t) => (t.var === undefined) !== (t.list === undefined), "a test names exactly one of var or list")
  .refine((t) => ["equals", "in", "gt", "gte", "lt", "lte", "exists", "matches"].some((k) => k in t), "a test needs at least one of equals, in, gt, gte, lt, lte, exists, matches");

export function conditionSchema<D extends z.ZodType>(destination: D) {
  return z.strictObject({
    type: z.literal("condition"),
    when: z
      .array(z.strictObject({ if: testSchema, next: destination }))
      .min(1)
      .max(20)
      .describe("tried in order: the first whose test holds leads on"),
    else: destination.describe("where it leads when no test holds"),
  });
}

export function dynamicQuestionSchema<D extends z.ZodType, R extends z.ZodType>(destination: D, reprompt: R) {
  return z.strictObject({
    type: z.literal("question"),
    text: str(LIMITS.body, "question text"),
    header: str(LIMITS.headerText, "header").optional(),
    footer: str(LIMITS.footer, "footer").optional(),
    button: str(LIMITS.listButton, "list button text").optional(),
    options: z
      .strictObject({
        from: varNameSchema.describe("the list variable a request filled"),
        next: destination.describe("where every option leads"),
        titles: z.enum(["clip", "refuse"]).optional().describe('titles longer than WhatsApp takes: clipped with "…" (default), or the item left out'),
        more: str(LIMITS.rowTitle, "more").optional().describe('the row that shows the next page beyond 10 options; default "More…"'),
        empty: destination.optional().describe("where an empty list leads; default the menu's fallback"),
      })
      .describe("options built from a list variable: buttons when they fit, a list otherwise, paged beyond 10"),
    var: varNameSchema.optional().describe("also stores the chosen option's id in this variable"),
    reprompt: reprompt.optional(),
  });
}
