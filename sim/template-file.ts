/**
 * `menus/templates.json` lies beside the menus (npm start's stand-in for the templates Meta approved) but is not
 * one: the tools that take `menus/*.json` say so and pass over it, instead of failing on it as a broken menu.
 */
export const TEMPLATE_FILE_NOTE = "skipped: the approved templates of npm start's simulator, not a menu";

/** What a command that takes one menu file (push, graph) says of that file: `doing` is what it would have done. */
export const templateFileRefusal = (doing: string) =>
  `the approved templates of npm start's simulator, not a menu: nothing to ${doing} (npm start reads it itself; on WhatsApp, Meta approves templates)`;

/** A document shaped as that file is: `templates` and no menu's `nodes`. */
export function isTemplateFile(doc: unknown): boolean {
  return typeof doc === "object" && doc !== null && !Array.isArray(doc) && Array.isArray((doc as Record<string, unknown>)["templates"]) && !("nodes" in doc);
}
