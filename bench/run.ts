/**
 * `npm run bench`: the product and the floor worker in workerd (Miniflare), driven with signed webhook
 * conversations at a fixed concurrency (or at one arrival rate for every row, `BENCH_RATE`); prints throughput,
 * latency, CPU per webhook from the OS, and KV operations per webhook, with KV in its own process and in the
 * isolate's memory, for menus and customer counts of several sizes and menus with data nodes, with the application
 * JWT reused and signed per message; the floor's logic as a lean Node.js server beside them, measured the same way;
 * then cold starts, the deploy bundle's size, and which of issue 15's targets hold. Knobs: `bench/options.ts`. Not a
 * test: it only refuses to report figures when an answer was wrong, so that they are figures of correct work.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../sim/random.js";
import { generateTestKeys } from "../test/support/keys.js";
import { startBackendServer } from "./backend-server.js";
import { buildBundles, bundleSize } from "./build.js";
import { measureColdStarts, type ColdResult } from "./cold-start.js";
import { generateMenu } from "./menus.js";
import { startMessagesServer } from "./messages-server.js";
import { benchOptions } from "./options.js";
import { formatColdStarts, formatSizes, formatTable, WORKER_LABELS, type MenuVariant, type RowResult, type TokenMode } from "./report.js";
import { measureWindow, prepareRow, rowOf, type Context, type Prepared, type RowSpec } from "./rows.js";
import { checkTargets, formatNodeComparison, formatTargets } from "./targets.js";
import { BENCH_MIX } from "./workload.js";
import { startWorkerd, wranglerCompatibility } from "./workerd.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "bench-results");
const options = benchOptions();
const mix = BENCH_MIX;
const log = (line: string) => process.stderr.write(`${line}\n`);
const randomSecret = () => Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The calibration rows; the floor both ways; the product as deployed (token reused) at every size and signing per
 * message at the smallest; the small menu with data nodes; then the floor, the floor on Node.js (KV in its process's
 * memory) and the product with KV in isolate memory, and with Miniflare's KV in the worker's own process.
 */
function rowSpecs(): RowSpec[] {
  const small = { menuNodes: options.menuSizes[0]!, customers: options.customerCounts[0]! };
  const large = { menuNodes: options.menuSizes.at(-1)!, customers: options.customerCounts.at(-1)! };
  const specs: RowSpec[] = [
    { worker: "null", kv: "host", token: "fresh", ...small },
    { worker: "io", kv: "host", token: "fresh", ...small },
    { worker: "floor", kv: "host", token: "fresh", ...small },
    { worker: "floor", kv: "host", token: "reused", ...small },
    { worker: "product", kv: "host", token: "fresh", ...small },
  ];
  for (const menuNodes of options.menuSizes) for (const customers of options.customerCounts) specs.push({ worker: "product", kv: "host", token: "reused", menuNodes, customers });
  if (options.flow) for (const variant of ["requests", "flow"] as const) specs.push({ worker: "product", kv: "host", token: "reused", ...small, variant });
  if (options.memory) {
    const workers = options.node ? (["floor", "node-floor", "product"] as const) : (["floor", "product"] as const);
    for (const worker of workers) for (const token of ["fresh", "reused"] as const) specs.push({ worker, kv: "memory", token, ...small });
    if (large.menuNodes !== small.menuNodes || large.customers !== small.customers) specs.push({ worker: "product", kv: "memory", token: "reused", ...large });
  }
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
  const bindings = (kvUrl: string | null, token: TokenMode, variant?: MenuVariant): Record<string, string> => ({
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
    ...(variant === "requests" ? { COMPLETION_WEBHOOK_SECRET: completionSecret, ALLOW_LOCAL_WEBHOOKS: "true" } : {}),
  });

  const small = options.menuSizes[0]!;
  const menus = new Map(options.menuSizes.map((n) => [n, generateMenu(`bench-${n}`, n)]));
  const variants: Record<MenuVariant, ReturnType<typeof generateMenu>> = {
    requests: generateMenu(`bench-requests-${small}`, small, { backend: backend.url }),
    flow: generateMenu(`bench-flow-${small}`, small, { flow: true }),
  };
  const host = await startWorkerd([{ name: "kv", scriptPath: bundles.kvHost, kvNamespaces: ["MENUS", "SESSIONS"] }], compat);
  const ctx: Context = {
    bundles,
    compat,
    signatureSecret,
    messages,
    backend,
    bindings,
    menu: (spec) => (spec.variant === undefined ? menus.get(spec.menuNodes)! : variants[spec.variant]),
    host,
    warmup: options.warmup,
    concurrency: options.concurrency,
    rate: options.rate,
    mix,
  };
  const rows: RowResult[] = [];
  const problems: string[] = [];
  const prepared: Prepared[] = [];
  let cold: ColdResult[] = [];
  try {
    for (const [index, spec] of rowSpecs().entries()) {
      log(
        `starting ${WORKER_LABELS[spec.worker]}${spec.variant === undefined ? "" : ` (${spec.variant})`}, KV ${spec.kv}, token ${spec.token}, ${spec.menuNodes}-node menu, ${spec.customers} customers ...`,
      );
      const business = `4420${String(index + 1).padStart(8, "0")}`;
      prepared.push(await prepareRow(ctx, spec, business, seededRandom(options.seed * 1000 + index)));
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
      const name = `${p.spec.worker}${p.spec.variant === undefined ? "" : ` (${p.spec.variant})`} (KV ${p.spec.kv}, token ${p.spec.token}) ${p.spec.menuNodes}/${p.spec.customers}`;
      problems.push(...[...p.totals.failures, ...p.subject.problems].map((f) => `${name}: ${f}`));
    }
    // The rows' processes end before the cold starts, which would otherwise share the cores with idle workerds.
    for (const p of prepared.splice(0)) await p.subject.dispose();
    if (options.coldSamples > 0) {
      log(`cold starts: ${options.coldSamples} samples of each worker ...`);
      cold = await measureColdStarts(ctx, options.coldSamples, small, options.seed);
      problems.push(...cold.flatMap((c) => c.failures));
    }
  } finally {
    for (const p of prepared) await p.subject.dispose();
    await host.dispose();
    await messages.close();
    await backend.close();
  }

  const targets = checkTargets(rows, sizes.product, cold);
  const about =
    `${options.webhooks} webhooks per row in ${options.rounds} interleaved rounds after ${options.warmup} to warm up, concurrency ${options.concurrency}, ` +
    `${options.rate > 0 ? `${options.rate} webhooks started per second in every row` : "every row as fast as its lanes go (BENCH_RATE=0)"}, ` +
    `${Math.round(mix.duplicates * 100)}% duplicate deliveries, ${Math.round(mix.typed * 100)}% typed answers, ${Math.round(mix.outOfRange * 100)}% of the numbers out of range; ` +
    `${options.coldSamples} cold starts per worker; ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end; Node ${process.version}; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s in all.`;
  const coldTable = cold.length === 0 ? "" : `\n\n${formatColdStarts(cold, sizes)}`;
  // Rows are compared at one arrival rate; one that could not keep it ran busier than the others, and says so.
  const behind = options.rate > 0 ? rows.filter((r) => r.perSecond < options.rate * 0.9) : [];
  const lagging =
    behind.length === 0
      ? ""
      : `\n\nBelow the set rate of ${options.rate}/s (busier than the other rows, so not alike): ${behind.map((r) => `${WORKER_LABELS[r.worker]} (KV ${r.kv}) at ${r.perSecond.toFixed(0)}/s`).join("; ")}`;
  const node = formatNodeComparison(rows);
  console.log(`\n${formatTable(rows)}\n\n${formatSizes(sizes)}${coldTable}\n\n${about}${lagging}\n\n${formatTargets(targets)}${node === "" ? "" : `\n\n${node}`}`);
  await mkdir(outdir, { recursive: true });
  const coldFigures = cold.map(({ failures: _, ...figures }) => figures);
  await writeFile(path.join(outdir, "latest.json"), JSON.stringify({ at: new Date().toISOString(), options, mix, bundles: sizes, rows, cold: coldFigures, targets }, null, 2));
  if (problems.length > 0) {
    console.error(`\nwrong or failed answers (the figures above are not to be trusted):\n${problems.join("\n")}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
