/** The JSON Schema of the menu format, generated from the zod schema so the two never disagree. */
import * as z from "zod";
import { menuDocumentSchema } from "./schema.js";

export function menuJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(menuDocumentSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    $schema: schema["$schema"],
    title: "wa-menu-worker menu",
    description: "A WhatsApp menu of reply buttons and lists. Generated from src/menus/schema.ts by `npx wa-menu schema`; do not edit.",
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}
