/**
 * Runs the README's main-job command, `npm start`, as a user would, on free ports and in a fresh dev folder,
 * and reads the one URL it prints. Stopping it sends Ctrl-C (SIGINT) to its process group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NpmStart {
  url: string;
  devDir: string;
  workerPort: number;
  /** The local webhook receiver's port (RECEIVER_PORT). */
  receiverPort: number;
  /** Everything it printed so far. */
  output(): string;
  /** Ctrl-C, then waits until every process of the group has ended. */
  stop(): Promise<void>;
}

/** A port nothing listens on right now, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `env` adds settings (e.g. MENUS_DIR); the ports and the dev folder are always fresh ones. */
export async function npmStart(cwd: string, options: { timeoutMs: number; env?: Record<string, string> }): Promise<NpmStart> {
  const devDir = await mkdtemp(join(tmpdir(), "wa-menu-dev-"));
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const [workerPort, simulatorPort, receiverPort] = ports as [number, number, number];
  const child: ChildProcess = spawn("npm", ["start"], {
    cwd,
    env: { ...process.env, ...options.env, DEV_DIR: devDir, WORKER_PORT: String(workerPort), SIMULATOR_PORT: String(simulatorPort), RECEIVER_PORT: String(receiverPort) },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own group, so Ctrl-C can be sent to npm, the shell and the script at once, as a terminal does.
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    if (!groupAlive()) return;
    process.kill(-child.pid!, "SIGINT");
    // npm itself dies of the signal at once; the script behind it is what has to stop cleanly.
    for (let waited = 0; groupAlive(); waited += 100) {
      if (waited === 20_000) process.kill(-child.pid!, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await rm(devDir, { recursive: true, force: true });
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL within ${options.timeoutMs / 1000} s:\n${output}`)), options.timeoutMs);
    const look = () => {
      const match = /Open the chat simulator: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${String(code)}) before printing a URL:\n${output}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { url, devDir, workerPort, receiverPort, output: () => output, stop };
}
