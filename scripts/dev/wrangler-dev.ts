/**
 * Runs the worker under `wrangler dev` (local mode, local KV) as a child process. Its full output goes to a
 * log file; only the worker's own JSON log lines and wrangler's errors reach the terminal, so the one URL
 * `npm start` prints is not lost among wrangler's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { maskDigits } from "../../src/log-mask.js";

export interface WranglerDevOptions {
  cwd: string;
  port: number;
  persistDir: string;
  envFile: string;
  logFile: string;
  /** Lines worth showing in the terminal. */
  onLine: (line: string) => void;
}

export interface WranglerDev {
  child: ChildProcess;
  /** Why it stopped, once it has (else null). */
  exitReason(): string | null;
  exited: Promise<void>;
  stop(): Promise<void>;
  /** Last resort when this process exits without `stop()`: signals the group synchronously. */
  kill(): void;
}

/** The wrangler CLI of this repo's node_modules, run with the Node.js that runs this script (22). */
function wranglerBin(): string {
  const pkg = createRequire(import.meta.url).resolve("wrangler/package.json");
  return join(dirname(pkg), "bin", "wrangler.js");
}

/**
 * Worker log lines are JSON objects; wrangler marks its errors `✘ [ERROR]`. Left out: the worker's warning for a
 * session look-up of a customer with no conversation, which the workbench makes each time it shows such a customer
 * (it says "no session yet"); a terminal full of them would look like trouble. Every line stays in worker.log.
 */
export function worthShowing(line: string): boolean {
  if (line.includes("[ERROR]")) return true;
  if (!line.startsWith("{")) return false;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const noSession = entry["code"] === "ERR_NOT_FOUND" && entry["error"] === "no session for this customer" && String(entry["route"]).startsWith("/admin/sessions/");
    return !noSession;
  } catch {
    return true;
  }
}

/**
 * A line as the log file and the terminal get it. The worker's JSON lines are masked by the worker; wrangler's own
 * (its request log, `GET /admin/sessions/447700900000/447700900101 200 OK`, and the errors it prints) are masked here,
 * so that no full number is written to worker.log either.
 */
export const maskedLine = (line: string): string => (line.startsWith("{") ? line : maskDigits(line));

/** The `wrangler dev` command line: local mode, on 127.0.0.1 only (the worker holds the admin token). */
export function wranglerDevArgs(options: Pick<WranglerDevOptions, "port" | "persistDir" | "envFile">): string[] {
  return [
    wranglerBin(),
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--persist-to",
    options.persistDir,
    // With --env-file, wrangler ignores a .dev.vars the user may keep for their own account.
    "--env-file",
    options.envFile,
    "--show-interactive-dev-session=false",
    // Local mode fires no Cron Trigger; this serves /__scheduled, which runs the timer sweep once when fetched
    // (and keeps wrangler from warning that crons do not fire by themselves).
    "--test-scheduled",
  ];
}

export function startWranglerDev(options: WranglerDevOptions): WranglerDev {
  const log = createWriteStream(options.logFile, { flags: "w" });
  const child = spawn(process.execPath, wranglerDevArgs(options), {
    cwd: options.cwd,
    // No metrics: this machine may be offline, and a local demo should not report anything.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it also stops the workerd it started, and only those.
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on("line", (raw) => {
      const line = maskedLine(raw);
      log.write(`${line}\n`);
      if (worthShowing(line)) options.onLine(line);
    });
  }
  let reason: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      reason = signal === null ? `wrangler dev exited with code ${String(code)}` : `wrangler dev was stopped by ${signal}`;
      log.end();
      resolve();
    });
    child.once("error", (e) => {
      reason = `wrangler dev could not start: ${e.message}`;
      log.end();
      resolve();
    });
  });
  return {
    child,
    exitReason: () => reason,
    exited,
    kill: () => {
      if (reason === null) signalGroup("SIGKILL");
    },
    async stop() {
      if (reason !== null) return;
      signalGroup("SIGTERM");
      // A stuck wrangler is killed, so Ctrl-C always ends `npm start`.
      const timer = setTimeout(() => signalGroup("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
