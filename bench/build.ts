/**
 * Bundles what the benchmark loads into workerd with `wrangler deploy --dry-run`, the same build and
 * settings (wrangler.toml: compatibility date and flags, minify) that a deploy uses: the product exactly as
 * deployed; the product, the floor and the calibration worker with their KV served by the KV host process, and
 * again with their KV in the isolate's own memory; and the KV host.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const run = promisify(execFile);

export interface Bundles {
  /** The product exactly as `wrangler deploy` ships it. */
  product: string;
  /** The product with its KV in the KV host process. */
  productRemoteKv: string;
  floor: string;
  floorRemoteKv: string;
  /** The calibration worker (see `bench/io-worker.ts`), KV in the KV host process. */
  ioRemoteKv: string;
  /** The same three with KV in the isolate's own memory (see `bench/with-memory-kv.ts`). */
  productMemoryKv: string;
  floorMemoryKv: string;
  ioMemoryKv: string;
  kvHost: string;
}

/** Builds one worker bundle as `wrangler deploy` would (the default entry, or `entry`) into `outdir`; its path. */
export async function bundle(root: string, outdir: string, entry?: string): Promise<string> {
  // Resolved from node_modules/.bin, which `npm run` puts first on PATH.
  const args = ["deploy", ...(entry === undefined ? [] : [entry]), "--dry-run", "--outdir", outdir];
  try {
    await run("wrangler", args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new Error(`wrangler ${args.join(" ")} failed:\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }
  const js = (await readdir(outdir)).filter((f) => f.endsWith(".js"));
  if (js.length !== 1) throw new Error(`expected one bundle in ${outdir}, found ${js.join(", ") || "none"}`);
  return path.join(outdir, js[0]!);
}

export async function buildBundles(root: string, outdir: string): Promise<Bundles> {
  const jobs: Array<[keyof Bundles, string | undefined]> = [
    ["product", undefined],
    ["productRemoteKv", "bench/entries/product.ts"],
    ["floor", "bench/floor-worker.ts"],
    ["floorRemoteKv", "bench/entries/floor.ts"],
    ["ioRemoteKv", "bench/entries/io.ts"],
    ["productMemoryKv", "bench/entries/product-memory.ts"],
    ["floorMemoryKv", "bench/entries/floor-memory.ts"],
    ["ioMemoryKv", "bench/entries/io-memory.ts"],
    ["kvHost", "bench/kv-host-worker.ts"],
  ];
  const out: Partial<Bundles> = {};
  // Two at a time: the machine has two cores and each build is mostly CPU.
  for (let i = 0; i < jobs.length; i += 2) {
    await Promise.all(jobs.slice(i, i + 2).map(async ([name, entry]) => (out[name] = await bundle(root, path.join(outdir, name), entry))));
  }
  return out as Bundles;
}

export interface BundleSize {
  bytes: number;
  /** Gzipped at the default level, as `wrangler deploy` reports its upload size. */
  gzipBytes: number;
}

/** A bundle's size raw and gzipped: what a cold isolate fetches and parses. */
export async function bundleSize(file: string): Promise<BundleSize> {
  const bytes = await readFile(file);
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
}
