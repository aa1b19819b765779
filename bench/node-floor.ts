/**
 * Starts the floor's logic as a lean Node.js server (`bench/node-floor-server.mjs`) in a Node process of its own,
 * the Node that runs the benchmark, with only the floor's settings in its environment (no loader, no
 * `NODE_OPTIONS`): the process whose CPU its rows measure, as the workerd rows measure workerd's.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuMs } from "./cpu.js";

export const NODE_FLOOR_SCRIPT = fileURLToPath(new URL("./node-floor-server.mjs", import.meta.url));

export interface NodeServer {
  pid: number;
  /** The process's CPU from spawn to listening: Node's start-up, the modules' load, the keys' import. */
  readyCpuMs: number;
  /** `subject`: the server's URL. */
  urls: Record<string, string>;
  /** What the server wrote to stderr (an error it answered 500 for), the first 20 lines. */
  problems: string[];
  dispose(): Promise<void>;
}

/** `env`: the floor's settings (`VONAGE_*`), as the workerd floor gets them as bindings. */
export async function startNodeFloor(env: Record<string, string>): Promise<NodeServer> {
  // worker-configuration.d.ts gives ProcessEnv the Worker's required settings; this env is the floor's alone.
  const child = spawn(process.execPath, [NODE_FLOOR_SCRIPT], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  const problems: string[] = [];
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
    const lines = stderr.split("\n");
    stderr = lines.pop()!;
    for (const line of lines) if (problems.length < 20) problems.push(line);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const line = /^(\d+)\n/.exec(out);
      if (line !== null) resolve(Number(line[1]));
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => reject(new Error(`the Node.js floor exited (${signal ?? code}) before it listened: ${[...problems, stderr].join("\n").slice(0, 2000)}`)));
  });
  const pid = child.pid!;
  return {
    pid,
    readyCpuMs: cpuMs(pid),
    urls: { subject: `http://127.0.0.1:${port}` },
    problems,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
