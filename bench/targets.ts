/**
 * Issue 15's targets, decided from one run's rows (ratios from one interleaved run, never a timed test): which
 * hold, with the figures that decide each.
 */
import type { BundleSize } from "./build.js";
import { describeRow, floorOf, median, netCpu, type ColdFigures, type RowResult } from "./report.js";

export interface TargetCheck {
  target: string;
  /** null when this run did not measure what decides it. */
  holds: boolean | null;
  detail: string;
}

/** "Far inside" the free plan's 10 ms of CPU per request, read here as at most half of it, in every sample. */
const COLD_FIRST_WEBHOOK_MAX_MS = 5;

const x = (n: number) => `${n.toFixed(2)}x`;

/** The largest `ratio` over `rows`, with the row it came from; null when no row has one. */
function worst(rows: RowResult[], ratio: (r: RowResult) => number | null): { value: number; row: RowResult; over: (limit: number) => number } | null {
  const rated = rows.flatMap((row) => {
    const value = ratio(row);
    return value === null || !Number.isFinite(value) ? [] : [{ row, value }];
  });
  if (rated.length === 0) return null;
  const top = rated.reduce((a, b) => (b.value > a.value ? b : a));
  return { ...top, over: (limit) => rated.filter((r) => r.value > limit).length };
}

/** Holds when `ratio` is at most `limit` in every row; a row without a ratio (a floor net of 0 or less) does not count as holding. */
function ratioTarget(target: string, limit: number, rows: RowResult[], ratio: (r: RowResult) => number | null, what: string): TargetCheck {
  const w = worst(rows, ratio);
  if (w === null) return { target, holds: null, detail: `no ${what} in this run` };
  const unrated = rows.filter((r) => ratio(r) === null).length;
  const without = unrated === 0 ? "" : `; ${unrated} rows without a ratio (the floor's net is 0 or less)`;
  return { target, holds: w.value <= limit && unrated === 0, detail: `worst ${x(w.value)}, ${describeRow(w.row)}; ${w.over(limit)} of ${rows.length} rows above ${x(limit)}${without}` };
}

export function checkTargets(rows: RowResult[], productBundle: BundleSize, cold: ColdFigures[]): TargetCheck[] {
  const products = rows.filter((r) => r.worker === "product");
  const net = (r: RowResult) => {
    const floor = floorOf(rows, r.kv, r.token);
    const own = netCpu(rows, r);
    const floorNet = floor === undefined ? null : netCpu(rows, floor);
    return own === null || floorNet === null || floorNet <= 0 ? null : own / floorNet;
  };
  const freshFloor = floorOf(rows, "memory", "fresh");
  const reusedInMemory = products.filter((r) => r.kv === "memory" && r.token === "reused");
  const flat = products.filter((r) => r.kv === "host" && r.token === "reused" && r.variant === undefined);
  const flatNets = flat.map((r) => netCpu(rows, r)).filter((n): n is number => n !== null && n > 0);
  // The same comparison with KV in isolate memory, where no KV subrequest's calibration enters the figure.
  const inMemory = reusedInMemory.filter((r) => r.variant === undefined).map((r) => r.cpuMsPerWebhook);
  const memorySpread = inMemory.length < 2 ? "" : `; with KV in isolate memory ${inMemory.length} rows, CPU ${x(Math.max(...inMemory) / Math.min(...inMemory))}`;
  const firstWebhook = cold.find((c) => c.worker === "product")?.firstWebhookMs ?? [];
  const gzipKiB = productBundle.gzipBytes / 1024;
  return [
    ratioTarget(
      "product net CPU at most 1.15x the floor's net, in every product row",
      1.15,
      products.filter((r) => netCpu(rows, r) !== null),
      net,
      "product row with a net figure",
    ),
    ratioTarget(
      "with token reuse, product CPU at most 0.5x the fresh-signing floor's (KV in isolate memory)",
      0.5,
      reusedInMemory,
      (r) => (freshFloor === undefined ? null : r.cpuMsPerWebhook / freshFloor.cpuMsPerWebhook),
      "isolate-memory product row with token reuse",
    ),
    flatNets.length < 2
      ? { target: "flat within 1.1x from 5 to 1000 nodes and 10 to 10 000 customers", holds: null, detail: "fewer than two reused own-process rows" }
      : {
          target: "flat within 1.1x from 5 to 1000 nodes and 10 to 10 000 customers",
          holds: Math.max(...flatNets) / Math.min(...flatNets) <= 1.1,
          detail: `net CPU ${Math.min(...flatNets).toFixed(3)}-${Math.max(...flatNets).toFixed(3)} ms over ${flatNets.length} reused own-process rows: ${x(Math.max(...flatNets) / Math.min(...flatNets))}${memorySpread}`,
        },
    { target: "bundle at most 100 KiB gzipped", holds: gzipKiB <= 100, detail: `${gzipKiB.toFixed(1)} KiB gzipped` },
    firstWebhook.length === 0
      ? { target: "a cold isolate's first webhook far inside 10 ms of CPU", holds: null, detail: "no cold start measured (BENCH_COLD_SAMPLES=0)" }
      : {
          target: `a cold isolate's first webhook far inside 10 ms of CPU (read as at most ${COLD_FIRST_WEBHOOK_MAX_MS} ms in every sample)`,
          holds: Math.max(...firstWebhook) <= COLD_FIRST_WEBHOOK_MAX_MS,
          detail: `median ${median(firstWebhook).toFixed(2)} ms, max ${Math.max(...firstWebhook).toFixed(2)} ms over ${firstWebhook.length} samples`,
        },
  ];
}

export function formatTargets(checks: TargetCheck[]): string {
  const verdict = (h: boolean | null) => (h === null ? "not measured" : h ? "holds" : "does not hold");
  return ["Issue 15's targets in this run:", ...checks.map((c) => `- ${verdict(c.holds)}: ${c.target}: ${c.detail}`)].join("\n");
}

/**
 * Not one of issue 15's targets, for information: the product with token reuse and KV in isolate memory beside the
 * floor's logic as a lean Node.js server (node:http + jose, its KV a Map in its process), both token modes, and that
 * server beside the workerd floor. "" when the run has no Node.js floor rows (BENCH_NODE=0, BENCH_MEMORY=0).
 */
export function formatNodeComparison(rows: RowResult[]): string {
  const node = (token: "fresh" | "reused") => rows.find((r) => r.worker === "node-floor" && r.token === token);
  const fresh = node("fresh");
  const reused = node("reused");
  if (fresh === undefined && reused === undefined) return "";
  const ms = (r: RowResult) => `${r.cpuMsPerWebhook.toFixed(3)} ms`;
  const against = (r: RowResult, floor: RowResult | undefined, what: string) => (floor === undefined ? [] : [`${x(r.cpuMsPerWebhook / floor.cpuMsPerWebhook)} ${what} (${ms(floor)})`]);
  const lines = rows
    .filter((r) => r.worker === "product" && r.kv === "memory" && r.token === "reused" && r.variant === undefined)
    .map(
      (r) =>
        `- ${describeRow(r)}: ${ms(r)} of CPU per webhook, ${[...against(r, fresh, "the Node.js floor signing per message"), ...against(r, reused, "the Node.js floor reusing its token")].join(", ")}`,
    );
  for (const r of [fresh, reused]) {
    if (r === undefined) continue;
    const floor = floorOf(rows, "memory", r.token);
    lines.push(
      `- ${describeRow(r)}: ${ms(r)}, ${floor === undefined ? "no workerd floor in this run" : `${x(r.cpuMsPerWebhook / floor.cpuMsPerWebhook)} the workerd floor with the same token mode (${ms(floor)})`}`,
    );
  }
  return ["For information, not a target: the product beside the floor's logic as a lean Node.js server:", ...lines].join("\n");
}
