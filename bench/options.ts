/**
 * The benchmark's knobs, from the environment:
 *
 *   BENCH_WEBHOOKS      webhooks measured per row (default 1000)
 *   BENCH_ROUNDS        interleaved rounds they are sent in (4)
 *   BENCH_WARMUP        webhooks per row before measuring (150)
 *   BENCH_CONCURRENCY   deliveries in flight (8)
 *   BENCH_RATE          webhooks started per second in every row, evenly spaced (0: as fast as the lanes go, the default)
 *   BENCH_MENU_NODES    menu sizes, comma-separated (5,1000); the first is the small menu of the other rows
 *   BENCH_CUSTOMERS     customer counts, comma-separated (10,10000)
 *   BENCH_SEED          the workload's random seed (1)
 *   BENCH_MEMORY=0      skips the rows with KV in isolate memory (and the Node.js floor's, which are among them)
 *   BENCH_NODE=0        skips the rows of the floor's logic as a lean Node.js server (node:http + jose)
 *   BENCH_REFERENCE=0   skips the rows of the deploy bundle with Miniflare's KV in the same process
 *   BENCH_FLOW=0        skips the rows of menus with data nodes (requests; a number input and conditions)
 *   BENCH_COLD_SAMPLES  cold starts per worker (5); 0 skips them
 */

export interface BenchOptions {
  /** Webhooks measured per row (after the warm-up). */
  webhooks: number;
  /** The measured webhooks of each row are sent in this many rounds, interleaved with the other rows. */
  rounds: number;
  /** Webhooks sent before measuring: isolate start, JIT, caches, the first parse of a large menu. */
  warmup: number;
  concurrency: number;
  /** Webhooks started per second in every row (0: as fast as the lanes go); the same for all, see `DriveOptions`. */
  rate: number;
  menuSizes: number[];
  customerCounts: number[];
  seed: number;
  /** Also measure the deploy bundle with Miniflare's KV simulator in the same process. */
  reference: boolean;
  /** Also measure with KV in a Map in the worker's own isolate. */
  memory: boolean;
  /** Also measure the floor's logic as a Node.js server, beside the isolate-memory rows. */
  node: boolean;
  /** Also measure the menus with data nodes. */
  flow: boolean;
  coldSamples: number;
}

function int(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, got "${raw}"`);
  return n;
}

function ints(name: string, def: number[], min: number): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return def;
  const list = raw.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < min)) throw new Error(`${name} must be a comma-separated list of whole numbers of at least ${min}, got "${raw}"`);
  return list;
}

export function benchOptions(): BenchOptions {
  return {
    webhooks: int("BENCH_WEBHOOKS", 1000, 10),
    rounds: int("BENCH_ROUNDS", 4, 1),
    warmup: int("BENCH_WARMUP", 150, 0),
    concurrency: int("BENCH_CONCURRENCY", 8, 1),
    rate: int("BENCH_RATE", 0, 0),
    menuSizes: ints("BENCH_MENU_NODES", [5, 1000], 1),
    customerCounts: ints("BENCH_CUSTOMERS", [10, 10_000], 1),
    seed: int("BENCH_SEED", 1, 0),
    reference: process.env["BENCH_REFERENCE"] !== "0",
    memory: process.env["BENCH_MEMORY"] !== "0",
    node: process.env["BENCH_NODE"] !== "0",
    flow: process.env["BENCH_FLOW"] !== "0",
    coldSamples: int("BENCH_COLD_SAMPLES", 5, 0),
  };
}
