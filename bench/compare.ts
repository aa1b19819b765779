/**
 * `npm run bench:compare`: the product as committed at `BENCH_BASE` (default HEAD) against the working tree, both
 * with KV in isolate memory, in interleaved windows on the same workload with every answer checked: whether a change
 * moves the CPU per webhook beyond this machine's noise. Prints each window's figures and the ratio of the totals.
 *
 *   BENCH_BASE              the git revision to compare with (HEAD)
 *   BENCH_COMPARE_WEBHOOKS  webhooks per window (500), BENCH_COMPARE_ROUNDS windows per side (8)
 *   BENCH_COMPARE_COLD      N: instead, N cold starts per side, alternating: each a fresh workerd whose very first
 *                           webhook's CPU is the figure (the keys' import, the app's creation, V8's first compile
 *                           of the path), and each side's start-up CPU (spawn to ready); the rest of the output
 *                           is the same
 *   VONAGE_JWT_TTL_SECONDS  as the product reads it (900: the token reused)
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./build.js";
import { cpuMs } from "./cpu.js";
import { MEMORY_PRODUCT_ENTRY, memoryProducts, type ProductScript } from "./memory-product.js";
import { wranglerCompatibility } from "./workerd.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const base = process.env["BENCH_BASE"] ?? "HEAD";
const perWindow = Number(process.env["BENCH_COMPARE_WEBHOOKS"] ?? 500);
const rounds = Number(process.env["BENCH_COMPARE_ROUNDS"] ?? 8);
const coldSamples = Number(process.env["BENCH_COMPARE_COLD"] ?? 0);

/**
 * The product-with-memory-KV bundle of `revision`, built in a temporary worktree with this checkout's node_modules,
 * and the compatibility settings of that revision's wrangler.toml: a side runs as it would deploy.
 */
async function bundleAt(revision: string, outdir: string): Promise<ProductScript> {
  const tree = await mkdtemp(path.join(tmpdir(), "wa-menu-base-"));
  execFileSync("git", ["worktree", "add", "--detach", tree, revision], { cwd: root, stdio: "ignore" });
  try {
    await symlink(path.join(root, "node_modules"), path.join(tree, "node_modules"));
    return { path: await bundle(tree, outdir, MEMORY_PRODUCT_ENTRY), compat: wranglerCompatibility(path.join(tree, "wrangler.toml")) };
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: root, stdio: "ignore" });
    await rm(tree, { recursive: true, force: true });
  }
}

interface Side {
  name: string;
  cpu: number;
  webhooks: number;
  windows: number[];
  /** Cold mode: each workerd's CPU from spawn to ready (its bundle's evaluation and start-up work among it). */
  startups: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(sides: Side[], what: string) {
  for (const side of sides) console.log(`${side.name.padEnd(5)} ${(side.cpu / side.webhooks).toFixed(3)} ms/webhook; ${what} ${side.windows.map((w) => w.toFixed(2)).join(" ")}`);
  const [a, b] = sides as [Side, Side];
  const wins = a.windows.filter((w, i) => b.windows[i]! < w).length;
  console.log(`working tree / ${base}: ${(b.cpu / b.webhooks / (a.cpu / a.webhooks)).toFixed(3)}x; the working tree was cheaper in ${wins} of ${a.windows.length} ${what}`);
  if (a.startups.length > 0) {
    console.log(`start-up CPU from spawn to ready, median (max): ${sides.map((side) => `${side.name} ${median(side.startups).toFixed(1)} (${Math.max(...side.startups).toFixed(1)}) ms`).join(", ")}`);
  }
}

/** Each sample a fresh workerd per side (in alternating order), measured over its first webhook only. */
async function compareCold(scripts: ProductScript[]) {
  const sides: Side[] = scripts.map((_, i) => ({ name: i === 0 ? "base" : "work", cpu: 0, webhooks: 0, windows: [], startups: [] }));
  for (let i = 0; i < coldSamples; i++) {
    for (const s of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const { products, close } = await memoryProducts(root, [scripts[s]!]);
      try {
        const product = products[0]!;
        const before = cpuMs(product.subject.pid);
        const run = await product.drive(1);
        const used = cpuMs(product.subject.pid) - before;
        const side = sides[s]!;
        side.cpu += used;
        side.webhooks += run.latenciesMs.length;
        side.windows.push(used / run.latenciesMs.length);
        side.startups.push(product.subject.readyCpuMs);
      } finally {
        await close();
      }
    }
  }
  report(sides, "first webhooks");
}

async function main() {
  // Under the project: workerd refuses (an opaque internal error) a script outside it.
  const out = path.join(root, "bench-results", "compare-build");
  const work = { path: await bundle(root, path.join(out, "work"), MEMORY_PRODUCT_ENTRY), compat: wranglerCompatibility(path.join(root, "wrangler.toml")) };
  const scripts = [await bundleAt(base, path.join(out, "base")), work];
  if (coldSamples > 0) return compareCold(scripts);
  const { products, close } = await memoryProducts(root, scripts);
  const sides = products.map((product, i) => ({ name: i === 0 ? "base" : "work", product, cpu: 0, webhooks: 0, windows: [] as number[], startups: [] as number[] }));
  try {
    for (const side of sides) await side.product.drive(200);
    for (let round = 0; round < rounds; round++) {
      // Alternating which side goes first, so a trend in the machine's load favours neither.
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const before = cpuMs(side.product.subject.pid);
        const run = await side.product.drive(perWindow);
        const used = cpuMs(side.product.subject.pid) - before;
        side.cpu += used;
        side.webhooks += run.latenciesMs.length;
        side.windows.push(used / run.latenciesMs.length);
      }
    }
    report(sides, "windows");
  } finally {
    await close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
