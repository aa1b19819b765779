/**
 * The business's approved WhatsApp templates, for local use. In production Meta approves each template, by name
 * and language, in the WhatsApp manager; here `menus/templates.json` stands in for that. The file is checked once,
 * when it is loaded, against what Meta would approve: every problem is reported, each with its path.
 */
import { z } from "zod";

/** WhatsApp's limits for a template, as Meta's template guidelines give them. */
export const TEMPLATE_LIMITS = {
  /** Template names: lower-case letters, digits and underscores. */
  name: 512,
  body: 1024,
  /** Quick-reply buttons per template. */
  buttons: 10,
  buttonText: 25,
  /** The payload a quick-reply button returns when tapped. */
  payload: 256,
} as const;

export type TemplateCategory = "utility" | "marketing" | "authentication";

/** One approved template: a body with positional parameters (`{{1}}`..`{{n}}`) and its quick-reply buttons. */
export interface Template {
  name: string;
  /** WhatsApp's language code, e.g. `en` or `en_GB`. */
  language: string;
  category: TemplateCategory;
  body: string;
  buttons: string[];
  /** How many body parameters a message must fill: the highest `{{n}}`. */
  parameters: number;
}

export interface TemplateRegistry {
  readonly templates: readonly Template[];
  /** The template approved under this name in this language. */
  find(name: string, language: string): Template | undefined;
  /** The languages a name is approved in; empty for a name Meta never approved. */
  languagesOf(name: string): string[];
}

/** A problem of the templates file: `path` is like `$.templates[0].buttons[1]`. */
export interface TemplateProblem {
  path: string;
  message: string;
}

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;
const chars = (s: string) => [...s].length;

function placeholdersOf(body: string): number[] {
  return [...body.matchAll(PLACEHOLDER)].map((m) => Number(m[1]));
}

/** A string field, said to be required when it is missing. */
const text = () => z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") });

const templateSchema = z
  .strictObject({
    name: text()
      .min(1, "is required")
      .max(TEMPLATE_LIMITS.name, `must be at most ${TEMPLATE_LIMITS.name} characters`)
      .regex(/^[a-z0-9_]+$/, "may hold only lower-case letters, digits and underscores, as WhatsApp template names do"),
    language: text().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a WhatsApp language code such as "en" or "en_GB"'),
    category: z.enum(["utility", "marketing", "authentication"], { error: "must be utility, marketing or authentication" }),
    body: text()
      .refine((s) => s.trim() !== "", "must not be empty")
      .refine((s) => chars(s) <= TEMPLATE_LIMITS.body, `must be at most ${TEMPLATE_LIMITS.body} characters`),
    buttons: z
      .array(
        text()
          .refine((s) => s.trim() !== "", "must not be empty")
          .refine((s) => chars(s) <= TEMPLATE_LIMITS.buttonText, `must be at most ${TEMPLATE_LIMITS.buttonText} characters`),
      )
      .max(TEMPLATE_LIMITS.buttons, `at most ${TEMPLATE_LIMITS.buttons} quick-reply buttons`)
      .default([]),
  })
  .superRefine((t, ctx) => {
    // Meta approves positional parameters only when they run 1, 2, ... n, and not at either end of the body.
    const used = placeholdersOf(t.body);
    const highest = Math.max(0, ...used);
    for (let n = 1; n <= highest; n++) {
      if (!used.includes(n)) ctx.addIssue({ code: "custom", path: ["body"], message: `uses {{${highest}}} but not {{${n}}}: parameters must run {{1}}, {{2}}, ... without gaps` });
    }
    const trimmed = t.body.trim();
    if (/^\{\{\s*\d+\s*\}\}/.test(trimmed) || /\{\{\s*\d+\s*\}\}$/.test(trimmed)) {
      ctx.addIssue({ code: "custom", path: ["body"], message: "must not start or end with a parameter: Meta does not approve such templates" });
    }
    const seen = new Set<string>();
    for (const [i, b] of t.buttons.entries()) {
      if (seen.has(b)) ctx.addIssue({ code: "custom", path: ["buttons", i], message: `"${b}" is already a button of this template: button texts must be unique` });
      seen.add(b);
    }
  });

const fileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    templates: z.array(templateSchema),
  })
  .superRefine((doc, ctx) => {
    const first = new Map<string, number>();
    for (const [i, t] of doc.templates.entries()) {
      const key = `${t.name}\u0000${t.language}`;
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, i);
      else ctx.addIssue({ code: "custom", path: ["templates", i], message: `"${t.name}" in ${t.language} is already $.templates[${earlier}]: one template per name and language` });
    }
  });

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : `${out}.${String(key)}`), "$");
}

/** The registry of these (already checked) templates. */
export function createTemplateRegistry(templates: ReadonlyArray<Omit<Template, "parameters">>): TemplateRegistry {
  const list: Template[] = templates.map((t) => ({ ...t, buttons: [...t.buttons], parameters: Math.max(0, ...placeholdersOf(t.body)) }));
  return {
    templates: list,
    find: (name, language) => list.find((t) => t.name === name && t.language === language),
    languagesOf: (name) => list.filter((t) => t.name === name).map((t) => t.language),
  };
}

/** Checks a parsed templates file: the registry, or every problem with its path. */
export function checkTemplates(doc: unknown): { registry: TemplateRegistry; problems: [] } | { registry: null; problems: TemplateProblem[] } {
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) return { registry: null, problems: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) };
  return { registry: createTemplateRegistry(parsed.data.templates), problems: [] };
}

/** The body as WhatsApp shows it: `{{n}}` replaced by the n-th parameter (a missing one stays as written). */
export function fillTemplate(body: string, parameters: readonly string[]): string {
  return body.replace(PLACEHOLDER, (whole, n: string) => parameters[Number(n) - 1] ?? whole);
}
