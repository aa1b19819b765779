/**
 * Starts bundles in workerd through Miniflare's API (no `wrangler dev` proxy in front): each instance is its
 * own workerd process, reached on a direct socket, whose process id the benchmark reads CPU time from.
 */
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { childProcesses, cpuMs } from "./cpu.js";

export interface WorkerdWorker {
  name: string;
  scriptPath: string;
  bindings?: Record<string, string>;
  kvNamespaces?: string[];
}

export interface WorkerdInstance {
  pid: number;
  /** The process's CPU from spawn to ready: workerd's own start-up, Miniflare's services and the scripts' evaluation. */
  readyCpuMs: number;
  /** Direct URL of each worker, by name. */
  urls: Record<string, string>;
  /** Log lines the workers wrote at level error or warn. */
  problems: string[];
  dispose(): Promise<void>;
}

/** compatibility_date and compatibility_flags from wrangler.toml, so the bench runs what a deploy runs. */
export function wranglerCompatibility(tomlPath: string): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(tomlPath, "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (date === undefined) throw new Error(`${tomlPath} has no compatibility_date`);
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  return { compatibilityDate: date, compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) };
}

/** `inspectorPort`: workerd's DevTools protocol on that port (the profiler's way in); none by default. */
export async function startWorkerd(workers: WorkerdWorker[], compat: ReturnType<typeof wranglerCompatibility>, options: { inspectorPort?: number } = {}): Promise<WorkerdInstance> {
  const before = new Set(childProcesses("workerd"));
  const problems: string[] = [];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
      workers: workers.map((w) => ({
        name: w.name,
        modules: true,
        scriptPath: w.scriptPath,
        ...compat,
        bindings: w.bindings ?? {},
        kvNamespaces: w.kvNamespaces ?? [],
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      })),
      // The product logs one line per webhook; keep only the ones that report a problem.
      handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
        if ((level === "error" || level === "warn" || /"level":"(error|warn)"/.test(message)) && problems.length < 20) problems.push(message);
      },
    }),
  );
  await mf.ready;
  const started = childProcesses("workerd").filter((pid) => !before.has(pid));
  if (started.length !== 1) {
    await mf.dispose();
    throw new Error(`expected one new workerd process, found ${started.length}`);
  }
  const readyCpuMs = cpuMs(started[0]!);
  const urls: Record<string, string> = {};
  for (const w of workers) urls[w.name] = (await mf.unsafeGetDirectURL(w.name)).href.replace(/\/$/, "");
  return { pid: started[0]!, readyCpuMs, urls, problems, dispose: () => mf.dispose() };
}
