/**
 * The JSON Schema of the menu format, generated from the zod schema so the two never disagree. For the CLI only
 * (`wa-menu schema`): zod's JSON-Schema generator stays out of the worker's bundle (`test/node/bundle.test.ts`).
 */
import { toJSONSchema } from "zod/mini";
import { menuDocumentSchema } from "./schema.js";

export function menuJsonSchema(): Record<string, unknown> {
  const schema = toJSONSchema(menuDocumentSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    $schema: schema["$schema"],
    title: "wa-menu-worker menu",
    description: "A WhatsApp menu of reply buttons and lists. Generated from src/menus/schema.ts by `npx wa-menu schema`; do not edit.",
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}
