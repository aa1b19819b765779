/** The zod schema of the menu format: WhatsApp `interactive` objects as WhatsApp takes them, the shorthand, routing. */
import * as z from "zod/mini";
import "../zod-english.js";
import { conditionSchema, dynamicQuestionSchema, inputSchema, requestSchema } from "./flow-schema.js";
import { LIMITS, VAR_NAME, VAR_NAME_RULE, VARS_MAX, charLength } from "./limits.js";

/**
 * An array of at most `max` items, reported with the actual count. A refinement, not `.max()`: zod checks a
 * length before the items and then skips them, and a menu's author wants every problem at once. Run whatever the
 * items' problems (`when`), it runs on what is not an array too, which has no count to report: the array's own
 * "expected array" says it.
 */
const atMost = <T extends z.ZodMiniType>(items: z.ZodMiniArray<T>, max: number, message: (n: number) => string) =>
  items.check(z.refine((list) => !Array.isArray(list) || list.length <= max, { error: (iss) => message((iss.input as unknown[]).length), when: () => true })).check(z.meta({ maxItems: max }));

/** A non-empty string of at most `max` characters, counted as WhatsApp counts them. */
const text = (max: number, what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .check(z.refine((s) => s.trim().length > 0, { message: `${what} must not be empty` }))
    .check(z.refine((s) => charLength(s) <= max, { error: (iss) => `${what} is ${charLength(String(iss.input))} characters; WhatsApp allows ${max}` }))
    .check(z.meta({ minLength: 1, maxLength: max }));

// A URL parser also takes "https:host/x" and "HTTPS://host/x"; WhatsApp wants the link written https://...
const httpsUrl = (what: string) => z.url({ protocol: /^https$/, error: `${what} must be an https URL`, abort: true }).check(z.refine((s) => s.startsWith("https://"), `${what} must be an https URL`));
const mediaLink = z.strictObject({ link: httpsUrl("link") });
/** Checked further when the menu is compiled (`public-url.ts`): https, a public host. */
const webhookUrl = z.string({ error: "webhook must be a URL string" }).check(z.maxLength(2048, "webhook must be at most 2048 characters"));

const textHeader = z.strictObject({ type: z.literal("text"), text: text(LIMITS.headerText, "header text") });
type TextHeader = z.output<typeof textHeader>;

/**
 * A refinement whose test is a type guard, and a type narrowed to what the guard lets through (a list message's
 * header is a text header): zod/mini's `refine` check leaves the type as it was.
 */
const refineTo = <S extends z.ZodMiniType, R extends z.output<S>>(schema: S, guard: (value: z.output<S>) => value is R, params: { message: string }) =>
  schema.check(z.refine(guard, params)) as z.core.$ZodNarrow<S, R>;

const mediaHeaders = [
  z.strictObject({ type: z.literal("image"), image: mediaLink }),
  z.strictObject({ type: z.literal("video"), video: mediaLink }),
  z.strictObject({ type: z.literal("document"), document: z.strictObject({ link: httpsUrl("link"), filename: z.optional(z.string().check(z.maxLength(240))) }) }),
] as const;

const body = z.strictObject({ text: text(LIMITS.body, "body text") });
const footer = z.strictObject({ text: text(LIMITS.footer, "footer text") });

const replyButton = z.strictObject({
  type: z.literal("reply"),
  reply: z.strictObject({ id: text(LIMITS.buttonId, "button id"), title: text(LIMITS.buttonTitle, "button title") }),
});

export const buttonInteractive = z
  .strictObject({
    type: z.literal("button"),
    header: z.optional(z.discriminatedUnion("type", [textHeader, ...mediaHeaders], { error: 'header.type must be "text", "image", "video" or "document"' })),
    body,
    footer: z.optional(footer),
    action: z.strictObject({
      buttons: atMost(
        z.array(replyButton).check(z.minLength(LIMITS.buttonsMin, `a button message needs at least ${LIMITS.buttonsMin} button`)),
        LIMITS.buttonsMax,
        (n) => `a button message has ${n} buttons; WhatsApp allows ${LIMITS.buttonsMax} (use a list for more)`,
      ),
    }),
  })
  .check(
    z.superRefine((msg, ctx) => {
      const titles = new Set<string>();
      const ids = new Set<string>();
      msg.action.buttons.forEach((b, i) => {
        const t = b.reply.title.trim().toLowerCase();
        if (titles.has(t))
          ctx.addIssue({ code: "custom", path: ["action", "buttons", i, "reply", "title"], message: `button title "${b.reply.title}" is used twice; WhatsApp requires unique titles` });
        titles.add(t);
        if (ids.has(b.reply.id)) ctx.addIssue({ code: "custom", path: ["action", "buttons", i, "reply", "id"], message: `button id "${b.reply.id}" is used twice in this message` });
        ids.add(b.reply.id);
      });
    }),
  );

const listRow = z.strictObject({
  id: text(LIMITS.rowId, "row id"),
  title: text(LIMITS.rowTitle, "row title"),
  description: z.optional(text(LIMITS.rowDescription, "row description")),
});

const listSection = z.strictObject({
  title: z.optional(text(LIMITS.sectionTitle, "section title")),
  rows: z.array(listRow).check(z.minLength(1, "a section needs at least 1 row")),
});

export const listInteractive = z
  .strictObject({
    type: z.literal("list"),
    header: z.optional(
      refineTo(
        z.discriminatedUnion("type", [textHeader, z.object({ type: z.enum(["image", "video", "document"]) })], { error: 'header.type must be "text"' }),
        (h): h is TextHeader => h.type === "text",
        { message: "a list message takes only a text header (WhatsApp limit)" },
      ),
    ),
    body,
    footer: z.optional(footer),
    action: z.strictObject({
      button: text(LIMITS.listButton, "list button text"),
      sections: atMost(
        z.array(listSection).check(z.minLength(1, "a list message needs at least 1 section")),
        LIMITS.sectionsMax,
        (n) => `a list message has ${n} sections; WhatsApp allows ${LIMITS.sectionsMax}`,
      ),
    }),
  })
  .check(
    z.superRefine((msg, ctx) => {
      const sections = msg.action.sections;
      const total = sections.reduce((n, s) => n + s.rows.length, 0);
      if (total > LIMITS.rowsTotalMax) {
        ctx.addIssue({
          code: "custom",
          path: ["action", "sections"],
          message: `a list message has ${total} rows in all its sections; WhatsApp allows ${LIMITS.rowsTotalMax}`,
        });
      }
      const ids = new Set<string>();
      sections.forEach((s, si) => {
        if (sections.length > 1 && s.title === undefined) {
          ctx.addIssue({ code: "custom", path: ["action", "sections", si, "title"], message: "section title is required when a list has more than one section (WhatsApp rule)" });
        }
        s.rows.forEach((r, ri) => {
          if (ids.has(r.id))
            ctx.addIssue({ code: "custom", path: ["action", "sections", si, "rows", ri, "id"], message: `row id "${r.id}" is used twice in this list; WhatsApp requires unique row ids` });
          ids.add(r.id);
        });
      });
    }),
  );

export const interactiveSchema = z.discriminatedUnion("type", [buttonInteractive, listInteractive], { error: 'interactive.type must be "button" or "list"' });

export const nodeIdSchema = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "node ids are 1-64 letters, digits, '_', '.' or '-'"));

/** A closing message: sent, then the conversation ends (and the answers go to `webhook`, if named). */
const closingSchema = z.strictObject({
  text: text(LIMITS.text, "closing text"),
  webhook: z.optional(webhookUrl).check(z.describe("https URL on a public host that receives the customer's answers when the conversation ends here")),
});

/** Where an answer leads: another node's id, or a closing text that ends the conversation. */
export const destinationSchema = z.union([nodeIdSchema, closingSchema]);

/** A duration as people write it: "30s", "10m", "2h", "1d". */
export const durationSchema = z
  .string({ error: 'a duration is a string such as "30s", "10m", "2h" or "1d"' })
  .check(z.regex(/^[1-9][0-9]{0,5}(s|m|h|d)$/, 'a duration is a whole number and a unit: "30s", "10m", "2h" or "1d"'))
  .check(z.describe('"30s", "10m", "2h" or "1d"'));

/** The reminders of an unanswered question; every field falls back to the menu's `settings.reminders`. */
export const remindersSchema = z.strictObject({
  after: z.optional(durationSchema).check(z.describe("how long an unanswered question waits before each reminder, and before `timeout` after the last one; default 1h")),
  times: z.optional(z.int().check(z.gte(0), z.lte(5))).check(z.describe("how many reminders at most; default 1")),
  text: z
    .optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.text)))
    .check(z.describe('the reminder\'s text, or "repeat" to send the question again (its buttons work as the first ones do); default "repeat"')),
  timeout: z.optional(destinationSchema).check(z.describe("where the conversation goes once the last reminder went unanswered (a node, or a closing text); default: end with texts.timedOut")),
});

const synonymList = z.array(z.string().check(z.minLength(1), z.maxLength(100))).check(z.maxLength(20));
const reprompt = text(LIMITS.body, "reprompt").check(z.describe("Sent before the question when an answer does not match; overrides the menu's texts.reprompt"));

/** A question as WhatsApp takes it, plus where each reply id leads. */
export const rawQuestionSchema = z.strictObject({
  type: z.literal("question"),
  interactive: interactiveSchema,
  next: z.record(z.string(), destinationSchema).check(z.describe("reply id -> destination; every button or row needs one")),
  synonyms: z.optional(z.record(z.string(), synonymList)).check(z.describe("reply id -> words a customer may type instead of tapping")),
  reprompt: z.optional(reprompt),
  reminders: z.optional(z.union([remindersSchema, z.literal(false)])).check(z.describe("this question's reminders (false: none here); default: settings.reminders")),
});

/** The shorthand: text plus options, rendered as reply buttons when they fit and as a list otherwise. */
export const optionSchema = z.strictObject({
  id: text(LIMITS.rowId, "option id"),
  title: text(LIMITS.rowTitle, "option title"),
  description: z.optional(text(LIMITS.rowDescription, "option description")),
  next: destinationSchema,
  synonyms: z.optional(synonymList),
});

export const shorthandQuestionSchema = z.strictObject({
  type: z.literal("question"),
  text: text(LIMITS.body, "question text"),
  header: z.optional(text(LIMITS.headerText, "header")),
  footer: z.optional(text(LIMITS.footer, "footer")),
  button: z.optional(text(LIMITS.listButton, "list button text")).check(z.describe('label of the button that opens the list (lists only); default "Choose"')),
  options: atMost(
    z.array(optionSchema).check(z.minLength(1, "a question needs at least 1 option")),
    LIMITS.rowsTotalMax,
    (n) => `a question has ${n} options; WhatsApp lists allow ${LIMITS.rowsTotalMax}`,
  ),
  reprompt: z.optional(reprompt),
  reminders: z.optional(z.union([remindersSchema, z.literal(false)])).check(z.describe("this question's reminders (false: none here); default: settings.reminders")),
});

export const textNodeSchema = z.strictObject({
  type: z.literal("text"),
  text: text(LIMITS.text, "text"),
  next: z.optional(nodeIdSchema).check(z.describe("node to continue with right after this text; without it the conversation ends here")),
  webhook: z.optional(webhookUrl).check(z.describe("https URL on a public host that receives the customer's answers when the conversation ends here")),
});

/** Hands the customer to a person (see the README's Handover). */
export const handoverNodeSchema = z.strictObject({
  type: z.literal("handover"),
  text: z.optional(text(LIMITS.text, "handover text")).check(z.describe("sent to the customer as they are handed over; default settings.handover.text")),
  webhook: z.optional(webhookUrl).check(z.describe("the agent endpoint (https, public host): the handover and every message while handed over go there, signed; default settings.handover.webhook")),
});
export const inputNodeSchema = inputSchema(destinationSchema, reprompt);
export const requestNodeSchema = requestSchema(destinationSchema);
export const conditionNodeSchema = conditionSchema(destinationSchema);
export const dynamicQuestionNodeSchema = dynamicQuestionSchema(destinationSchema, reprompt);

const words = z.array(z.string().check(z.minLength(1), z.maxLength(40))).check(z.minLength(1), z.maxLength(10));

/** An IANA time zone the runtime knows (`Europe/London`); checked by formatting a date in it. */
const timeZoneSchema = z
  .string()
  .check(z.maxLength(64))
  .check(
    z.refine((zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as "Europe/London", "America/New_York" or "UTC"'),
  );

export const settingsSchema = z.strictObject({
  staleTaps: z.optional(z.enum(["reprompt", "rewind"])).check(z.describe("a tap on an earlier question: say the menu moved on and re-ask (reprompt, default), or answer that question again (rewind)")),
  maxAttempts: z.optional(z.int().check(z.gte(1), z.lte(10))).check(z.describe("answers that match nothing before the fallback; default 3")),
  fallback: z.optional(destinationSchema).check(z.describe("where to go after maxAttempts; default: end with texts.giveUp")),
  commands: z
    .optional(z.strictObject({ restart: z.optional(words), back: z.optional(words), stop: z.optional(words), start: z.optional(words), agent: z.optional(words) }))
    .check(z.describe('typed words that act on the conversation; defaults: restart ["menu", "restart"], back ["back"], stop ["stop", "unsubscribe"], start ["start"]')),
  texts: z.optional(
    z.strictObject({
      reprompt: z.optional(text(LIMITS.body, "texts.reprompt")),
      movedOn: z.optional(text(LIMITS.body, "texts.movedOn")),
      giveUp: z.optional(text(LIMITS.text, "texts.giveUp")),
      stopped: z.optional(text(LIMITS.text, "texts.stopped")),
      ended: z.optional(text(LIMITS.text, "texts.ended")).check(z.describe("answer to a tap on a button of a conversation that has ended")),
      notAnAnswer: z
        .optional(text(LIMITS.body, "texts.notAnAnswer"))
        .check(z.describe("sent before the question when the customer sends a picture, a location or anything else that is not an answer; not counted as a failed attempt")),
      timedOut: z.optional(text(LIMITS.text, "texts.timedOut")).check(z.describe("the polite end after the last reminder went unanswered, where reminders name no `timeout`")),
      invalidInput: z.optional(text(LIMITS.body, "texts.invalidInput")).check(z.describe("sent before an input question when the answer does not pass its validate rule")),
      requestFailed: z.optional(text(LIMITS.text, "texts.requestFailed")).check(z.describe("ends the conversation when a request fails and names no failure exit")),
      noBack: z
        .optional(text(LIMITS.body, "texts.noBack"))
        .check(
          z.describe("sent before the question again when the customer goes back and cannot: at the conversation's first question, or where the earlier question's options can no longer be shown"),
        ),
    }),
  ),
  reminders: z.optional(remindersSchema).check(z.describe("reminders for every question that does not set its own: after, times, text, timeout")),
  timezone: z.optional(timeZoneSchema).check(z.describe('the time zone "today" is in for date inputs (min and max "today"); default UTC')),
  handover: z
    .optional(
      z.strictObject({
        webhook: z.optional(webhookUrl).check(z.describe("the agent endpoint for the agent command and handover nodes that name none")),
        idle: z.optional(durationSchema).check(z.describe("a handover with no message either way for this long hands back by itself; default 1h")),
        text: z.optional(text(LIMITS.text, "handover text")).check(z.describe("sent to the customer as they are handed over")),
      }),
    )
    .check(z.describe('hand customers to a person: turns on the "agent" command (settings.commands.agent)')),
});

/** A quick-reply button of an approved template: the text it was approved with, and where a tap on it leads. */
const templateButtonSchema = z.strictObject({
  id: text(LIMITS.templatePayload, "template button id").check(z.describe("sent as the button's payload (custom form); a tap brings it back")),
  text: text(LIMITS.templateButtonText, "template button text").check(z.describe("the button's text exactly as approved; in the template form, WhatsApp sends it back as the payload")),
  next: destinationSchema,
  synonyms: z.optional(synonymList),
});

/**
 * The approved WhatsApp template that opens this menu for a customer outside the 24-hour window (never wrote,
 * or wrote more than 24 hours ago). Approved outside this product, in the WhatsApp manager.
 */
export const templateSchema = z.strictObject({
  name: z
    .string()
    .check(
      z.regex(/^[a-z0-9_]+$/, "template name is the approved template's name: lowercase letters, digits and '_'"),
      z.maxLength(LIMITS.templateName, `template name is at most ${LIMITS.templateName} characters`),
    ),
  language: z.string().check(z.regex(/^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$/, 'template language is the approved translation\'s code, e.g. "en_GB", "en" or "pt_BR"')),
  form: z
    .optional(z.enum(["template", "custom"]))
    .check(
      z.describe(
        'how it is sent: "template" (message_type template, positional text parameters) or "custom" (the WhatsApp template object, quick replies with payloads); default: custom when it has buttons',
      ),
    ),
  parameters: z
    .optional(atMost(z.array(text(LIMITS.templateParameter, "template parameter")), LIMITS.templateParametersMax, (n) => `a template has ${n} parameters; at most ${LIMITS.templateParametersMax}`))
    .check(z.describe("the body's {{1}}, {{2}}, ... in order; placeholders such as {{profile.name}} and {{vars.<name>}} are filled in")),
  buttons: z
    .optional(atMost(z.array(templateButtonSchema), LIMITS.templateButtonsMax, (n) => `a template has ${n} buttons; WhatsApp allows ${LIMITS.templateButtonsMax}`))
    .check(z.describe("its quick-reply buttons, in the approved order")),
  next: z.optional(destinationSchema).check(z.describe("where any other answer to the template leads; default: the start node")),
});

export const variableNameSchema = z.string().check(z.regex(VAR_NAME, `variable names are ${VAR_NAME_RULE}`));

/** A variable a business start may bring (`POST /flows/{menuId}/start` `variables`), for `{{vars.<name>}}`. */
const variableSchema = z.strictObject({
  required: z.optional(z.boolean()).check(z.describe("a start without it is refused")),
  description: z.optional(z.string().check(z.maxLength(200))),
});

export const menuIdSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "menu ids are 1-64 lowercase letters, digits, '_' or '-'"));

const menuFields = {
  $schema: z.optional(z.string()),
  id: menuIdSchema,
  name: z.optional(z.string().check(z.maxLength(200))),
  start: nodeIdSchema,
  settings: z.optional(settingsSchema),
  template: z.optional(templateSchema),
  variables: z
    .optional(
      z
        .record(variableNameSchema, variableSchema)
        .check(z.refine((v) => Object.keys(v).length <= VARS_MAX, { error: (iss) => `a menu declares ${Object.keys(iss.input as object).length} variables; at most ${VARS_MAX}` })),
    )
    .check(z.describe("variables a business start may pass, used as {{vars.<name>}} in texts and template parameters")),
};

/** For the JSON Schema only: the node shapes as a plain union. Validation dispatches instead (better errors). */
export const menuDocumentSchema = z.strictObject({
  ...menuFields,
  nodes: z.record(
    nodeIdSchema,
    z.union([rawQuestionSchema, shorthandQuestionSchema, dynamicQuestionNodeSchema, textNodeSchema, inputNodeSchema, requestNodeSchema, conditionNodeSchema, handoverNodeSchema]),
  ),
});

export type Interactive = z.infer<typeof interactiveSchema>;
export type Destination = z.infer<typeof destinationSchema>;
export type RawQuestion = z.infer<typeof rawQuestionSchema>;
export type ShorthandQuestion = z.infer<typeof shorthandQuestionSchema>;
export type TextNode = z.infer<typeof textNodeSchema>;
export type DynamicQuestion = z.infer<typeof dynamicQuestionNodeSchema>;
export type InputNode = z.infer<typeof inputNodeSchema>;
export type RequestNode = z.infer<typeof requestNodeSchema>;
export type ConditionNode = z.infer<typeof conditionNodeSchema>;
export type Settings = z.infer<typeof settingsSchema>;
export type TemplateDoc = z.infer<typeof templateSchema>;
export type HandoverNode = z.infer<typeof handoverNodeSchema>;
export type RemindersDoc = z.infer<typeof remindersSchema>;
export type MenuNodeDoc = RawQuestion | ShorthandQuestion | DynamicQuestion | TextNode | InputNode | RequestNode | ConditionNode | HandoverNode;
export type MenuDocument = z.infer<typeof menuDocumentSchema>;

/** Picks the node schema by shape, so errors speak about the fields the author wrote. */
function schemaFor(node: object): z.ZodMiniType<MenuNodeDoc> {
  switch ((node as { type?: unknown }).type) {
    case "question": {
      const options = (node as { options?: unknown }).options;
      if (options === undefined || "interactive" in node) return rawQuestionSchema;
      return typeof options === "object" && options !== null && !Array.isArray(options) ? dynamicQuestionNodeSchema : shorthandQuestionSchema;
    }
    case "input":
      return inputNodeSchema;
    case "request":
      return requestNodeSchema;
    case "condition":
      return conditionNodeSchema;
    case "handover":
      return handoverNodeSchema;
    default:
      return textNodeSchema;
  }
}

const NODE_TYPES = ["question", "text", "input", "request", "condition", "handover"];

const nodeSchema = z.pipe(
  z.unknown(),
  z.transform((node, ctx): MenuNodeDoc => {
    if (typeof node !== "object" || node === null || !NODE_TYPES.includes(String((node as { type?: unknown }).type))) {
      ctx.issues.push({ code: "custom", message: 'node.type must be "question", "text", "input", "request", "condition" or "handover"', path: ["type"], input: node });
      return z.NEVER;
    }
    const parsed = schemaFor(node).safeParse(node);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.issues.push({ code: "custom", message: issue.message, path: issue.path as PropertyKey[], input: node });
    return z.NEVER;
  }),
);

/** What validation runs: the same document schema, with per-shape node errors. */
export const menuSchema = z.strictObject({
  ...menuFields,
  nodes: z.record(nodeIdSchema, nodeSchema).check(z.refine((n) => Object.keys(n).length > 0, "a menu needs at least one node")),
});
