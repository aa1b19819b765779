/** The zod schema of the menu format: WhatsApp `interactive` objects as WhatsApp takes them, the shorthand, routing. */
import * as z from "zod";
import { conditionSchema, dynamicQuestionSchema, inputSchema, requestSchema } from "./flow-schema.js";
import { LIMITS, charLength } from "./limits.js";

/**
 * An array of at most `max` items, reported with the actual count. A refinement, not `.max()`: zod checks a
 * length before the items and then skips them, and a menu's author wants every problem at once.
 */
const atMost = <T extends z.ZodType>(items: z.ZodArray<T>, max: number, message: (n: number) => string) =>
  items.refine((list) => list.length <= max, { error: (iss) => message(Array.isArray(iss.input) ? iss.input.length : max + 1), when: () => true }).meta({ maxItems: max });

/** A non-empty string of at most `max` characters, counted as WhatsApp counts them. */
const text = (max: number, what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .refine((s) => s.trim().length > 0, { message: `${what} must not be empty` })
    .refine((s) => charLength(s) <= max, { error: (iss) => `${what} is ${charLength(String(iss.input))} characters; WhatsApp allows ${max}` })
    .meta({ minLength: 1, maxLength: max });

// A URL parser also takes "https:host/x" and "HTTPS://host/x"; WhatsApp wants the link written https://...
const httpsUrl = (what: string) => z.url({ protocol: /^https$/, error: `${what} must be an https URL`, abort: true }).refine((s) => s.startsWith("https://"), `${what} must be an https URL`);
const mediaLink = z.strictObject({ link: httpsUrl("link") });
/** Checked further when the menu is compiled (`public-url.ts`): https, a public host. */
const webhookUrl = z.string({ error: "webhook must be a URL string" }).max(2048, "webhook must be at most 2048 characters");

const textHeader = z.strictObject({ type: z.literal("text"), text: text(LIMITS.headerText, "header text") });
const mediaHeaders = [
  z.strictObject({ type: z.literal("image"), image: mediaLink }),
  z.strictObject({ type: z.literal("video"), video: mediaLink }),
  z.strictObject({ type: z.literal("document"), document: z.strictObject({ link: httpsUrl("link"), filename: z.string().max(240).optional() }) }),
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
    header: z.discriminatedUnion("type", [textHeader, ...mediaHeaders], { error: 'header.type must be "text", "image", "video" or "document"' }).optional(),
    body,
    footer: footer.optional(),
    action: z.strictObject({
      buttons: atMost(
        z.array(replyButton).min(LIMITS.buttonsMin, `a button message needs at least ${LIMITS.buttonsMin} button`),
        LIMITS.buttonsMax,
        (n) => `a button message has ${n} buttons; WhatsApp allows ${LIMITS.buttonsMax} (use a list for more)`,
      ),
    }),
  })
  .superRefine((msg, ctx) => {
    const titles = new Set<string>();
    const ids = new Set<string>();
    msg.action.buttons.forEach((b, i) => {
      const t = b.reply.title.trim().toLowerCase();
      if (titles.has(t)) ctx.addIssue({ code: "custom", path: ["action", "buttons", i, "reply", "title"], message: `button title "${b.reply.title}" is used twice; WhatsApp requires unique titles` });
      titles.add(t);
      if (ids.has(b.reply.id)) ctx.addIssue({ code: "custom", path: ["action", "buttons", i, "reply", "id"], message: `button id "${b.reply.id}" is used twice in this message` });
      ids.add(b.reply.id);
    });
  });

const listRow = z.strictObject({
  id: text(LIMITS.rowId, "row id"),
  title: text(LIMITS.rowTitle, "row title"),
  description: text(LIMITS.rowDescription, "row description").optional(),
});

const listSection = z.strictObject({
  title: text(LIMITS.sectionTitle, "section title").optional(),
  rows: z.array(listRow).min(1, "a section needs at least 1 row"),
});

export const listInteractive = z
  .strictObject({
    type: z.literal("list"),
    header: z
      .discriminatedUnion("type", [textHeader, z.object({ type: z.enum(["image", "video", "document"]) })], { error: 'header.type must be "text"' })
      .refine((h) => h.type === "text", { message: "a list message takes only a text header (WhatsApp limit)" })
      .optional(),
    body,
    footer: footer.optional(),
    action: z.strictObject({
      button: text(LIMITS.listButton, "list button text"),
      sections: atMost(z.array(listSection).min(1, "a list message needs at least 1 section"), LIMITS.sectionsMax, (n) => `a list message has ${n} sections; WhatsApp allows ${LIMITS.sectionsMax}`),
    }),
  })
  .superRefine((msg, ctx) => {
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
  });

export const interactiveSchema = z.discriminatedUnion("type", [buttonInteractive, listInteractive], { error: 'interactive.type must be "button" or "list"' });

export const nodeIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "node ids are 1-64 letters, digits, '_', '.' or '-'");

/** A closing message: sent, then the conversation ends (and the answers go to `webhook`, if named). */
const closingSchema = z.strictObject({
  text: text(LIMITS.text, "closing text"),
  webhook: webhookUrl.optional().describe("https URL on a public host that receives the customer's answers when the conversation ends here"),
});

/** Where an answer leads: another node's id, or a closing text that ends the conversation. */
export const destinationSchema = z.union([nodeIdSchema, closingSchema]);

/** A duration as people write it: "30s", "10m", "2h", "1d". */
export const durationSchema = z
  .string({ error: 'a duration is a string such as "30s", "10m", "2h" or "1d"' })
  .regex(/^[1-9][0-9]{0,5}(s|m|h|d)$/, 'a duration is a whole number and a unit: "30s", "10m", "2h" or "1d"')
  .describe('"30s", "10m", "2h" or "1d"');

/** The reminders of an unanswered question; every field falls back to the menu's `settings.reminders`. */
export const remindersSchema = z.strictObject({
  after: durationSchema.optional().describe("how long an unanswered question waits before each reminder, and before `timeout` after the last one; default 1h"),
  times: z.int().min(0).max(5).optional().describe("how many reminders at most; default 1"),
  text: z.string().min(1).max(LIMITS.text).optional().describe('the reminder\'s text, or "repeat" to send the question again (its buttons work as the first ones do); default "repeat"'),
  timeout: destinationSchema.optional().describe("where the conversation goes once the last reminder went unanswered (a node, or a closing text); default: end with texts.timedOut"),
});

const synonymList = z.array(z.string().min(1).max(100)).max(20);
const reprompt = text(LIMITS.body, "reprompt").describe("Sent before the question when an answer does not match; overrides the menu's texts.reprompt");

/** A question as WhatsApp takes it, plus where each reply id leads. */
export const rawQuestionSchema = z.strictObject({
  type: z.literal("question"),
  interactive: interactiveSchema,
  next: z.record(z.string(), destinationSchema).describe("reply id -> destination; every button or row needs one"),
  synonyms: z.record(z.string(), synonymList).optional().describe("reply id -> words a customer may type instead of tapping"),
  reprompt: reprompt.optional(),
  reminders: z
    .union([remindersSchema, z.literal(false)])
    .optional()
    .describe("this question's reminders (false: none here); default: settings.reminders"),
});

/** The shorthand: text plus options, rendered as reply buttons when they fit and as a list otherwise. */
export const optionSchema = z.strictObject({
  id: text(LIMITS.rowId, "option id"),
  title: text(LIMITS.rowTitle, "option title"),
  description: text(LIMITS.rowDescription, "option description").optional(),
  next: destinationSchema,
  synonyms: synonymList.optional(),
});

export const shorthandQuestionSchema = z.strictObject({
  type: z.literal("question"),
  text: text(LIMITS.body, "question text"),
  header: text(LIMITS.headerText, "header").optional(),
  footer: text(LIMITS.footer, "footer").optional(),
  button: text(LIMITS.listButton, "list button text").optional().describe('label of the button that opens the list (lists only); default "Choose"'),
  options: atMost(z.array(optionSchema).min(1, "a question needs at least 1 option"), LIMITS.rowsTotalMax, (n) => `a question has ${n} options; WhatsApp lists allow ${LIMITS.rowsTotalMax}`),
  reprompt: reprompt.optional(),
  reminders: z
    .union([remindersSchema, z.literal(false)])
    .optional()
    .describe("this question's reminders (false: none here); default: settings.reminders"),
});

export const textNodeSchema = z.strictObject({
  type: z.literal("text"),
  text: text(LIMITS.text, "text"),
  next: nodeIdSchema.optional().describe("node to continue with right after this text; without it the conversation ends here"),
  webhook: webhookUrl.optional().describe("https URL on a public host that receives the customer's answers when the conversation ends here"),
});

/** Hands the customer to a person (see the README's Handover). */
export const handoverNodeSchema = z.strictObject({
  type: z.literal("handover"),
  text: text(LIMITS.text, "handover text").optional().describe("sent to the customer as they are handed over; default settings.handover.text"),
  webhook: webhookUrl.optional().describe("the agent endpoint (https, public host): the handover and every message while handed over go there, signed; default settings.handover.webhook"),
});
export const inputNodeSchema = inputSchema(destinationSchema, reprompt);
export const requestNodeSchema = requestSchema(destinationSchema);
export const conditionNodeSchema = conditionSchema(destinationSchema);
export const dynamicQuestionNodeSchema = dynamicQuestionSchema(destinationSchema, reprompt);

const words = z.array(z.string().min(1).max(40)).min(1).max(10);

/** An IANA time zone the runtime knows (`Europe/London`); checked by formatting a date in it. */
const timeZoneSchema = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as "Europe/London", "America/New_York" or "UTC"');

export const settingsSchema = z.strictObject({
  staleTaps: z.enum(["reprompt", "rewind"]).optional().describe("a tap on an earlier question: say the menu moved on and re-ask (reprompt, default), or answer that question again (rewind)"),
  maxAttempts: z.int().min(1).max(10).optional().describe("answers that match nothing before the fallback; default 3"),
  fallback: destinationSchema.optional().describe("where to go after maxAttempts; default: end with texts.giveUp"),
  commands: z
    .strictObject({ restart: words.optional(), back: words.optional(), stop: words.optional(), start: words.optional(), agent: words.optional() })
    .optional()
    .describe('typed words that act on the conversation; defaults: restart ["menu", "restart"], back ["back"], stop ["stop", "unsubscribe"], start ["start"]'),
  texts: z
    .strictObject({
      reprompt: text(LIMITS.body, "texts.reprompt").optional(),
      movedOn: text(LIMITS.body, "texts.movedOn").optional(),
      giveUp: text(LIMITS.text, "texts.giveUp").optional(),
      stopped: text(LIMITS.text, "texts.stopped").optional(),
      ended: text(LIMITS.text, "texts.ended").optional().describe("answer to a tap on a button of a conversation that has ended"),
      notAnAnswer: text(LIMITS.body, "texts.notAnAnswer")
        .optional()
        .describe("sent before the question when the customer sends a picture, a location or anything else that is not an answer; not counted as a failed attempt"),
      timedOut: text(LIMITS.text, "texts.timedOut").optional().describe("the polite end after the last reminder went unanswered, where reminders name no `timeout`"),
      invalidInput: text(LIMITS.body, "texts.invalidInput").optional().describe("sent before an input question when the answer does not pass its validate rule"),
      requestFailed: text(LIMITS.text, "texts.requestFailed").optional().describe("ends the conversation when a request fails and names no failure exit"),
    })
    .optional(),
  reminders: remindersSchema.optional().describe("reminders for every question that does not set its own: after, times, text, timeout"),
  timezone: timeZoneSchema.optional().describe('the time zone "today" is in for date inputs (min and max "today"); default UTC'),
  handover: z
    .strictObject({
      webhook: webhookUrl.optional().describe("the agent endpoint for the agent command and handover nodes that name none"),
      idle: durationSchema.optional().describe("a handover with no message either way for this long hands back by itself; default 1h"),
      text: text(LIMITS.text, "handover text").optional().describe("sent to the customer as they are handed over"),
    })
    .optional()
    .describe('hand customers to a person: turns on the "agent" command (settings.commands.agent)'),
});

/** A quick-reply button of an approved template: the text it was approved with, and where a tap on it leads. */
const templateButtonSchema = z.strictObject({
  id: text(LIMITS.templatePayload, "template button id").describe("sent as the button's payload (custom form); a tap brings it back"),
  text: text(LIMITS.templateButtonText, "template button text").describe("the button's text exactly as approved; in the template form, WhatsApp sends it back as the payload"),
  next: destinationSchema,
  synonyms: synonymList.optional(),
});

/**
 * The approved WhatsApp template that opens this menu for a customer outside the 24-hour window (never wrote,
 * or wrote more than 24 hours ago). Approved outside this product, in the WhatsApp manager.
 */
export const templateSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9_]+$/, "template name is the approved template's name: lowercase letters, digits and '_'")
    .max(LIMITS.templateName, `template name is at most ${LIMITS.templateName} characters`),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$/, 'template language is the approved translation\'s code, e.g. "en_GB", "en" or "pt_BR"'),
  form: z
    .enum(["template", "custom"])
    .optional()
    .describe(
      'how it is sent: "template" (message_type template, positional text parameters) or "custom" (the WhatsApp template object, quick replies with payloads); default: custom when it has buttons',
    ),
  parameters: atMost(z.array(text(LIMITS.templateParameter, "template parameter")), LIMITS.templateParametersMax, (n) => `a template has ${n} parameters; at most ${LIMITS.templateParametersMax}`)
    .optional()
    .describe("the body's {{1}}, {{2}}, ... in order; placeholders such as {{profile.name}} and {{vars.<name>}} are filled in"),
  buttons: atMost(z.array(templateButtonSchema), LIMITS.templateButtonsMax, (n) => `a template has ${n} buttons; WhatsApp allows ${LIMITS.templateButtonsMax}`)
    .optional()
    .describe("its quick-reply buttons, in the approved order"),
  next: destinationSchema.optional().describe("where any other answer to the template leads; default: the start node"),
});

export const variableNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, "variable names are 1-32 letters, digits or '_', starting with a letter");

/** A variable a business start may bring (`POST /flows/{menuId}/start` `variables`), for `{{vars.<name>}}`. */
const variableSchema = z.strictObject({
  required: z.boolean().optional().describe("a start without it is refused"),
  description: z.string().max(200).optional(),
});

const VARIABLES_MAX = 20;

export const menuIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "menu ids are 1-64 lowercase letters, digits, '_' or '-'");

const menuFields = {
  $schema: z.string().optional(),
  id: menuIdSchema,
  name: z.string().max(200).optional(),
  start: nodeIdSchema,
  settings: settingsSchema.optional(),
  template: templateSchema.optional(),
  variables: z
    .record(variableNameSchema, variableSchema)
    .refine((v) => Object.keys(v).length <= VARIABLES_MAX, { error: (iss) => `a menu declares ${Object.keys(iss.input as object).length} variables; at most ${VARIABLES_MAX}` })
    .optional()
    .describe("variables a business start may pass, used as {{vars.<name>}} in texts and template parameters"),
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
function schemaFor(node: object): z.ZodType<MenuNodeDoc> {
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

const nodeSchema = z.unknown().transform((node, ctx): MenuNodeDoc => {
  if (typeof node !== "object" || node === null || !NODE_TYPES.includes(String((node as { type?: unknown }).type))) {
    ctx.addIssue({ code: "custom", message: 'node.type must be "question", "text", "input", "request", "condition" or "handover"', path: ["type"] });
    return z.NEVER;
  }
  const parsed = schemaFor(node).safeParse(node);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
  return z.NEVER;
});

/** What validation runs: the same document schema, with per-shape node errors. */
export const menuSchema = z.strictObject({
  ...menuFields,
  nodes: z.record(nodeIdSchema, nodeSchema).refine((n) => Object.keys(n).length > 0, "a menu needs at least one node"),
});
