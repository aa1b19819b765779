/** What every `wa-menu` command is made of: its usage, its options, how it prints and how it fails. */

export interface CliIo {
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  /** The project folder, which a relative DEV_DIR is taken from (as `npm start` does); default: the current folder. */
  root?: string;
  /** Waits between the calls of a bulk start; default: a timer. Tests pass one that returns at once. */
  sleep?(ms: number): Promise<void>;
}

/** Options a command may take besides `--json` and `--help`. */
export type OptionName = "out" | "version" | "url" | "token" | "clear-opt-out" | "end-handover" | "from" | "to" | "name" | "var" | "request-id" | "file" | "pace-ms";

/** Options that take no value. */
type Switch = "clear-opt-out" | "end-handover";
/** Options that may be given more than once, each time with a value: `--var a=1 --var b=2`. */
type Repeatable = "var";

export const SWITCHES: ReadonlySet<OptionName> = new Set<Switch>(["clear-opt-out", "end-handover"]);
export const REPEATABLE: ReadonlySet<OptionName> = new Set<Repeatable>(["var"]);
export const isSwitch = (name: OptionName): name is Switch => SWITCHES.has(name);
export const isRepeatable = (name: OptionName): name is Repeatable => REPEATABLE.has(name);

/** What each option's value is, as usage messages name it: `--out FILE`. */
export const VALUES: Readonly<Record<Exclude<OptionName, Switch>, string>> = {
  out: "FILE",
  version: "N",
  url: "URL",
  token: "TOKEN",
  from: "NUMBER",
  to: "NUMBER",
  name: "NAME",
  var: "name=value",
  "request-id": "ID",
  file: "FILE",
  "pace-ms": "N",
};

/** The options as a command gets them: a switch is true or false, a repeatable option its values in order. */
export type Flags = { json: boolean } & { [K in Switch]?: boolean } & { [K in Repeatable]?: string[] } & { [K in Exclude<OptionName, Switch | Repeatable>]?: string };

export interface Run {
  io: CliIo;
  /** The positional arguments after the command's name. */
  args: string[];
  flags: Flags;
  /** Prints a result: `json` on stdout under `--json`, else the lines for a person. */
  print(human: string | string[], json: unknown): void;
}

export interface Command {
  name: string;
  /** Where the overview lists it. */
  group: "Menus on this machine" | "Menus on a worker" | "Customers on a worker";
  /** `[synopsis, one line on what it does]`, one per form (`session` and `session reset` are one command). */
  forms: Array<[string, string]>;
  /** What `wa-menu <command> --help` adds under the forms. */
  details: string;
  options: OptionName[];
  run(run: Run): Promise<number>;
}

/** Wrong use of the command line: the message and the command's usage go to stderr; exit 2. */
export class UsageError extends Error {}

/**
 * The command could not do its job (an invalid menu, an unreachable worker, a refusal): exit 1. `detail` is
 * what `--json` adds to `{"error": message}`, e.g. the worker's status.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * Why a file could not be read, and what to do: "no such file: check its name and folder". `help` is a file to
 * name as an example (menus/cafe.json), or what the file must hold where no example file exists (a customers file).
 */
export function unreadable(file: string, e: unknown, help: { example: string } | { holds: string }): CommandError {
  const code = (e as { code?: unknown } | null)?.code;
  const more = "example" in help ? ` (for instance ${help.example})` : `; ${help.holds}`;
  const why =
    code === "ENOENT"
      ? `no such file: check its name and folder${more}`
      : code === "EISDIR"
        ? `is a folder: give a file in it${more}`
        : code === "EACCES" || code === "EPERM"
          ? "cannot read the file: you may not read it (check its permissions)"
          : code === "ERR_NOT_UTF8"
            ? "is not UTF-8 text: save it as UTF-8 (saved as Latin-1 or Windows-1252, its accented letters would reach customers as \u{FFFD})"
            : `cannot read the file (${e instanceof Error ? e.message : String(e)})`;
  return new CommandError(`${file}: ${why}`, { file });
}

/** Why a file could not be written, and what to do. */
export function unwritable(file: string, e: unknown): CommandError {
  const code = (e as { code?: unknown } | null)?.code;
  const folder = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) || "/" : ".";
  const why =
    code === "ENOENT"
      ? `cannot write it: the folder ${folder} does not exist (create it first: mkdir -p ${folder})`
      : code === "EISDIR"
        ? "cannot write it: it is a folder; give a file name"
        : code === "EACCES" || code === "EPERM"
          ? "cannot write it: you may not write there (check the permissions, or give another --out)"
          : `cannot write it (${e instanceof Error ? e.message : String(e)})`;
  return new CommandError(`${file}: ${why}`, { file });
}

/** A command that takes at most `count` positional arguments refuses more instead of ignoring them. */
export function noMoreThan(args: string[], count: number, problem: string): void {
  if (args.length > count)
    throw new UsageError(
      `${problem} (not ${args
        .slice(count)
        .map((a) => `"${a}"`)
        .join(", ")})`,
    );
}

/** "1 node", "2 nodes", "1 delivery", "3 deliveries". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export const WORKER_OPTIONS_HELP = `Finding the worker:
  --url URL      default $WA_MENU_URL, else http://127.0.0.1:$WORKER_PORT, the worker \`npm start\` runs
                 (WORKER_PORT as you gave it to npm start; 8787 when unset)
  --token TOKEN  default $WA_MENU_TOKEN, else $ADMIN_TOKEN, else the adminToken in $DEV_DIR/credentials.json,
                 which \`npm start\` writes (DEV_DIR as you gave it to npm start; .dev when unset)`;

export const COMMON_OPTIONS_HELP = `  --json         machine-readable output on stdout (errors too, as {"error": ...})
  --help, -h     this text`;
