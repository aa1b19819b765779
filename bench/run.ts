/**
 * `npm run bench`: the product and the floor worker in workerd (Miniflare), driven with signed webhook
 * conversations at a fixed concurrency; prints throughput, latency, CPU per webhook from the OS, and KV
 * operations per webhook, for menus and customer counts of several sizes, with the application JWT reused
 * and signed per message, and the size of the deploy bundle. Not a test: it only refuses to report figures
 * when an answer was wrong, so that they are figures of correct work.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MenuRef } from "../src/flow/engine.js";
import type { MenuDocument } from "../src/menus/schema.js";
import { menuRepo } from "../src/store/menus.js";
import { workersKv } from "../src/store/workers-kv.js";
import { seededRandom, type Random } from "../sim/random.js";
import { generateTestKeys } from "../test/support/keys.js";
import { buildBundles, bundleSize, type Bundles } from "./build.js";
import { cpuMs } from "./cpu.js";
import { drive, percentile } from "./driver.js";
import { startBackendServer, type BackendServer } from "./backend-server.js";
import { startMessagesServer, type MessagesServer } from "./messages-server.js";
import { generateMenu } from "./menus.js";
import { benchOptions } from "./options.js";
import { formatSizes, formatTable, WORKER_LABELS, type RowResult, type TokenMode, type WorkerKind } from "./report.js";
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
  /** The application JWT: minted per message, or once and reused (VONAGE_JWT_TTL_SECONDS 0 or 900). */
  token: TokenMode;
  menuNodes: number;
  customers: number;
  /** The menu calls the business's backend (a request node) before every question it leads to. */
  requests?: boolean;
}

interface Context {
  bundles: Bundles;
  compat: ReturnType<typeof wranglerCompatibility>;
  signatureSecret: string;
  messages: MessagesServer;
  backend: BackendServer;
  bindings: (kvUrl: string | null, token: TokenMode, requests?: boolean) => Record<string, string>;
}

const REMOTE_BUNDLE: Record<WorkerKind, keyof Bundles> = { null: "ioRemoteKv", io: "ioRemoteKv", floor: "floorRemoteKv", product: "productRemoteKv" };

/**
 * The calibration rows; the floor both ways; the product as deployed (token reused) at every size and signing per
 * message at the smallest; then the same four product and floor rows with KV in the worker's own process.
 */
function rowSpecs(): RowSpec[] {
  const small = { menuNodes: options.menuSizes[0]!, customers: options.customerCounts[0]! };
  const specs: RowSpec[] = [
    { worker: "null", kv: "host", token: "fresh", ...small },
    { worker: "io", kv: "host", token: "fresh", ...small },
    { worker: "floor", kv: "host", token: "fresh", ...small },
    { worker: "floor", kv: "host", token: "reused", ...small },
    { worker: "product", kv: "host", token: "fresh", ...small },
  ];
  for (const menuNodes of options.menuSizes) for (const customers of options.customerCounts) specs.push({ worker: "product", kv: "host", token: "reused", menuNodes, customers });
  // The same small menu with a signed backend request in every answer's step.
  specs.push({ worker: "product", kv: "host", token: "reused", ...small, requests: true });
  if (options.reference) {
    for (const worker of ["floor", "product"] as const) for (const token of ["fresh", "reused"] as const) specs.push({ worker, kv: "in-process", token, ...small });
  }
  return specs;
}

async function main() {
  const started = performance.now();
  log(`building bundles with wrangler into ${path.relative(root, outdir)}/build ...`);
  const bundles = await buildBundles(root, path.join(outdir, "build"));
  const compat = wranglerCompatibility(path.join(root, "wrangler.toml"));
  const sizes = { product: await bundleSize(bundles.product), floor: await bundleSize(bundles.floor) };

  // Generated on every run: no key or secret is stored anywhere.
  const keys = await generateTestKeys();
  const applicationId = crypto.randomUUID();
  const signatureSecret = randomSecret();
  const messages = await startMessagesServer(applicationId, keys.publicKey);
  const backend = await startBackendServer();
  const completionSecret = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
  const bindings = (kvUrl: string | null, token: TokenMode, requests = false): Record<string, string> => ({
    VONAGE_APPLICATION_ID: applicationId,
    VONAGE_PRIVATE_KEY: keys.pkcs8Pem,
    VONAGE_SIGNATURE_SECRET: signatureSecret,
    VONAGE_API_URL: messages.url,
    SESSION_TTL_SECONDS: "86400",
    // A long run must not outlive its signatures.
    WEBHOOK_MAX_AGE_SECONDS: "3600",
    VONAGE_JWT_TTL_SECONDS: token === "reused" ? "900" : "0",
    ...(kvUrl === null ? {} : { BENCH_KV_URL: kvUrl }),
    // Only the request row: the backend is on this machine, and requests are signed with the completion secret.
    ...(requests ? { COMPLETION_WEBHOOK_SECRET: completionSecret, ALLOW_LOCAL_WEBHOOKS: "true" } : {}),
  });
  const ctx: Context = { bundles, compat, signatureSecret, messages, backend, bindings };

  const menus = new Map(options.menuSizes.map((n) => [n, generateMenu(`bench-${n}`, n)]));
  const requestMenu = generateMenu(`bench-requests-${options.menuSizes[0]!}`, options.menuSizes[0]!, backend.url);
  const host = await startWorkerd([{ name: "kv", scriptPath: bundles.kvHost, kvNamespaces: ["MENUS", "SESSIONS"] }], compat);
  const rows: RowResult[] = [];
  const problems: string[] = [];
  const prepared: Prepared[] = [];
  try {
    const published = new Map<number, MenuRef>();
    const repo = menuRepo(workersKv(remoteKv(host.urls["kv"]!, "MENUS"), { sleep }));
    for (const [n, menu] of menus) published.set(n, await repo.publish(menu, new Date().toISOString()));
    const requestRef = await repo.publish(requestMenu, new Date().toISOString(), { allowLocalWebhooks: true });

    for (const [index, spec] of rowSpecs().entries()) {
      log(`starting ${WORKER_LABELS[spec.worker]}, KV ${spec.kv}, token ${spec.token}, ${spec.menuNodes}-node menu, ${spec.customers} customers ...`);
      const business = `4420${String(index + 1).padStart(8, "0")}`;
      const rng = seededRandom(options.seed * 1000 + index);
      prepared.push(
        spec.kv === "host"
          ? await prepareOnHost(ctx, spec, host, spec.requests ? requestRef : published.get(spec.menuNodes)!, business, rng)
          : await prepareInProcess(ctx, spec, menus.get(spec.menuNodes)!, business, rng),
      );
    }
    // Every row gets a share of each round, so a change in the machine's load (other work on a shared
    // machine) weighs on all rows alike instead of on whichever ran at that moment.
    for (let round = 0; round < options.rounds; round++) {
      log(`round ${round + 1} of ${options.rounds} ...`);
      const share = Math.floor(options.webhooks / options.rounds) + (round < options.webhooks % options.rounds ? 1 : 0);
      for (const p of prepared) await measureWindow(ctx, p, share);
    }
    for (const p of prepared) {
      rows.push(rowOf(p));
      problems.push(...[...p.totals.failures, ...p.subject.problems].map((f) => `${p.spec.worker} (token ${p.spec.token}) ${p.spec.menuNodes}/${p.spec.customers}: ${f}`));
    }
  } finally {
    for (const p of prepared) await p.subject.dispose();
    await host.dispose();
    await messages.close();
    await backend.close();
  }

  const about =
    `${options.webhooks} webhooks per row in ${options.rounds} interleaved rounds after ${options.warmup} to warm up, concurrency ${options.concurrency}, ` +
    `${Math.round(mix.duplicates * 100)}% duplicate deliveries, ${Math.round(mix.typed * 100)}% typed answers; ` +
    `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end; Node ${process.version}; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s in all.`;
  console.log(`\n${formatTable(rows)}\n\n${formatSizes(sizes)}\n\n${about}`);
  await mkdir(outdir, { recursive: true });
  await writeFile(path.join(outdir, "latest.json"), JSON.stringify({ at: new Date().toISOString(), options, mix, bundles: sizes, rows }, null, 2));
  if (problems.length > 0) {
    console.error(`\nwrong or failed answers (the figures above are not to be trusted):\n${problems.join("\n")}`);
    process.exitCode = 1;
  }
}

/** A row ready to measure: its worker started, its customers seeded, warmed up. */
interface Prepared {
  spec: RowSpec;
  subject: WorkerdInstance;
  host: WorkerdInstance | null;
  drive: (webhooks: number) => ReturnType<typeof drive>;
  idleCpuPerMs: number;
  totals: {
    latenciesMs: number[];
    wallMs: number;
    cpuMs: number;
    sends: number;
    signatures: number;
    hostCpuMs: number;
    /** Requests the business's backend received. */
    backend: number;
    kv: Record<keyof KvOps[string], number>;
    failures: string[];
    failureCount: number;
  };
}

/** The main rows: the worker's KV served by the KV host process, which counts the operations. */
async function prepareOnHost(ctx: Context, spec: RowSpec, host: WorkerdInstance, ref: MenuRef, business: string, rng: Random): Promise<Prepared> {
  const hostUrl = host.urls["kv"]!;
  await menuRepo(workersKv(remoteKv(hostUrl, "MENUS"), { sleep })).bind(business, ref.menu.id);
  const customers = await seedCustomers(hostUrl, spec.worker === "product" ? "product" : "floor", ref, business, spec.customers, rng);
  const subject = await startWorkerd([{ name: "subject", scriptPath: ctx.bundles[REMOTE_BUNDLE[spec.worker]], bindings: ctx.bindings(hostUrl, spec.token, spec.requests) }], ctx.compat);
  return warm(ctx, spec, subject, ref, business, customers, rng, host);
}

/** Reference rows: the bundle exactly as deployed, with Miniflare's KV simulator in the same workerd process. */
async function prepareInProcess(ctx: Context, spec: RowSpec, menu: MenuDocument, business: string, rng: Random): Promise<Prepared> {
  const subject = await startWorkerd(
    [
      { name: "subject", scriptPath: spec.worker === "product" ? ctx.bundles.product : ctx.bundles.floor, bindings: ctx.bindings(null, spec.token), kvNamespaces: ["MENUS", "SESSIONS"] },
      // Shares the subject's namespaces, only to publish and seed before measuring.
      { name: "kv", scriptPath: ctx.bundles.kvHost, kvNamespaces: ["MENUS", "SESSIONS"] },
    ],
    ctx.compat,
  );
  const seederUrl = subject.urls["kv"]!;
  const repo = menuRepo(workersKv(remoteKv(seederUrl, "MENUS"), { sleep }));
  const ref = await repo.publish(menu, new Date().toISOString());
  await repo.bind(business, ref.menu.id);
  const customers = await seedCustomers(seederUrl, spec.worker === "product" ? "product" : "floor", ref, business, spec.customers, rng);
  return warm(ctx, spec, subject, ref, business, customers, rng, null);
}

/** Sends the warm-up webhooks (isolate start, JIT, caches, the first parse of a large menu), then measures idle CPU. */
async function warm(ctx: Context, spec: RowSpec, subject: WorkerdInstance, ref: MenuRef, business: string, customers: Customer[], rng: Random, host: WorkerdInstance | null): Promise<Prepared> {
  const options_ = {
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
  const p: Prepared = {
    spec,
    subject,
    host,
    drive: (webhooks) => drive({ ...options_, webhooks }),
    idleCpuPerMs: 0,
    totals: { latenciesMs: [], wallMs: 0, cpuMs: 0, sends: 0, signatures: 0, hostCpuMs: 0, backend: 0, kv: { reads: 0, writes: 0, deletes: 0, lists: 0 }, failures: [], failureCount: 0 },
  };
  const warmup = await p.drive(options.warmup);
  p.totals.failures.push(...warmup.failures);
  p.totals.failureCount += warmup.failureCount;
  // What workerd burns with nothing to do, to take out of the measured windows.
  const idleFrom = cpuMs(subject.pid);
  await sleep(500);
  p.idleCpuPerMs = Math.max(0, cpuMs(subject.pid) - idleFrom) / 500;
  return p;
}

/** One measured window of `webhooks` deliveries, added to the row's totals. */
async function measureWindow(ctx: Context, p: Prepared, webhooks: number): Promise<void> {
  const hostUrl = p.host?.urls["kv"];
  const opsBefore = hostUrl === undefined ? null : await kvOps(hostUrl);
  const hostCpuBefore = p.host === null ? 0 : cpuMs(p.host.pid);
  const sendsBefore = ctx.messages.api.requests;
  const backendBefore = ctx.backend.requests;
  const signaturesBefore = ctx.messages.api.jtis.size;
  const cpuBefore = cpuMs(p.subject.pid);
  const run = await p.drive(webhooks);
  const t = p.totals;
  t.cpuMs += cpuMs(p.subject.pid) - cpuBefore - p.idleCpuPerMs * run.wallMs;
  t.sends += ctx.messages.api.requests - sendsBefore;
  t.backend += ctx.backend.requests - backendBefore;
  t.signatures += ctx.messages.api.jtis.size - signaturesBefore;
  if (p.host !== null) t.hostCpuMs += cpuMs(p.host.pid) - hostCpuBefore;
  if (hostUrl !== undefined && opsBefore !== null) {
    const opsAfter = await kvOps(hostUrl);
    for (const kind of ["reads", "writes", "deletes", "lists"] as const) t.kv[kind] += sum(opsAfter, [kind]) - sum(opsBefore, [kind]);
  }
  t.latenciesMs.push(...run.latenciesMs);
  t.wallMs += run.wallMs;
  t.failures.push(...run.failures);
  t.failureCount += run.failureCount;
}

function rowOf(p: Prepared): RowResult {
  const t = p.totals;
  const n = t.latenciesMs.length;
  const sorted = [...t.latenciesMs].sort((a, b) => a - b);
  const counted = p.host !== null;
  const kvAll = t.kv.reads + t.kv.writes + t.kv.deletes + t.kv.lists;
  return {
    worker: p.spec.worker,
    kv: p.spec.kv,
    token: p.spec.worker === "null" || p.spec.worker === "io" ? null : p.spec.token,
    menuNodes: p.spec.worker === "product" ? p.spec.menuNodes : null,
    customers: p.spec.customers,
    webhooks: n,
    perSecond: (n / t.wallMs) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuMsPerWebhook: t.cpuMs / n,
    signaturesPerSend: t.sends === 0 ? null : t.signatures / t.sends,
    kvReadsPerWebhook: counted ? t.kv.reads / n : null,
    kvWritesPerWebhook: counted ? t.kv.writes / n : null,
    subrequestsPerWebhook: counted ? (kvAll + t.sends + t.backend) / n : null,
    kvHostCpuMsPerWebhook: counted ? t.hostCpuMs / n : null,
    failures: t.failureCount,
    ...(p.spec.requests ? { requests: true } : {}),
  };
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
