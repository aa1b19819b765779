/**
 * Loads `menus/templates.json`, the local stand-in for the templates Meta approved, for the simulator. No file: no
 * approved templates, so every template message is rejected as WhatsApp would; a file with problems stops the
 * start with all of them listed.
 */
import { readFile } from "node:fs/promises";
import { checkTemplates, createTemplateRegistry, type TemplateRegistry } from "../../sim/templates.js";
import { DevError } from "./dev-error.js";

/** The file in `menus/` that holds templates, not a menu. */
export const TEMPLATES_FILE = "templates.json";

export async function readTemplates(path: string): Promise<{ registry: TemplateRegistry; found: boolean }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { registry: createTemplateRegistry([]), found: false };
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (e) {
    throw new DevError(`${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}): fix it, or move it away to start without templates`);
  }
  const checked = checkTemplates(doc);
  if (checked.registry === null) {
    throw new DevError(
      `the templates in ${path} have problems; fix them (or move the file away to start without templates) and start again:\n  ${checked.problems.map((p) => `${p.path}: ${p.message}`).join("\n  ")}`,
    );
  }
  return { registry: checked.registry, found: true };
}
