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
}

/** Options a command may take besides `--json` and `--help`; all of them carry a value. */
export type OptionName = "out" | "version" | "url" | "token" | "clear-opt-out";

/** Options that take no value. */
export const SWITCHES: ReadonlySet<OptionName> = new Set(["clear-opt-out"]);

export interface Flags {
  json: boolean;
  out?: string;
  version?: string;
  url?: string;
  token?: string;
  "clear-opt-out"?: boolean;
}

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
