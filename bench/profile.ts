/**
 * `npm run bench:profile`: a CPU profile of the product's isolate in workerd, taken the way the benchmark runs it
 * (KV in isolate memory, the fake Messages API on a loopback port, signed webhooks of the benchmark's workload,
 * every answer checked), through workerd's DevTools protocol. Writes `bench-results/product.cpuprofile` (open it in
 * a browser's DevTools, Performance tab) and prints the functions with the most self time. Sampling slows the
 * isolate down, so its times are shares, not the benchmark's figures.
 *
 *   BENCH_PROFILE_WEBHOOKS  webhooks profiled (default 2000), after 300 to warm up
 *   BENCH_PROFILE_COLD=N    instead, the very first webhook of N fresh isolates (1 if N is not a number), sampled
 *                           every 10 µs (in practice about every 85) and summed: where a cold isolate's first
 *                           webhook spends what the warm ones do not (V8's first compiles among it); one isolate
 *                           gives about 70 samples, too few to rank small parts
 *   VONAGE_JWT_TTL_SECONDS  as the product reads it (default 900: the token reused)
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./build.js";
import { MEMORY_PRODUCT_ENTRY, memoryProducts } from "./memory-product.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "bench-results");
const INSPECTOR_PORT = 9329;
/** The most one sample may count for (µs): asked for every 10-50 µs, a busy isolate is sampled about every 100. */
const MAX_SAMPLE_US = 250;
const coldIsolates = Math.max(0, Math.floor(Number(process.env["BENCH_PROFILE_COLD"] ?? 0)) || (process.env["BENCH_PROFILE_COLD"] ? 1 : 0));
const cold = coldIsolates > 0;
const webhooks = cold ? 1 : Number(process.env["BENCH_PROFILE_WEBHOOKS"] ?? 2000);

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** A minimal DevTools protocol client over the inspector's WebSocket. */
async function devtools(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return {
    call: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        waiting.set(id, resolve as (result: unknown) => void);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Self time by function, as a share of the busy samples of every profile, with the bundle's source at each function. */
function report(profiles: Profile[], source: string[]): string {
  const byName = new Map<string, number>();
  for (const profile of profiles) {
    const self = new Map<number, number>();
    // A sample after a wait (the claim's settle time, a subrequest) carries the whole wait as its delta: capped, so the
    // figures are the isolate's busy time, not where it was when it went idle.
    for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + Math.min(profile.timeDeltas[i] ?? 0, MAX_SAMPLE_US));
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber, columnNumber } = node.callFrame;
      if (functionName === "(idle)") continue;
      const where = url.endsWith(".js") ? ` ${JSON.stringify((source[lineNumber] ?? "").slice(columnNumber, columnNumber + 70))}` : "";
      const key = `${functionName || "(anonymous)"}${where}`;
      byName.set(key, (byName.get(key) ?? 0) + (self.get(node.id) ?? 0));
    }
  }
  const busy = [...byName.values()].reduce((a, b) => a + b, 0);
  const perProfileMs = busy / profiles.length / 1000;
  return [
    `${profiles.length} profile(s), ${perProfileMs.toFixed(2)} ms of busy samples each (the profiler slows the isolate down)\n`,
    ...[...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([name, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${name}`),
  ].join("\n");
}

/** One profile of `webhooks` webhooks on a fresh workerd running `script` (after 300 to warm up, unless cold). */
async function profileOnce(script: string): Promise<Profile> {
  const { products, close } = await memoryProducts(root, [script], { inspectorPort: INSPECTOR_PORT });
  try {
    const product = products[0]!;
    if (!cold) await product.drive(300);
    const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()) as Array<{ title: string; webSocketDebuggerUrl: string }>;
    const target = targets.find((t) => t.title.includes("subject"));
    if (target === undefined) throw new Error(`no inspector target for the worker among: ${targets.map((t) => t.title).join(", ")}`);
    const inspector = await devtools(target.webSocketDebuggerUrl);
    await inspector.call("Profiler.enable");
    await inspector.call("Profiler.setSamplingInterval", { interval: cold ? 10 : 50 });
    await inspector.call("Profiler.start");
    await product.drive(webhooks);
    const { profile } = await inspector.call<{ profile: Profile }>("Profiler.stop");
    inspector.close();
    return profile;
  } finally {
    await close();
  }
}

async function main() {
  const script = await bundle(root, path.join(outdir, "profile-build"), MEMORY_PRODUCT_ENTRY);
  const profiles: Profile[] = [];
  for (let i = 0; i < Math.max(1, coldIsolates); i++) profiles.push(await profileOnce(script));
  await mkdir(outdir, { recursive: true });
  // The last one: a browser's DevTools opens one profile.
  await writeFile(path.join(outdir, "product.cpuprofile"), JSON.stringify(profiles.at(-1)));
  console.log(`${webhooks} webhook(s) profiled per isolate; bench-results/product.cpuprofile (the last). Self time, share of the busy samples:\n`);
  console.log(report(profiles, (await readFile(script, "utf8")).split("\n")));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
