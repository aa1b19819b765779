/**
 * `npm run bench`: the product and the floor worker in workerd (Miniflare), driven with signed webhook
 * conversations at a fixed concurrency; prints throughput, latency, CPU per webhook from the OS, and KV
 * operations per webhook, for menus and customer counts of several sizes. Not a test: it only refuses to
 * report figures when an answer was wrong, so that they are figures of correct work.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MenuRef } from "../src/flow/engine.js";
import type { Menu } from "../src/menus/schema.js";
import { menuRepo } from "../src/store/menus.js";
import { workersKv } from "../src/store/workers-kv.js";
import { seededRandom, type Random } from "../sim/random.js";
import { generateTestKeys } from "../test/support/keys.js";
import { buildBundles, type Bundles } from "./build.js";
import { cpuMs } from "./cpu.js";
import { drive, percentile } from "./driver.js";
import { startMessagesServer, type MessagesServer } from "./messages-server.js";
import { generateMenu } from "./menus.js";
import { benchOptions } from "./options.js";
import { formatTable, WORKER_LABELS, type RowResult, type WorkerKind } from "./report.js";
import { remoteKv } from "./remote-kv.js";
import { seedCustomers } from "./seed.js";
import type { Customer } from "./workload.js";
import { startWorkerd, wranglerCompatibility, type WorkerdInstance } from "./workerd.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "bench-results");
const options = benchOptions();
const mix = { duplicates: 0.04, typed: 0.08 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);
const randomSecret = () => Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");

type KvOps = Record<string, { reads: number; writes: number; deletes: number; lists: number }>;
const kvOps = async (hostUrl: string) => (await (await fetch(`${hostUrl}/ops`)).json()) as KvOps;
const sum = (s: KvOps, kinds: Array<keyof KvOps[string]>) => Object.values(s).reduce((n, o) => n + kinds.reduce((m, k) => m + o[k], 0), 0);

interface RowSpec {
  worker: WorkerKind;
  kv: "host" | "in-process";
  menuNodes: number;
  customers: number;
}

interface Context {
  bundles: Bundles;
  compat: ReturnType<typeof wranglerCompatibility>;
  signatureSecret: string;
  messages: MessagesServer;
  bindings: (kvUrl: string | null) => Record<string, string>;
}

const REMOTE_BUNDLE: Record<WorkerKind, keyof Bundles> = { null: "ioRemoteKv", io: "ioRemoteKv", floor: "floorRemoteKv", product: "productRemoteKv" };

function rowSpecs(): RowSpec[] {
  const small = { menuNodes: options.menuSizes[0]!, customers: options.customerCounts[0]! };
  const specs: RowSpec[] = [
    { worker: "null", kv: "host", ...small },
    { worker: "io", kv: "host", ...small },
    { worker: "floor", kv: "host", ...small },
  ];
  for (const menuNodes of options.menuSizes) for (const customers of options.customerCounts) specs.push({ worker: "product", kv: "host", menuNodes, customers });
  if (options.reference) specs.push({ worker: "floor", kv: "in-process", ...small }, { worker: "product", kv: "in-process", ...small });
  return specs;
}

async function main() {
  const started = performance.now();
  log(`building bundles with wrangler into ${path.relative(root, outdir)}/build ...`);
  const bundles = await buildBundles(root, path.join(outdir, "build"));
  const compat = wranglerCompatibility(path.join(root, "wrangler.toml"));

  // Generated on every run: no key or secret is stored anywhere.
  const keys = await generateTestKeys();
  const applicationId = crypto.randomUUID();
  const signatureSecret = randomSecret();
  const messages = await startMessagesServer(applicationId, keys.publicKey);
  const bindings = (kvUrl: string | null): Record<string, string> => ({
    VONAGE_APPLICATION_ID: applicationId,
    VONAGE_PRIVATE_KEY: keys.pkcs8Pem,
    VONAGE_SIGNATURE_SECRET: signatureSecret,
    VONAGE_API_URL: messages.url,
    SESSION_TTL_SECONDS: "86400",
    // A long run must not outlive its signatures.
    WEBHOOK_MAX_AGE_SECONDS: "3600",
    ...(kvUrl === null ? {} : { BENCH_KV_URL: kvUrl }),
  });
  const ctx: Context = { bundles, compat, signatureSecret, messages, bindings };

  const menus = new Map(options.menuSizes.map((n) => [n, generateMenu(`bench-${n}`, n)]));
  const host = await startWorkerd([{ name: "kv", scriptPath: bundles.kvHost, kvNamespaces: ["MENUS", "SESSIONS"] }], compat);
  const rows: RowResult[] = [];
  const problems: string[] = [];
  try {
    const published = new Map<number, MenuRef>();
    const repo = menuRepo(workersKv(remoteKv(host.urls["kv"]!, "MENUS"), { sleep }));
    for (const [n, menu] of menus) published.set(n, await repo.publish(menu, new Date().toISOString()));

    for (const [index, spec] of rowSpecs().entries()) {
      log(`${WORKER_LABELS[spec.worker]}, KV ${spec.kv}, ${spec.menuNodes}-node menu, ${spec.customers} customers ...`);
      const business = `4420${String(index + 1).padStart(8, "0")}`;
      const rng = seededRandom(options.seed * 1000 + index);
      const { row, failures } =
        spec.kv === "host"
          ? await measureOnHost(ctx, spec, host, published.get(spec.menuNodes)!, business, rng)
          : await measureInProcess(ctx, spec, menus.get(spec.menuNodes)!, business, rng);
      rows.push(row);
      problems.push(...failures.map((f) => `${spec.worker} ${spec.menuNodes}/${spec.customers}: ${f}`));
    }
  } finally {
    await host.dispose();
    await messages.close();
  }

  const about =
    `${options.webhooks} webhooks per row after ${options.warmup} to warm up, concurrency ${options.concurrency}, ` +
    `${Math.round(mix.duplicates * 100)}% duplicate deliveries, ${Math.round(mix.typed * 100)}% typed answers; ` +
    `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end; Node ${process.version}; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s in all.`;
  console.log(`\n${formatTable(rows)}\n\n${about}`);
  await mkdir(outdir, { recursive: true });
  await writeFile(path.join(outdir, "latest.json"), JSON.stringify({ at: new Date().toISOString(), options, mix, rows }, null, 2));
  if (problems.length > 0) {
    console.error(`\nwrong or failed answers (the figures above are not to be trusted):\n${problems.join("\n")}`);
    process.exitCode = 1;
  }
}

/** The main rows: the worker's KV served by the KV host process, which counts the operations. */
async function measureOnHost(ctx: Context, spec: RowSpec, host: WorkerdInstance, ref: MenuRef, business: string, rng: Random) {
  const hostUrl = host.urls["kv"]!;
  await menuRepo(workersKv(remoteKv(hostUrl, "MENUS"), { sleep })).bind(business, ref.menu.id);
  const customers = await seedCustomers(hostUrl, spec.worker === "product" ? "product" : "floor", ref, business, spec.customers, rng);
  const subject = await startWorkerd([{ name: "subject", scriptPath: ctx.bundles[REMOTE_BUNDLE[spec.worker]], bindings: ctx.bindings(hostUrl) }], ctx.compat);
  try {
    return await measure(ctx, spec, subject, ref, business, customers, rng, host);
  } finally {
    await subject.dispose();
  }
}

/** Reference rows: the bundle exactly as deployed, with Miniflare's KV simulator in the same workerd process. */
async function measureInProcess(ctx: Context, spec: RowSpec, menu: Menu, business: string, rng: Random) {
  const subject = await startWorkerd(
    [
      { name: "subject", scriptPath: spec.worker === "product" ? ctx.bundles.product : ctx.bundles.floor, bindings: ctx.bindings(null), kvNamespaces: ["MENUS", "SESSIONS"] },
      // Shares the subject's namespaces, only to publish and seed before measuring.
      { name: "kv", scriptPath: ctx.bundles.kvHost, kvNamespaces: ["MENUS", "SESSIONS"] },
    ],
    ctx.compat,
  );
  try {
    const seederUrl = subject.urls["kv"]!;
    const repo = menuRepo(workersKv(remoteKv(seederUrl, "MENUS"), { sleep }));
    const ref = await repo.publish(menu, new Date().toISOString());
    await repo.bind(business, ref.menu.id);
    const customers = await seedCustomers(seederUrl, spec.worker === "product" ? "product" : "floor", ref, business, spec.customers, rng);
    return await measure(ctx, spec, subject, ref, business, customers, rng, null);
  } finally {
    await subject.dispose();
  }
}

/** Warms up, then measures `webhooks` deliveries: wall time, latency, workerd CPU and, where counted, KV operations. */
async function measure(ctx: Context, spec: RowSpec, subject: WorkerdInstance, ref: MenuRef, business: string, customers: Customer[], rng: Random, host: WorkerdInstance | null) {
  const base = {
    url: `${subject.urls["subject"]!}${spec.worker === "null" ? "/null" : "/webhooks/inbound"}`,
    menu: ref.menu,
    business,
    customers,
    concurrency: options.concurrency,
    mix,
    signatureSecret: ctx.signatureSecret,
    rng,
    checkOutcomes: spec.worker === "product",
  };
  const warm = await drive({ ...base, webhooks: options.warmup });
  // What workerd burns with nothing to do, to take out of the measured window.
  const idleFrom = cpuMs(subject.pid);
  await sleep(500);
  const idlePerMs = Math.max(0, cpuMs(subject.pid) - idleFrom) / 500;

  const hostUrl = host?.urls["kv"];
  const opsBefore = hostUrl === undefined ? null : await kvOps(hostUrl);
  const hostCpuBefore = host === null ? 0 : cpuMs(host.pid);
  const sendsBefore = ctx.messages.api.requests;
  const cpuBefore = cpuMs(subject.pid);
  const run = await drive({ ...base, webhooks: options.webhooks });
  const cpu = cpuMs(subject.pid) - cpuBefore - idlePerMs * run.wallMs;
  const sends = ctx.messages.api.requests - sendsBefore;
  const hostCpu = host === null ? null : cpuMs(host.pid) - hostCpuBefore;
  const opsAfter = hostUrl === undefined ? null : await kvOps(hostUrl);

  const n = run.latenciesMs.length;
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  const perWebhook = (kinds: Array<keyof KvOps[string]>) => (opsBefore && opsAfter ? (sum(opsAfter, kinds) - sum(opsBefore, kinds)) / n : null);
  const kvAll = perWebhook(["reads", "writes", "deletes", "lists"]);
  const row: RowResult = {
    worker: spec.worker,
    kv: spec.kv,
    menuNodes: spec.worker === "product" ? spec.menuNodes : null,
    customers: spec.customers,
    webhooks: n,
    perSecond: (n / run.wallMs) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuMsPerWebhook: cpu / n,
    kvReadsPerWebhook: perWebhook(["reads"]),
    kvWritesPerWebhook: perWebhook(["writes"]),
    subrequestsPerWebhook: kvAll === null ? null : kvAll + sends / n,
    kvHostCpuMsPerWebhook: hostCpu === null ? null : hostCpu / n,
    failures: warm.failureCount + run.failureCount,
  };
  return { row, failures: [...warm.failures, ...run.failures, ...subject.problems] };
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
