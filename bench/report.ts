/**
 * Turns measured rows into the table the benchmark prints (Markdown, so it can go into the README as is),
 * including each worker's CPU net of Miniflare's I/O overhead, derived from the two calibration rows.
 */

import type { BundleSize } from "./build.js";

/** `node-floor`: the floor's logic as a lean Node.js server in a Node process of its own (`bench/node-floor-server.mjs`). */
export type WorkerKind = "null" | "io" | "floor" | "product" | "node-floor";

/** How the worker signs the application JWT: a fresh RS256 signature per message, or one token reused until near its exp. */
export type TokenMode = "fresh" | "reused";

/**
 * Where KV runs: in the KV host process (`host`, counted, each operation a subrequest), in a Map in the worker's
 * own isolate (`memory`, counted, not a subrequest: the closest model of Cloudflare, where KV is not the Worker's
 * CPU), or Miniflare's simulator in the worker's process (`in-process`, the deploy bundle as is, not counted).
 * The Node.js floor's rows are `memory` rows, compared with the workerd floor's: its KV is a Map in its own process.
 */
export type KvPlacement = "host" | "memory" | "in-process";

/** A menu with data nodes: a backend request before each question, or an input question and conditions. */
export type MenuVariant = "requests" | "flow";

const KV_LABELS: Record<KvPlacement, string> = { host: "own process", memory: "isolate memory", "in-process": "same process" };

/** The KV column: the Node.js floor holds its Map in its process, the workerd rows in the isolate. */
const kvLabel = (r: Pick<RowResult, "worker" | "kv">) => (r.worker === "node-floor" ? "process memory" : KV_LABELS[r.kv]);

const VARIANT_LABELS: Record<MenuVariant, string> = {
  requests: "a backend request per answer",
  flow: "a number input, a condition before each question",
};

export interface RowResult {
  worker: WorkerKind;
  kv: KvPlacement;
  /** null for the calibration rows, which send nothing. */
  token: TokenMode | null;
  menuNodes: number | null;
  customers: number;
  webhooks: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** workerd's CPU time (all threads, from /proc's per-thread scheduler accounting) over the measured window, less its idle rate, per webhook. */
  cpuMsPerWebhook: number;
  /** Distinct JWT ids the Messages API saw per message sent: 1 when signing per message, near 0 when reusing. */
  signaturesPerSend: number | null;
  kvReadsPerWebhook: number | null;
  kvWritesPerWebhook: number | null;
  /** What leaves the isolate, per webhook: Messages API and backend requests, and KV operations when KV is in the host process. */
  subrequestsPerWebhook: number | null;
  /** CPU of the KV host process per webhook: Miniflare's KV simulator, not part of the worker's figure. */
  kvHostCpuMsPerWebhook: number | null;
  failures: number;
  variant?: MenuVariant;
}

export const WORKER_LABELS: Record<WorkerKind, string> = {
  null: "calibration: request only",
  io: "calibration: request + 3 subrequests",
  floor: "floor",
  product: "product",
  "node-floor": "floor on Node.js (node:http + jose)",
};

/**
 * CPU per webhook less what Miniflare charges for the request itself and for each real subrequest:
 * `cpu - null - perSubrequest * subrequests`, with `perSubrequest = (io - null) / 3` from the calibration rows
 * (KV in the host process, so their three subrequests are all real). KV in isolate memory makes none. Not for the
 * Node.js floor: Miniflare's costs are not its costs.
 */
export function netCpu(rows: RowResult[], row: RowResult): number | null {
  const nul = rows.find((r) => r.worker === "null" && r.kv === "host");
  const io = rows.find((r) => r.worker === "io" && r.kv === "host");
  if (nul === undefined || io === undefined || row.kv === "in-process" || row.subrequestsPerWebhook === null) return null;
  if (row.worker === "null" || row.worker === "io" || row.worker === "node-floor") return null;
  const perSubrequest = (io.cpuMsPerWebhook - nul.cpuMsPerWebhook) / 3;
  return row.cpuMsPerWebhook - nul.cpuMsPerWebhook - perSubrequest * row.subrequestsPerWebhook;
}

const f = (n: number | null, digits: number) => (n === null || Number.isNaN(n) ? "n/a" : n.toFixed(digits));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? "n/a" : `${(a / b).toFixed(2)}x`);

/**
 * "x floor" and "net x floor" compare a row with the floor of the same KV placement and the same token mode, like
 * with like; "x fresh floor" compares it with the floor that signs per message, the cost any Node SDK server pays.
 * The floor is always the workerd one: the Node.js floor's rows are compared with it too.
 */
export function floorOf(rows: RowResult[], kv: KvPlacement, token: TokenMode | null): RowResult | undefined {
  return rows.find((r) => r.worker === "floor" && r.kv === kv && r.token === token);
}

export function formatTable(rows: RowResult[]): string {
  const header = [
    "worker",
    "KV",
    "JWT",
    "menu nodes",
    "customers",
    "webhooks/s",
    "p50 ms",
    "p99 ms",
    "RS256 signs/send",
    "CPU ms/webhook",
    "x floor",
    "x fresh floor",
    "net CPU ms",
    "net x floor",
    "KV reads",
    "KV writes",
    "subrequests",
  ];
  const lines = [header, header.map((h) => "-".repeat(Math.max(3, h.length)))];
  for (const r of rows) {
    const floor = floorOf(rows, r.kv, r.token);
    const fresh = floorOf(rows, r.kv, "fresh");
    const net = netCpu(rows, r);
    const calibration = r.worker === "null" || r.worker === "io";
    lines.push([
      r.variant === undefined ? WORKER_LABELS[r.worker] : `${WORKER_LABELS[r.worker]}, ${VARIANT_LABELS[r.variant]}`,
      kvLabel(r),
      r.token ?? "-",
      r.menuNodes === null ? "-" : String(r.menuNodes),
      String(r.customers),
      f(r.perSecond, 0),
      f(r.p50Ms, 2),
      f(r.p99Ms, 2),
      calibration ? "-" : f(r.signaturesPerSend, 3),
      f(r.cpuMsPerWebhook, 3),
      calibration ? "-" : ratio(r.cpuMsPerWebhook, floor?.cpuMsPerWebhook ?? null),
      calibration ? "-" : ratio(r.cpuMsPerWebhook, fresh?.cpuMsPerWebhook ?? null),
      calibration ? "-" : f(net, 3),
      calibration ? "-" : ratio(net, floor === undefined ? null : netCpu(rows, floor)),
      f(r.kvReadsPerWebhook, 2),
      f(r.kvWritesPerWebhook, 2),
      f(r.subrequestsPerWebhook, 2),
    ]);
  }
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The bundles' sizes as a small table: what every cold isolate loads and parses. */
export function formatSizes(sizes: Record<string, BundleSize>): string {
  const lines = ["| bundle (wrangler deploy --dry-run) | raw | gzipped |", "| --- | --- | --- |"];
  for (const [name, size] of Object.entries(sizes)) lines.push(`| ${name} | ${kib(size.bytes)} | ${kib(size.gzipBytes)} |`);
  return lines.join("\n");
}

/** The row's worker and menu as the table names them, for a line of text. */
export function describeRow(r: RowResult): string {
  const what = r.variant === undefined ? WORKER_LABELS[r.worker] : `${WORKER_LABELS[r.worker]}, ${VARIANT_LABELS[r.variant]}`;
  const menu = r.menuNodes === null ? "" : `, ${r.menuNodes} nodes`;
  return `${what} (KV ${kvLabel(r)}, JWT ${r.token ?? "-"}${menu}, ${r.customers} customers)`;
}

/** One worker's cold starts (see `bench/cold-start.ts`), a figure per sample. */
export interface ColdFigures {
  worker: "io" | "floor" | "product";
  /** Start-up CPU over the calibration worker's in the same sample (0 for the calibration worker itself). */
  startupMs: number[];
  firstWebhookMs: number[];
  /** CPU per webhook of the webhooks after the first. */
  thenMsPerWebhook: number[];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const max = (xs: number[]) => (xs.length === 0 ? Number.NaN : Math.max(...xs));

const COLD_LABELS: Record<ColdFigures["worker"], string> = { io: "calibration (start-up baseline)", floor: "floor", product: "product" };

/** Cold starts as a small table beside the deploy bundles' sizes; median and max of the samples. */
export function formatColdStarts(cold: ColdFigures[], sizes: Partial<Record<ColdFigures["worker"], BundleSize>>): string {
  const lines = [
    "| cold start (KV in isolate memory) | bundle as deployed, raw | gzipped | start-up CPU ms over the baseline, median / max | first webhook CPU ms, median / max | then, CPU ms per webhook (median) |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const c of cold) {
    const size = sizes[c.worker];
    lines.push(
      `| ${COLD_LABELS[c.worker]} | ${size === undefined ? "-" : kib(size.bytes)} | ${size === undefined ? "-" : kib(size.gzipBytes)} | ${f(median(c.startupMs), 2)} / ${f(max(c.startupMs), 2)} | ` +
        `${f(median(c.firstWebhookMs), 2)} / ${f(max(c.firstWebhookMs), 2)} | ${f(median(c.thenMsPerWebhook), 2)} |`,
    );
  }
  return lines.join("\n");
}
