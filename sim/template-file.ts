/**
 * `menus/templates.json` lies beside the menus (npm start's stand-in for the templates Meta approved) but is not
 * one: the tools that take `menus/*.json` say so and pass over it, instead of failing on it as a broken menu.
 */
export const TEMPLATE_FILE_NOTE = "skipped: the approved templates of npm start's simulator, not a menu";

/** A document shaped as that file is: `templates` and no menu's `nodes`. */
export function isTemplateFile(doc: unknown): boolean {
  return typeof doc === "object" && doc !== null && !Array.isArray(doc) && Array.isArray((doc as Record<string, unknown>)["templates"]) && !("nodes" in doc);
}
