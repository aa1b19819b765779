/** The zod schema of the menu format: WhatsApp `interactive` objects as WhatsApp takes them, plus routing. */
import { z } from "zod";
import { LIMITS, charLength } from "./limits.js";

/** A non-empty string of at most `max` characters, counted as WhatsApp counts them. */
const text = (max: number, what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .refine((s) => s.trim().length > 0, { message: `${what} must not be empty` })
    .refine((s) => charLength(s) <= max, {
      message: `${what} must be at most ${max} characters (WhatsApp limit)`,
    });

const mediaLink = z.strictObject({ link: z.url({ protocol: /^https$/, error: "link must be an https URL" }) });

const textHeader = z.strictObject({ type: z.literal("text"), text: text(LIMITS.headerText, "header text") });
const mediaHeader = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("image"), image: mediaLink }),
  z.strictObject({ type: z.literal("video"), video: mediaLink }),
  z.strictObject({
    type: z.literal("document"),
    document: z.strictObject({ link: mediaLink.shape.link, filename: z.string().max(240).optional() }),
  }),
]);

const body = z.strictObject({ text: text(LIMITS.body, "body text") });
const footer = z.strictObject({ text: text(LIMITS.footer, "footer text") });

const replyButton = z.strictObject({
  type: z.literal("reply"),
  reply: z.strictObject({
    id: text(LIMITS.buttonId, "button id"),
    title: text(LIMITS.buttonTitle, "button title"),
  }),
});

export const buttonInteractive = z
  .strictObject({
    type: z.literal("button"),
    header: z.union([textHeader, mediaHeader]).optional(),
    body,
    footer: footer.optional(),
    action: z.strictObject({
      buttons: z
        .array(replyButton)
        .min(LIMITS.buttonsMin, `a button message needs at least ${LIMITS.buttonsMin} button`)
        .max(LIMITS.buttonsMax, `a button message takes at most ${LIMITS.buttonsMax} buttons (WhatsApp limit)`),
    }),
  })
  .superRefine((msg, ctx) => {
    const titles = new Map<string, number>();
    const ids = new Map<string, number>();
    msg.action.buttons.forEach((b, i) => {
      const t = b.reply.title.trim().toLowerCase();
      if (titles.has(t)) {
        ctx.addIssue({ code: "custom", path: ["action", "buttons", i, "reply", "title"], message: `button title "${b.reply.title}" is used twice; WhatsApp requires unique titles` });
      }
      titles.set(t, i);
      if (ids.has(b.reply.id)) {
        ctx.addIssue({ code: "custom", path: ["action", "buttons", i, "reply", "id"], message: `button id "${b.reply.id}" is used twice in this message` });
      }
      ids.set(b.reply.id, i);
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
      .discriminatedUnion("type", [textHeader, z.object({ type: z.enum(["image", "video", "document"]) })], {
        error: 'header.type must be "text"',
      })
      .refine((h) => h.type === "text", { message: "a list message takes only a text header (WhatsApp limit)" })
      .optional(),
    body,
    footer: footer.optional(),
    action: z.strictObject({
      button: text(LIMITS.listButton, "list button text"),
      sections: z
        .array(listSection)
        .min(1, "a list message needs at least 1 section")
        .max(LIMITS.sectionsMax, `a list message takes at most ${LIMITS.sectionsMax} sections (WhatsApp limit)`),
    }),
  })
  .superRefine((msg, ctx) => {
    const sections = msg.action.sections;
    const total = sections.reduce((n, s) => n + s.rows.length, 0);
    if (total > LIMITS.rowsTotalMax) {
      ctx.addIssue({ code: "custom", path: ["action", "sections"], message: `a list message takes at most ${LIMITS.rowsTotalMax} rows in all sections together (WhatsApp limit); this one has ${total}` });
    }
    const ids = new Set<string>();
    sections.forEach((s, si) => {
      if (sections.length > 1 && s.title === undefined) {
        ctx.addIssue({ code: "custom", path: ["action", "sections", si, "title"], message: "section title is required when a list has more than one section (WhatsApp rule)" });
      }
      s.rows.forEach((r, ri) => {
        if (ids.has(r.id)) {
          ctx.addIssue({ code: "custom", path: ["action", "sections", si, "rows", ri, "id"], message: `row id "${r.id}" is used twice in this list; WhatsApp requires unique row ids` });
        }
        ids.add(r.id);
      });
    });
  });

export const interactiveSchema = z.discriminatedUnion("type", [buttonInteractive, listInteractive], {
  error: 'interactive.type must be "button" or "list"',
});

const nodeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "node ids are 1-64 letters, digits, '_', '.' or '-'");

/** Where an answer leads: another node's id, or a closing text that ends the conversation. */
export const destinationSchema = z.union([nodeId, z.strictObject({ text: text(LIMITS.text, "closing text") })]);

export const questionNodeSchema = z.strictObject({
  type: z.literal("question"),
  interactive: interactiveSchema,
  /** Reply id -> destination. Every option must have one. */
  next: z.record(z.string(), destinationSchema),
});

export const textNodeSchema = z.strictObject({
  type: z.literal("text"),
  text: text(LIMITS.text, "text"),
  /** Optional node to continue with right after this text; without it the conversation ends here. */
  next: nodeId.optional(),
});

export const nodeSchema = z.discriminatedUnion("type", [questionNodeSchema, textNodeSchema], {
  error: 'node.type must be "question" or "text"',
});

export const menuIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "menu ids are 1-64 lowercase letters, digits, '_' or '-'");

export const menuSchema = z.strictObject({
  $schema: z.string().optional(),
  id: menuIdSchema,
  name: z.string().max(200).optional(),
  start: nodeId,
  nodes: z.record(nodeId, nodeSchema).refine((n) => Object.keys(n).length > 0, "a menu needs at least one node"),
});

export type Interactive = z.infer<typeof interactiveSchema>;
export type ButtonInteractive = z.infer<typeof buttonInteractive>;
export type ListInteractive = z.infer<typeof listInteractive>;
export type Destination = z.infer<typeof destinationSchema>;
export type QuestionNode = z.infer<typeof questionNodeSchema>;
export type TextNode = z.infer<typeof textNodeSchema>;
export type MenuNode = z.infer<typeof nodeSchema>;
export type Menu = z.infer<typeof menuSchema>;
