/**
 * The document shapes of the nodes that work with data: input questions, backend requests, conditions, and
 * questions whose options come from a list variable. Checked further when the menu is compiled (`compile-flow.ts`).
 */
import * as z from "zod/mini";
import "../zod-english.js";
import { INPUT_LIMITS, LIMITS, REQUEST_LIMITS, VAR_NAME, VAR_NAME_RULE, charLength } from "./limits.js";

/** What a variable may be called: letters, digits and `_`, starting with a letter. */
export const varNameSchema = z.string().check(z.regex(VAR_NAME, `variable names are ${VAR_NAME_RULE}`));

const str = (max: number, what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .check(z.refine((s) => s.trim().length > 0, { message: `${what} must not be empty` }))
    .check(z.refine((s) => charLength(s) <= max, { error: (iss) => `${what} is ${charLength(String(iss.input))} characters; at most ${max}` }))
    .check(z.meta({ minLength: 1, maxLength: max }));

/** Checked further when compiled: a pattern must compile and be free of nested quantifiers. */
const pattern = z
  .string({ error: "pattern must be a string" })
  .check(z.minLength(1, "pattern must not be empty"), z.maxLength(INPUT_LIMITS.regexPatternMax, `patterns are at most ${INPUT_LIMITS.regexPatternMax} characters`));
const isoDate = z.union([z.literal("today"), z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are written YYYY-MM-DD, or "today"'))]);
const length = () => z.optional(z.int().check(z.gte(1), z.lte(INPUT_LIMITS.textMax)));

export const inputRuleSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("text"), minLength: length(), maxLength: length() }),
    z.strictObject({ type: z.literal("number"), min: z.optional(z.number()), max: z.optional(z.number()), integer: z.optional(z.boolean()) }),
    z.strictObject({ type: z.literal("email") }),
    z.strictObject({ type: z.literal("phone") }),
    z.strictObject({ type: z.literal("date"), min: z.optional(isoDate), max: z.optional(isoDate) }),
    z.strictObject({ type: z.literal("choice"), values: z.array(str(100, "choice")).check(z.minLength(1), z.maxLength(INPUT_LIMITS.choicesMax)) }),
    z.strictObject({ type: z.literal("regex"), pattern, flags: z.optional(z.string().check(z.regex(/^[ims]*$/, "flags may be i, m and s"))) }),
    z
      .strictObject({ type: z.literal("location"), request: z.optional(z.boolean()) })
      .check(z.describe("a shared location pin; request: true sends WhatsApp's location request message (a Send location button)")),
  ],
  { error: 'validate.type must be "text", "number", "email", "phone", "date", "choice", "regex" or "location"' },
);

export function inputSchema<D extends z.ZodMiniType, R extends z.ZodMiniType>(destination: D, reprompt: R) {
  return z.strictObject({
    type: z.literal("input"),
    text: str(LIMITS.body, "input text"),
    var: varNameSchema.check(z.describe("the variable that holds the answer ({{vars.<name>}}); the answer is also recorded under this node")),
    validate: z.optional(inputRuleSchema).check(z.describe('how the answer is checked; default {"type": "text"}')),
    next: destination,
    reprompt: z.optional(reprompt),
  });
}

const jsonPath = z
  .string()
  .check(z.minLength(1), z.maxLength(REQUEST_LIMITS.pathMax), z.regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'paths are field names and array indexes joined by dots, e.g. "slots.0.id"'));

const listMapping = z.strictObject({
  path: jsonPath.check(z.describe("where the array is in the response")),
  id: jsonPath.check(z.describe("the field of each item that is the option's id")),
  title: jsonPath.check(z.describe("the field of each item that is the option's title")),
  description: z.optional(jsonPath),
});

export function requestSchema<D extends z.ZodMiniType>(destination: D) {
  return z.strictObject({
    type: z.literal("request"),
    method: z.optional(z.enum(["GET", "POST"])).check(z.describe("default POST")),
    url: z.string({ error: "url must be a URL string" }).check(z.maxLength(2048)).check(z.describe("https URL on a public host; placeholders in its path and query are URL-encoded")),
    body: z.optional(z.json()).check(z.describe("JSON sent with POST; its strings may hold placeholders")),
    save: z.optional(z.record(varNameSchema, jsonPath)).check(z.describe("variable -> path of a value in the response JSON")),
    lists: z.optional(z.record(varNameSchema, listMapping)).check(z.describe("list variable -> an array in the response, for a question's dynamic options")),
    timeoutMs: z.optional(z.int().check(z.gte(REQUEST_LIMITS.timeoutMinMs), z.lte(REQUEST_LIMITS.timeoutMaxMs))).check(z.describe(`default ${REQUEST_LIMITS.timeoutDefaultMs}`)),
    next: destination.check(z.describe("where a 2xx JSON answer leads")),
    failure: z.optional(destination).check(z.describe("where a timeout, a non-2xx answer or a body that is not JSON leads")),
  });
}

const testSchema = z
  .strictObject({
    var: z.optional(varNameSchema),
    list: z.optional(varNameSchema).check(z.describe("tests the number of items of a list variable")),
    equals: z.optional(z.union([z.string().check(z.maxLength(1024)), z.number(), z.boolean()])),
    in: z.optional(z.array(z.union([z.string().check(z.maxLength(1024)), z.number()])).check(z.minLength(1), z.maxLength(50))),
    gt: z.optional(z.number()),
    gte: z.optional(z.number()),
    lt: z.optional(z.number()),
    lte: z.optional(z.number()),
    exists: z.optional(z.boolean()),
    matches: z.optional(pattern),
  })
  .check(z.refine((t) => (t.var === undefined) !== (t.list === undefined), "a test names exactly one of var or list"))
  .check(z.refine((t) => ["equals", "in", "gt", "gte", "lt", "lte", "exists", "matches"].some((k) => k in t), "a test needs at least one of equals, in, gt, gte, lt, lte, exists, matches"));

export function conditionSchema<D extends z.ZodMiniType>(destination: D) {
  return z.strictObject({
    type: z.literal("condition"),
    when: z
      .array(z.strictObject({ if: testSchema, next: destination }))
      .check(z.minLength(1), z.maxLength(20))
      .check(z.describe("tried in order: the first whose test holds leads on")),
    else: destination.check(z.describe("where it leads when no test holds")),
  });
}

export function dynamicQuestionSchema<D extends z.ZodMiniType, R extends z.ZodMiniType>(destination: D, reprompt: R) {
  return z.strictObject({
    type: z.literal("question"),
    text: str(LIMITS.body, "question text"),
    header: z.optional(str(LIMITS.headerText, "header")),
    footer: z.optional(str(LIMITS.footer, "footer")),
    button: z.optional(str(LIMITS.listButton, "list button text")),
    options: z
      .strictObject({
        from: varNameSchema.check(z.describe("the list variable a request filled")),
        next: destination.check(z.describe("where every option leads")),
        titles: z.optional(z.enum(["clip", "refuse"])).check(z.describe('titles longer than WhatsApp takes: clipped with "…" (default), or the item left out')),
        more: z.optional(str(LIMITS.rowTitle, "more")).check(z.describe('the row that shows the next page beyond 10 options; default "More…"')),
        empty: z.optional(destination).check(z.describe("where an empty list leads; default the menu's fallback")),
      })
      .check(z.describe("options built from a list variable: buttons when they fit, a list otherwise, paged beyond 10")),
    var: z.optional(varNameSchema).check(z.describe("also stores the chosen option's id in this variable")),
    reprompt: z.optional(reprompt),
  });
}
