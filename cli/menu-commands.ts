/** The commands that work on menu files alone, with no worker: validate, graph, schema. */
import type { MenuProblem } from "../src/errors.js";
import { checkMenu, type MenuReport } from "../src/menus/compile.js";
import { menuGraph } from "../src/menus/graph.js";
import { menuJsonSchema } from "../src/menus/json-schema.js";
import { isTemplateFile, TEMPLATE_FILE_NOTE, templateFileRefusal } from "../sim/template-file.js";
import { CommandError, noMoreThan, plural, UsageError, unreadable, unwritable, type CliIo, type Command, type Run } from "./command.js";

/** Reads and parses a menu file; a CommandError names the file and what is wrong with it. */
export async function readMenuFile(io: CliIo, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    throw unreadable(file, e, { example: "menus/cafe.json" });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CommandError(`${file}: not valid JSON (${e instanceof Error ? e.message : "parse error"})`, { file });
  }
}

export const problemLines = (file: string, kind: "error" | "warning", problems: MenuProblem[]) => problems.map((p) => `${file}: ${kind} ${p.path}: ${p.message}`);

/** A menu the worker would refuse: its errors, with paths, as the command's failure. */
export function invalidMenu(file: string, report: MenuReport): CommandError {
  return new CommandError(`${file}: the menu has ${plural(report.errors.length, "error")}:\n${problemLines(file, "error", report.errors).join("\n")}`, {
    file,
    errors: report.errors,
    warnings: report.warnings,
  });
}

type FileResult = { file: string; ok: boolean; menu?: string; nodes?: number; errors: MenuProblem[]; warnings: MenuProblem[]; error?: string; skipped?: string };

async function checkFile(io: CliIo, file: string): Promise<FileResult> {
  let doc: unknown;
  try {
    doc = await readMenuFile(io, file);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    return { file, ok: false, errors: [], warnings: [], error: e.message };
  }
  if (isTemplateFile(doc)) return { file, ok: true, errors: [], warnings: [], skipped: TEMPLATE_FILE_NOTE };
  const report = checkMenu(doc);
  const result: FileResult = { file, ok: report.menu !== null, errors: report.errors, warnings: report.warnings };
  if (report.menu !== null) Object.assign(result, { menu: report.menu.id, nodes: Object.keys(report.menu.nodes).length });
  return result;
}

const validate: Command = {
  name: "validate",
  group: "Menus on this machine",
  forms: [["validate <files...>", "check menus: every problem with its JSON path; exit 1 on any error"]],
  details: `Checks each file as the worker checks an upload: the menu format, WhatsApp's limits and where every
answer leads. Errors (the worker would refuse the menu) go to stderr, warnings and "ok" lines to stdout.`,
  options: [],
  async run({ io, args, flags, print }: Run) {
    if (args.length === 0) throw new UsageError("validate needs at least one file");
    const results = await Promise.all(args.map((file) => checkFile(io, file)));
    const ok = results.every((r) => r.ok);
    if (flags.json) {
      print([], { ok, files: results });
      return ok ? 0 : 1;
    }
    for (const r of results) {
      if (r.error !== undefined) io.err(`wa-menu: ${r.error}`);
      for (const line of problemLines(r.file, "error", r.errors)) io.err(line);
      for (const line of problemLines(r.file, "warning", r.warnings)) io.out(line);
      if (r.skipped !== undefined) io.out(`${r.file}: ${r.skipped}`);
      else if (r.ok) io.out(`${r.file}: ok, menu "${r.menu}" with ${plural(r.nodes ?? 0, "node")}`);
    }
    return ok ? 0 : 1;
  },
};

const graph: Command = {
  name: "graph",
  group: "Menus on this machine",
  forms: [["graph <file>", "the menu as a Mermaid flowchart"]],
  details: "Prints a Mermaid flowchart of the menu: GitHub draws it inside a ```mermaid block of a Markdown file.",
  options: [],
  async run({ io, args, print }: Run) {
    const file = args[0];
    if (file === undefined) throw new UsageError("graph needs a file");
    noMoreThan(args, 1, "graph draws one menu file: run it once for each");
    const doc = await readMenuFile(io, file);
    // As validate and push: the templates file beside the menus is named for what it is, not checked as a broken menu.
    if (isTemplateFile(doc)) throw new CommandError(`${file}: ${templateFileRefusal("draw")}`, { file });
    const report = checkMenu(doc);
    if (report.menu === null) throw invalidMenu(file, report);
    const mermaid = menuGraph(report.menu).trimEnd();
    print(mermaid, { menu: report.menu.id, mermaid });
    return 0;
  },
};

const schema: Command = {
  name: "schema",
  group: "Menus on this machine",
  forms: [["schema [--out FILE]", "the JSON Schema of the menu format"]],
  details: `Prints the JSON Schema that editors use to check and complete menu files (menus/*.json point at
schema/menu.schema.json), or writes it to FILE.

  --out FILE     write it to FILE instead of printing it`,
  options: ["out"],
  async run({ io, args, flags, print }: Run) {
    noMoreThan(args, 0, "schema takes no file: --out FILE writes it to one");
    const json = menuJsonSchema();
    const text = `${JSON.stringify(json, null, 2)}\n`;
    if (flags.out === undefined) {
      print(text.trimEnd(), json);
      return 0;
    }
    await io.writeFile(flags.out, text).catch((e: unknown) => {
      throw unwritable(flags.out!, e);
    });
    print(`wrote the JSON Schema to ${flags.out}`, { written: flags.out });
    return 0;
  },
};

export const menuCommands: Command[] = [validate, graph, schema];
