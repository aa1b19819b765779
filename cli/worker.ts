/**
 * Where the worker is and how to call its admin API: `--url` and `--token` first, then the environment, then
 * what `npm start` uses (WORKER_PORT, and the admin token it wrote to DEV_DIR), so a local worker needs no flags.
 */
import { isAbsolute, join } from "node:path";
import { CommandError, UsageError, type CliIo, type Flags } from "./command.js";

export interface WorkerTarget {
  url: string;
  token: string;
  /** Where the URL came from, for error messages: "--url", "WA_MENU_URL" or "npm start". */
  urlFrom: string;
  tokenFrom: string;
  /** npm start's dev folder, when the URL and the token both came from npm start (no --url, --token or environment). */
  devDir?: string;
}

export interface WorkerAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** The port `npm start` runs the worker on: WORKER_PORT, checked as `npm start` checks it. */
function localPort(env: CliIo["env"]): number {
  const raw = env["WORKER_PORT"];
  if (raw === undefined || raw === "") return 8787;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new UsageError(`WORKER_PORT=${raw} is not a port number: use the port npm start runs the worker on (1024 to 65535), or pass --url`);
  }
  return port;
}

async function devToken(io: CliIo): Promise<{ token: string | undefined; file: string; dir: string }> {
  const given = io.env["DEV_DIR"] || ".dev";
  const dir = isAbsolute(given) || io.root === undefined ? given : join(io.root, given);
  const file = join(dir, "credentials.json");
  try {
    const token = (JSON.parse(await io.readFile(file)) as { adminToken?: unknown }).adminToken;
    return { token: typeof token === "string" ? token : undefined, file, dir };
  } catch {
    return { token: undefined, file, dir }; // no local credentials: the error below says what to pass instead
  }
}

/** Numbers as the worker stores them: digits, country code first; "+44..." is taken too. */
export const digits = (number: string) => number.trim().replace(/^\+/, "");
export const plus = (number: string) => `+${digits(number)}`;
/** Hono's own 404 (an old worker, a wrong --url path) is not the route's "no session". */
export const routeMissing = (answer: WorkerAnswer) => String(answer.json["message"] ?? "").startsWith("no route for");

export async function findWorker(io: CliIo, flags: Flags): Promise<WorkerTarget> {
  const given = flags.url ?? io.env["WA_MENU_URL"];
  const urlFrom = flags.url !== undefined ? "--url" : given !== undefined ? "WA_MENU_URL" : "npm start";
  const url = (given ?? `http://127.0.0.1:${localPort(io.env)}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`${urlFrom} is not an http(s) URL: give the worker's address, e.g. https://wa-menu.example.workers.dev`);

  const named = (
    [
      ["--token", flags.token],
      ["WA_MENU_TOKEN", io.env["WA_MENU_TOKEN"]],
      ["ADMIN_TOKEN", io.env["ADMIN_TOKEN"]],
    ] as const
  ).find(([, v]) => v !== undefined && v !== "");
  if (named !== undefined) return { url, urlFrom, token: named[1]!, tokenFrom: named[0] };
  const local = await devToken(io);
  if (local.token === undefined) {
    throw new UsageError(`no admin token: pass --token or set WA_MENU_TOKEN (a deployed worker's ADMIN_TOKEN), or run npm start once, which writes ${local.file}`);
  }
  return { url, urlFrom, token: local.token, tokenFrom: local.file, ...(urlFrom === "npm start" ? { devDir: local.dir } : {}) };
}

/** One admin API call; an unreachable worker is a CommandError that says what to check. */
export async function callWorker(io: CliIo, target: WorkerTarget, method: string, path: string, body?: unknown): Promise<WorkerAnswer> {
  let res: Response;
  try {
    res = await io.fetch(`${target.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    const check =
      target.urlFrom === "npm start"
        ? "is npm start running? If it runs the worker on another port, set WORKER_PORT to that port, or pass --url"
        : `is the worker running, and is ${target.urlFrom} right?`;
    throw new CommandError(`cannot reach ${target.url}: ${check}`, { url: target.url });
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, json };
}

/**
 * The worker's refusal as a sentence (its own `message` where it gave one), with the status for `--json`; a `hint`
 * (what to do next) follows on a line of its own.
 */
export function refusal(target: WorkerTarget, what: string, answer: WorkerAnswer, hint?: string): CommandError {
  const { error: code, message, ...more } = answer.json;
  const said = typeof message === "string" ? message : `HTTP ${answer.status}, without the worker's JSON: ${notTheWorker(target)}`;
  const token = answer.status === 401 ? ` (the token came from ${target.tokenFrom})` : "";
  const path = pathOf(target.url);
  // The worker's own "no route" when the URL carries a path: its routes are at the root of its address.
  const rooted = routeMissing(answer) && path !== "" ? `\nThe worker's routes are at the root of its address: drop ${path} from ${target.urlFrom}.` : "";
  const next = `${rooted}${noAdminApi(answer) ? `\n${NO_ADMIN_TOKEN}` : ""}${hint === undefined ? "" : `\n${hint}`}`;
  // `--json` gets the worker's code and extra fields (a refused menu's `problems`) beside the sentence.
  return new CommandError(`${what}: the worker answered ${answer.status}: ${said}${token}${next}`, {
    status: answer.status,
    ...(typeof code === "string" ? { code } : {}),
    ...more,
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * A worker without ADMIN_TOKEN answers every admin route (and /flows) 404 "not found", with no route named: its
 * admin API is off. A wrong path on a worker with the token gets Hono's "no route for ..." instead (routeMissing).
 */
const noAdminApi = (answer: WorkerAnswer) => answer.status === 404 && answer.json["error"] === "ERR_NOT_FOUND" && answer.json["message"] === "not found";

const NO_ADMIN_TOKEN =
  "A worker without ADMIN_TOKEN has no admin API (it answers its routes 404). Set one on the worker: npx wrangler secret put ADMIN_TOKEN (on Deno, ADMIN_TOKEN in its environment), then give the CLI the same value with --token or WA_MENU_TOKEN.";

/** The path of a URL the CLI was given ("" for none), e.g. "/admin". */
const pathOf = (url: string) => {
  try {
    return new URL(url).pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
};

/** What to check when something other than the worker answered at the URL. */
function notTheWorker(target: WorkerTarget): string {
  const local = /^http:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(target.url);
  const npmStart = local ? " (npm start runs the worker on WORKER_PORT, 8787 unless set; its SIMULATOR_PORT, 8788, is the chat simulator and its RECEIVER_PORT, 8789, the webhook receiver)" : "";
  return `is ${target.url} the worker? Check ${target.urlFrom === "npm start" ? "WORKER_PORT" : target.urlFrom}${npmStart}`;
}

/** The worker's JSON with a command's call, for commands that print nothing else. */
export async function askWorker(run: { io: CliIo; flags: Flags }, method: string, path: string, body?: unknown): Promise<{ target: WorkerTarget; answer: WorkerAnswer }> {
  const target = await findWorker(run.io, run.flags);
  return { target, answer: await callWorker(run.io, target, method, path, body) };
}
