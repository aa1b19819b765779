/**
 * One row of the benchmark's table: its worker started in workerd with its KV where the row says (the KV host
 * process, the isolate's own memory, or Miniflare's simulator in the same process), its menu published, its
 * customers seeded and warmed up; then measured in windows that the rounds interleave with the other rows. The
 * Node.js floor's rows are the same but for their process: a Node server, its KV a Map in that process.
 */
import type { MenuRef } from "../src/flow/engine.js";
import type { MenuDocument } from "../src/menus/schema.js";
import { menuRepo } from "../src/store/menus.js";
import { workersKv } from "../src/store/workers-kv.js";
import type { Random } from "../sim/random.js";
import type { BackendServer } from "./backend-server.js";
import type { Bundles } from "./build.js";
import { cpuMs } from "./cpu.js";
import { drive, percentile } from "./driver.js";
import { startNodeFloor, type NodeServer } from "./node-floor.js";
import type { Ops, OpsByNamespace } from "./kv-ops.js";
import type { MessagesServer } from "./messages-server.js";
import { remoteKv } from "./remote-kv.js";
import type { KvPlacement, MenuVariant, RowResult, TokenMode, WorkerKind } from "./report.js";
import { seedCustomers } from "./seed.js";
import { BENCH_PREFIX } from "./kv-routes.js";
import type { Customer, Mix } from "./workload.js";
import { startWorkerd, type WorkerdInstance, type WorkerdWorker, type wranglerCompatibility } from "./workerd.js";

export interface RowSpec {
  worker: WorkerKind;
  kv: KvPlacement;
  /** The application JWT: minted per message, or once and reused (VONAGE_JWT_TTL_SECONDS 0 or 900). */
  token: TokenMode;
  menuNodes: number;
  customers: number;
  /** A menu with data nodes instead of the static one (see `bench/menus.ts`). */
  variant?: MenuVariant;
}

export interface Context {
  bundles: Bundles;
  compat: ReturnType<typeof wranglerCompatibility>;
  signatureSecret: string;
  messages: MessagesServer;
  backend: BackendServer;
  /** The worker's bindings; `kvUrl` is the KV host's, for the wrappers that reach it. */
  bindings: (kvUrl: string | null, token: TokenMode, variant?: MenuVariant) => Record<string, string>;
  menu: (spec: RowSpec) => MenuDocument;
  /** The KV host process, where the menus of its rows are published once. */
  host: WorkerdInstance;
  warmup: number;
  concurrency: number;
  rate: number;
  mix: Mix;
}

/** A row's worker started, its menu published and its customers seeded. */
export interface Started {
  spec: RowSpec;
  /** The measured process: workerd, or the Node.js floor's Node. */
  subject: WorkerdInstance | NodeServer;
  /** Where the row's KV operations are counted (`/ops`), or null where they are not (Miniflare's simulator). */
  opsUrl: string | null;
  /** The KV host process, whose CPU is reported apart; null where KV is not in its own process. */
  kvProcess: WorkerdInstance | null;
  ref: MenuRef;
  business: string;
  customers: Customer[];
  drive: (webhooks: number) => ReturnType<typeof drive>;
}

/** A row ready to measure: started and warmed up. */
export interface Prepared extends Started {
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
    kv: Ops;
    failures: string[];
    failureCount: number;
  };
}

const BUNDLE: Record<KvPlacement, Partial<Record<WorkerKind, keyof Bundles>>> = {
  host: { null: "ioRemoteKv", io: "ioRemoteKv", floor: "floorRemoteKv", product: "productRemoteKv" },
  memory: { null: "ioMemoryKv", io: "ioMemoryKv", floor: "floorMemoryKv", product: "productMemoryKv" },
  // As deployed, with Miniflare's KV simulator beside them.
  "in-process": { floor: "floor", product: "product" },
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const repoAt = (kvUrl: string) => menuRepo(workersKv(remoteKv(kvUrl, "MENUS"), { sleep }));
const publish = (kvUrl: string, doc: MenuDocument) => repoAt(kvUrl).publish(doc, new Date().toISOString(), { allowLocalWebhooks: true });
export const kvOps = async (opsUrl: string) => (await (await fetch(`${opsUrl}/ops`)).json()) as OpsByNamespace;
const total = (s: OpsByNamespace, kind: keyof Ops) => Object.values(s).reduce((n, o) => n + o[kind], 0);

// Published once on the KV host: publishing a menu again would move its pointer, and every row's worker would read
// and parse the new version inside a measured window.
const onHost = new Map<MenuDocument, Promise<MenuRef>>();

const publishOnHost = (ctx: Context, doc: MenuDocument) => {
  let published = onHost.get(doc);
  if (published === undefined) onHost.set(doc, (published = publish(ctx.host.urls["kv"]!, doc)));
  return published;
};

/**
 * The row's worker in a new workerd process (or the Node.js floor in a Node process), its customers seeded where its
 * KV is (`kvUrl`), its menu published and bound where it reads menus (`menusUrl`).
 */
async function startSubject(ctx: Context, spec: RowSpec, bindings: Record<string, string>): Promise<{ subject: WorkerdInstance | NodeServer; kvUrl: string; menusUrl: string; ref: MenuRef }> {
  const doc = ctx.menu(spec);
  if (spec.worker === "node-floor") {
    if (spec.kv !== "memory") throw new Error(`the Node.js floor keeps its KV in its own memory, not ${spec.kv}`);
    // It reads no menu, as the workerd floor reads none: the menu, published on the KV host, is the driver's alone.
    const started = await startNodeFloor(bindings);
    return { subject: started, kvUrl: `${started.urls["subject"]!}${BENCH_PREFIX}`, menusUrl: ctx.host.urls["kv"]!, ref: await publishOnHost(ctx, doc) };
  }
  const scriptPath = BUNDLE[spec.kv][spec.worker];
  if (scriptPath === undefined) throw new Error(`no ${spec.worker} bundle with KV ${spec.kv}`);
  const subject = (kvNamespaces: string[] = [], seeder: WorkerdWorker[] = []) =>
    startWorkerd([{ name: "subject", scriptPath: ctx.bundles[scriptPath], bindings, kvNamespaces }, ...seeder], ctx.compat);
  switch (spec.kv) {
    case "host": {
      const kvUrl = ctx.host.urls["kv"]!;
      return { subject: await subject(), kvUrl, menusUrl: kvUrl, ref: await publishOnHost(ctx, doc) };
    }
    case "memory": {
      const started = await subject();
      const kvUrl = `${started.urls["subject"]!}${BENCH_PREFIX}`;
      return { subject: started, kvUrl, menusUrl: kvUrl, ref: await publish(kvUrl, doc) };
    }
    case "in-process": {
      // The seeder shares the subject's namespaces, only to publish and seed before measuring.
      const started = await subject(["MENUS", "SESSIONS"], [{ name: "kv", scriptPath: ctx.bundles.kvHost, kvNamespaces: ["MENUS", "SESSIONS"] }]);
      const kvUrl = started.urls["kv"]!;
      return { subject: started, kvUrl, menusUrl: kvUrl, ref: await publish(kvUrl, doc) };
    }
  }
}

export async function startRow(ctx: Context, spec: RowSpec, business: string, rng: Random): Promise<Started> {
  const { subject, kvUrl, menusUrl, ref } = await startSubject(ctx, spec, ctx.bindings(spec.kv === "host" ? ctx.host.urls["kv"]! : null, spec.token, spec.variant));
  await repoAt(menusUrl).bind(business, ref.menu.id);
  const customers = await seedCustomers(kvUrl, spec.worker === "product" ? "product" : "floor", ref, business, spec.customers, ctx.mix, rng);
  const driveOptions = {
    url: `${subject.urls["subject"]!}${spec.worker === "null" ? "/null" : "/webhooks/inbound"}`,
    menu: ref.menu,
    business,
    customers,
    concurrency: ctx.concurrency,
    ratePerSecond: ctx.rate,
    mix: ctx.mix,
    signatureSecret: ctx.signatureSecret,
    rng,
    checkOutcomes: spec.worker === "product",
  };
  return {
    spec,
    subject,
    opsUrl: spec.kv === "in-process" ? null : kvUrl,
    kvProcess: spec.kv === "host" ? ctx.host : null,
    ref,
    business,
    customers,
    drive: (webhooks) => drive({ ...driveOptions, webhooks }),
  };
}

export async function prepareRow(ctx: Context, spec: RowSpec, business: string, rng: Random): Promise<Prepared> {
  const started = await startRow(ctx, spec, business, rng);
  const p: Prepared = {
    ...started,
    idleCpuPerMs: 0,
    totals: { latenciesMs: [], wallMs: 0, cpuMs: 0, sends: 0, signatures: 0, hostCpuMs: 0, backend: 0, kv: { reads: 0, writes: 0, deletes: 0, lists: 0 }, failures: [], failureCount: 0 },
  };
  // Isolate start, JIT, caches, the first parse of a large menu.
  const warmup = await p.drive(ctx.warmup);
  p.totals.failures.push(...warmup.failures);
  p.totals.failureCount += warmup.failureCount;
  // What workerd (or Node) burns with nothing to do, to take out of the measured windows.
  const idleFrom = cpuMs(p.subject.pid);
  await sleep(500);
  p.idleCpuPerMs = Math.max(0, cpuMs(p.subject.pid) - idleFrom) / 500;
  return p;
}

/** One measured window of `webhooks` deliveries, added to the row's totals. */
export async function measureWindow(ctx: Context, p: Prepared, webhooks: number): Promise<void> {
  // Read before the CPU window opens and after it closes: in the memory rows the counts live in the subject.
  const opsBefore = p.opsUrl === null ? null : await kvOps(p.opsUrl);
  const hostCpuBefore = p.kvProcess === null ? 0 : cpuMs(p.kvProcess.pid);
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
  if (p.kvProcess !== null) t.hostCpuMs += cpuMs(p.kvProcess.pid) - hostCpuBefore;
  if (p.opsUrl !== null && opsBefore !== null) {
    const opsAfter = await kvOps(p.opsUrl);
    for (const kind of ["reads", "writes", "deletes", "lists"] as const) t.kv[kind] += total(opsAfter, kind) - total(opsBefore, kind);
  }
  t.latenciesMs.push(...run.latenciesMs);
  t.wallMs += run.wallMs;
  t.failures.push(...run.failures);
  t.failureCount += run.failureCount;
}

export function rowOf(p: Prepared): RowResult {
  const t = p.totals;
  const n = t.latenciesMs.length;
  const sorted = [...t.latenciesMs].sort((a, b) => a - b);
  const counted = p.opsUrl !== null;
  // Only what leaves the isolate is a subrequest: KV in memory is not one.
  const kvSubrequests = p.spec.kv === "host" ? t.kv.reads + t.kv.writes + t.kv.deletes + t.kv.lists : 0;
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
    subrequestsPerWebhook: counted ? (kvSubrequests + t.sends + t.backend) / n : null,
    kvHostCpuMsPerWebhook: p.kvProcess === null ? null : t.hostCpuMs / n,
    failures: t.failureCount,
    ...(p.spec.variant === undefined ? {} : { variant: p.spec.variant }),
  };
}
