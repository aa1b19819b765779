/** `wa-menu`: validate, draw, push and pull menus. Pure over its I/O, so tests run it without a shell. */
import { checkMenu } from "../src/menus/compile.js";
import { menuGraph } from "../src/menus/graph.js";
import { menuJsonSchema } from "../src/menus/json-schema.js";

export interface CliIo {
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `usage: wa-menu <command> [options]

  validate <files...>          check menus: every problem with its JSON path; exit 1 on any error
  graph <file>                 the menu as a Mermaid flowchart
  schema [--out FILE]          the JSON Schema of the menu format
  push <file>                  upload a menu as a new version
  pull <id> [--version N] [--out FILE]
                               download a menu (the current version unless --version)
  bind <number|default> <id>   make a business number (or every other number) start a menu

push, pull and bind talk to a worker:
  --url URL      default $WA_MENU_URL, else http://127.0.0.1:8787 (npm start)
  --token TOKEN  default $WA_MENU_TOKEN, else $ADMIN_TOKEN, else .dev/credentials.json (npm start)
`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`${a} needs a value`);
      flags[a.slice(2)] = value;
      i++;
    } else positional.push(a);
  }
  return { positional, flags };
}

async function readJson(io: CliIo, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch {
    throw new UsageError(`${file}: cannot read the file`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${e instanceof Error ? e.message : "parse error"})`);
  }
}

async function credentials(io: CliIo, flags: Record<string, string>): Promise<{ url: string; token: string }> {
  const url = (flags["url"] ?? io.env["WA_MENU_URL"] ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  let token = flags["token"] ?? io.env["WA_MENU_TOKEN"] ?? io.env["ADMIN_TOKEN"];
  if (token === undefined) {
    try {
      token = (JSON.parse(await io.readFile(".dev/credentials.json")) as { adminToken?: string }).adminToken;
    } catch {
      // No local development credentials: say what to pass instead.
    }
  }
  if (!token) throw new UsageError("no admin token: pass --token, set WA_MENU_TOKEN, or run npm start once to create local credentials");
  return { url, token };
}

async function call(io: CliIo, flags: Record<string, string>, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const { url, token } = await credentials(io, flags);
  let res: Response;
  try {
    res = await io.fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new UsageError(`cannot reach ${url}: is the worker running (npm start), or is --url right?`);
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, json };
}

function printProblems(io: CliIo, file: string, kind: "error" | "warning", problems: Array<{ path: string; message: string }>) {
  for (const p of problems) (kind === "error" ? io.err : io.out)(`${file}: ${kind} ${p.path}: ${p.message}`);
}

/** Runs one command; answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    const { positional, flags } = parseArgs(rest);
    switch (command) {
      case "validate": {
        if (positional.length === 0) throw new UsageError("validate needs at least one file");
        let failed = false;
        for (const file of positional) {
          let doc: unknown;
          try {
            doc = await readJson(io, file);
          } catch (e) {
            if (!(e instanceof UsageError)) throw e;
            io.err(`wa-menu: ${e.message}`);
            failed = true;
            continue;
          }
          const report = checkMenu(doc);
          printProblems(io, file, "error", report.errors);
          printProblems(io, file, "warning", report.warnings);
          if (report.menu) io.out(`${file}: ok, menu "${report.menu.id}" with ${Object.keys(report.menu.nodes).length} nodes`);
          else failed = true;
        }
        return failed ? 1 : 0;
      }
      case "graph": {
        const file = positional[0];
        if (file === undefined) throw new UsageError("graph needs a file");
        const report = checkMenu(await readJson(io, file));
        if (report.menu === null) {
          printProblems(io, file, "error", report.errors);
          return 1;
        }
        io.out(menuGraph(report.menu).trimEnd());
        return 0;
      }
      case "schema": {
        const text = `${JSON.stringify(menuJsonSchema(), null, 2)}\n`;
        if (flags["out"]) await io.writeFile(flags["out"], text);
        else io.out(text.trimEnd());
        return 0;
      }
      case "push": {
        const file = positional[0];
        if (file === undefined) throw new UsageError("push needs a file");
        const doc = await readJson(io, file);
        const report = checkMenu(doc);
        if (report.menu === null) {
          printProblems(io, file, "error", report.errors);
          return 1;
        }
        const { status, json } = await call(io, flags, "PUT", `/admin/menus/${report.menu.id}`, doc);
        if (status !== 201) throw new UsageError(`the worker refused the menu (${status}): ${String(json["message"] ?? "")}`);
        printProblems(io, file, "warning", report.warnings);
        io.out(`${file}: published "${report.menu.id}" as version ${String(json["version"])}`);
        return 0;
      }
      case "pull": {
        const id = positional[0];
        if (id === undefined) throw new UsageError("pull needs a menu id");
        const query = flags["version"] ? `?version=${encodeURIComponent(flags["version"])}` : "";
        const { status, json } = await call(io, flags, "GET", `/admin/menus/${encodeURIComponent(id)}${query}`);
        if (status !== 200) throw new UsageError(`${id}: ${String(json["message"] ?? `HTTP ${status}`)}`);
        const text = `${JSON.stringify(json["menu"], null, 2)}\n`;
        if (flags["out"]) {
          await io.writeFile(flags["out"], text);
          io.out(`${id}: version ${String(json["version"])} written to ${flags["out"]}`);
        } else io.out(text.trimEnd());
        return 0;
      }
      case "bind": {
        const [number, id] = positional;
        if (number === undefined || id === undefined) throw new UsageError("bind needs a business number (or default) and a menu id");
        const { status, json } = await call(io, flags, "PUT", `/admin/bindings/${encodeURIComponent(number)}`, { menuId: id });
        if (status !== 200) throw new UsageError(`bind: ${String(json["message"] ?? `HTTP ${status}`)}`);
        io.out(`${number} now starts menu "${id}"`);
        return 0;
      }
      default:
        io.err(USAGE);
        return command === undefined || command === "help" || command === "--help" ? 0 : 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`wa-menu: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
