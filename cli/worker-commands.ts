/** The commands that put menus on a worker and read them back: push, pull, bind. */
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { checkMenu } from "../src/menus/compile.js";
import { isTemplateFile, templateFileRefusal } from "../sim/template-file.js";
import { CommandError, noMoreThan, UsageError, unwritable, type Command, type Run } from "./command.js";
import { invalidMenu, problemLines, readMenuFile } from "./menu-commands.js";
import { askWorker, callWorker, findWorker, refusal, type WorkerTarget } from "./worker.js";
import type { CliIo } from "./command.js";

/**
 * What `npm start` publishes for `doc` when the target is its own worker (found by the CLI itself): the seeder's
 * local copy, with the placeholder webhooks pointed at the local receiver. Null for any other worker, or when the
 * dev folder does not say where the receiver is (an npm start from before it wrote local-urls.json).
 */
async function npmStartCopy(io: CliIo, target: WorkerTarget, doc: unknown): Promise<{ doc: unknown; receiverUrl: string } | null> {
  if (target.devDir === undefined) return null;
  // Only here: the rest of the CLI does not load npm start's modules.
  const { LOCAL_URLS_FILE, localCopy, parseLocalUrls } = await import("../scripts/dev/local-copy.js");
  const text = await io.readFile(join(target.devDir, LOCAL_URLS_FILE)).catch(() => null);
  const urls = text === null ? null : parseLocalUrls(text);
  if (urls === null || urls.workerUrl.replace(/\/+$/, "") !== target.url) return null;
  return { doc: localCopy(doc, urls), receiverUrl: urls.receiverUrl };
}

const push: Command = {
  name: "push",
  group: "Menus on a worker",
  forms: [["push <file>", "upload a menu as a new version"]],
  details: `Checks the menu as the worker would, then uploads it as that menu's next version (PUT /admin/menus/{id};
the id comes from the file). Customers already in a conversation finish it on the version they started.
To the worker npm start runs (no --url, --token or WA_MENU_URL given), it uploads what npm start publishes for
the file: its placeholder webhooks (example.com and the like) go to npm start's local receiver.`,
  options: ["url", "token"],
  async run({ io, args, flags, print }: Run) {
    const file = args[0];
    if (file === undefined) throw new UsageError("push needs a file");
    if (args.length > 1) throw new UsageError(`push uploads one menu file, not ${args.length}: push each one (for f in ${args.join(" ")}; do npx wa-menu push "$f"; done)`);
    const doc = await readMenuFile(io, file);
    if (isTemplateFile(doc)) {
      throw new CommandError(`${file}: ${templateFileRefusal("push")}`, { file });
    }
    const report = checkMenu(doc);
    if (report.menu === null) throw invalidMenu(file, report);
    const id = report.menu.id;
    const target = await findWorker(io, flags);
    const local = await npmStartCopy(io, target, doc);
    const answer = await callWorker(io, target, "PUT", `/admin/menus/${encodeURIComponent(id)}`, local?.doc ?? doc);
    if (answer.status !== 201) throw refusal(target, `${file}: the menu was not published`, answer);
    const version = Number(answer.json["version"]);
    const changed = local !== null && !isDeepStrictEqual(local.doc, doc);
    const note = changed ? [`${file}: as npm start publishes it: its placeholder webhooks go to the local receiver, ${local.receiverUrl}`] : [];
    print([...problemLines(file, "warning", report.warnings), ...note, `${file}: published "${id}" as version ${version}`], {
      file,
      id,
      version,
      warnings: report.warnings,
      ...(changed ? { localCopy: { receiverUrl: local.receiverUrl } } : {}),
    });
    return 0;
  },
};

const pull: Command = {
  name: "pull",
  group: "Menus on a worker",
  forms: [["pull <id> [--version N] [--out FILE]", "download a menu (the current version unless --version)"]],
  details: `Prints the menu document as it was uploaded, or writes it to FILE.

  --version N    that version instead of the current one
  --out FILE     write the menu to FILE instead of printing it`,
  options: ["version", "out", "url", "token"],
  async run({ io, args, flags, print }: Run) {
    const id = args[0];
    if (id === undefined) throw new UsageError("pull needs a menu id");
    noMoreThan(args, 1, "pull downloads one menu: give its id once (--out FILE writes it to a file)");
    if (flags.version !== undefined && !/^[1-9][0-9]*$/.test(flags.version)) throw new UsageError(`--version ${flags.version}: give a version number (1, 2, ...)`);
    const query = flags.version === undefined ? "" : `?version=${flags.version}`;
    const { target, answer } = await askWorker({ io, flags }, "GET", `/admin/menus/${encodeURIComponent(id)}${query}`);
    if (answer.status !== 200) throw refusal(target, `pull ${id}`, answer);
    const text = `${JSON.stringify(answer.json["menu"], null, 2)}\n`;
    const version = Number(answer.json["version"]);
    if (flags.out === undefined) {
      print(text.trimEnd(), answer.json);
      return 0;
    }
    await io.writeFile(flags.out, text).catch((e: unknown) => {
      throw unwritable(flags.out!, e);
    });
    const { menu: _menu, ...about } = answer.json;
    print(`${id}: version ${version} written to ${flags.out}`, { ...about, written: flags.out });
    return 0;
  },
};

const bind: Command = {
  name: "bind",
  group: "Menus on a worker",
  forms: [["bind <number|default> <id>", "make a business number (or every other number) start a menu"]],
  details: `A customer who writes to that business number with no conversation in progress gets the menu's first
question; "default" is for every number without a binding of its own. The menu must be on the worker already.`,
  options: ["url", "token"],
  async run({ io, args, flags, print }: Run) {
    const [number, id] = args;
    if (number === undefined || id === undefined) throw new UsageError("bind needs a business number (or default) and a menu id");
    noMoreThan(args, 2, "bind takes one number (or default) and one menu id: run it once for each number");
    const { target, answer } = await askWorker({ io, flags }, "PUT", `/admin/bindings/${encodeURIComponent(number)}`, { menuId: id });
    if (answer.status !== 200) throw refusal(target, "bind", answer);
    print(number === "default" ? `numbers without a binding of their own now start menu "${id}"` : `${number} now starts menu "${id}"`, answer.json);
    return 0;
  },
};

export const workerCommands: Command[] = [push, pull, bind];
