/** `wa-menu`: validate, draw, push and pull menus, and look after customers. Pure over its I/O, so tests run it without a shell. */
import { parseArgs } from "node:util";
import { COMMON_OPTIONS_HELP, CommandError, isRepeatable, isSwitch, UsageError, VALUES, WORKER_OPTIONS_HELP, type CliIo, type Command, type Flags, type OptionName } from "./command.js";
import { customerCommands } from "./customer-commands.js";
import { menuCommands } from "./menu-commands.js";
import { workerCommands } from "./worker-commands.js";

export type { CliIo } from "./command.js";

export const COMMANDS: Command[] = [...menuCommands, ...workerCommands, ...customerCommands];

const talksToWorker = (c: Command) => c.options.includes("url");

function overview(): string {
  const width = Math.max(...COMMANDS.flatMap((c) => c.forms.map(([s]) => s.length))) + 2;
  const groups = [...new Set(COMMANDS.map((c) => c.group))].map((group) => {
    const lines = COMMANDS.filter((c) => c.group === group).flatMap((c) => c.forms.map(([s, what]) => `  ${s.padEnd(width)} ${what}`));
    return `${group}:\n${lines.join("\n")}`;
  });
  return `usage: wa-menu <command> [options]

${groups.join("\n\n")}

\`wa-menu <command> --help\` (or \`wa-menu help <command>\`) tells more about one.

Every command takes:
${COMMON_OPTIONS_HELP}

${WORKER_OPTIONS_HELP}

Exit status: 0 done, 1 the command failed (an invalid menu, a worker that refused or did not answer), 2 wrong usage.`;
}

const synopsis = (c: Command) => c.forms.map(([s], i) => `${i === 0 ? "usage:" : "      "} wa-menu ${s}`).join("\n");

/** Forms with names of their own (`session`, `session reset`): each name beside its line; else each line as a sentence. */
function summaryOf(c: Command): string {
  const names = c.forms.map(([s]) => s.split(" <")[0]!);
  if (new Set(names).size < names.length) return c.forms.map(([, line]) => `${line.charAt(0).toUpperCase()}${line.slice(1)}.`).join("\n");
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return c.forms.map(([, line], i) => `  ${names[i]!.padEnd(width)}${line}`).join("\n");
}

function usageOf(c: Command): string {
  const worker = talksToWorker(c) ? `\n\n${WORKER_OPTIONS_HELP}` : "";
  return `${synopsis(c)}\n\n${summaryOf(c)}\n\n${c.details}${worker}\n\nOptions every command takes:\n${COMMON_OPTIONS_HELP}`;
}

/** `node:util` parseArgs with the command's own options; its errors become a UsageError that names the command. */
function parseFor(c: Command, argv: string[]): { args: string[]; flags: Flags; help: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } };
  for (const name of c.options) options[name] = isSwitch(name) ? { type: "boolean" } : { type: "string", ...(isRepeatable(name) ? { multiple: true } : {}) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    // `--help` wins over any other mistake on the line: who asks for help gets it.
    if (argv.includes("--help") || argv.includes("-h")) return { args: [], flags: { json: false }, help: true };
    throw new UsageError(parseProblem(c, e));
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const flags: Flags = { json: v["json"] === true };
  for (const name of c.options) {
    const value = v[name];
    if (isSwitch(name)) flags[name] = value === true;
    else if (isRepeatable(name)) {
      if (Array.isArray(value)) flags[name] = value;
    } else if (typeof value === "string") flags[name] = value;
  }
  return { args: parsed.positionals, flags, help: v["help"] === true };
}

function parseProblem(c: Command, e: unknown): string {
  const code = (e as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(e instanceof Error ? e.message : "")?.[1] ?? "an option";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const known = c.options.map((o) => `--${o}`).concat("--json", "--help");
    return `${c.name} has no option ${option} (it takes ${known.join(", ")})`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = option.replace(/^-+/, "").split("=")[0] as OptionName;
    const value = isSwitch(name) ? undefined : VALUES[name];
    return value !== undefined ? `${option} needs a value: --${name} ${value} or --${name}=${value}` : `${option} takes no value`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Runs one command; answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || (name === "help" && rest.length === 0)) {
    io.out(overview());
    return 0;
  }
  const asked = name === "help" ? rest[0] : name;
  const command = COMMANDS.find((c) => c.name === asked);
  if (command === undefined) {
    io.err(`${asked === undefined ? "wa-menu: no command given" : `wa-menu: unknown command "${asked}"`}\n\n${overview()}`);
    return 2;
  }
  if (name === "help") {
    io.out(usageOf(command));
    return 0;
  }

  let json = rest.includes("--json");
  try {
    const { args, flags, help } = parseFor(command, rest);
    if (help) {
      io.out(usageOf(command));
      return 0;
    }
    json = flags.json;
    const print = (human: string | string[], value: unknown) => io.out(json ? JSON.stringify(value, null, 2) : typeof human === "string" ? human : human.join("\n"));
    return await command.run({ io, args, flags, print });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`wa-menu: ${e.message}\n\n${synopsis(command)}\n(wa-menu ${command.name} --help tells more)`);
      return 2;
    }
    if (e instanceof CommandError) {
      if (json) io.out(JSON.stringify({ ...e.detail, error: e.message }, null, 2));
      else io.err(`wa-menu: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
