/**
 * Cold start, for the product and the floor (KV in isolate memory, so a KV operation costs no subrequest), each
 * sample in a fresh workerd process:
 *
 * - **start-up**: the process's CPU from spawn to ready, less the same for the calibration worker (the smallest
 *   script, with the same wrapper, bindings and Miniflare services) started in the same sample: what the bundle's
 *   parse, compile and top-level evaluation cost. workerd evaluates every module when it loads the config, before
 *   it reports ready: measured on this machine, a script whose top level spins for half a second is ready half a
 *   second of CPU later, and its first request costs no more than any script's. V8 still compiles each function
 *   lazily, on its first call, so that part of a bundle's cost lands in the first webhook.
 * - **first webhook**: the CPU of the very first webhook the new isolate handles (the publishing and seeding before
 *   it went through the `/__bench` routes of the wrapper, which run none of the worker's own code): for the product a
 *   customer seeded at the menu's first question taps an option that asks the next one, so the figure holds the
 *   first read and parse of the menu's compiled form, the first RS256 signature, the first Messages API subrequest
 *   and the first compile of what the start-up did not run. The product builds its app, its configuration and keys,
 *   and rehearses the webhook path at start-up (`src/rehearsal.ts`), so that part is in the start-up figure.
 * - **then**: the CPU per webhook of the next ones in the same isolate, for comparison.
 */
import { seededRandom } from "../sim/random.js";
import { replyWebhook, signWebhook, textWebhook } from "../sim/vonage-webhooks.js";
import { cpuMs } from "./cpu.js";
import type { ColdFigures } from "./report.js";
import { startRow, type Context, type RowSpec, type Started } from "./rows.js";
import { questionAt } from "./workload.js";

type ColdWorker = ColdFigures["worker"];

export interface ColdResult extends ColdFigures {
  failures: string[];
}

const THEN_WEBHOOKS = 20;
const COLD_WORKERS: ColdWorker[] = ["io", "floor", "product"];

/** The first webhook: for the product, a tap on the first question's first option that asks another question. */
function firstWebhook(s: Started): { body: string; expect: { outcome: string; node: string | null } | null } {
  const customer = s.customers[0]!;
  const base = { business: s.business, customer: customer.number, messageUuid: crypto.randomUUID() };
  if (s.spec.worker !== "product") return { body: JSON.stringify(textWebhook({ ...base, text: "hi" })), expect: null };
  const node = s.ref.menu.nodes[customer.node!];
  const option = node?.kind === "question" ? node.options.find((o) => questionAt(s.ref.menu, o.next) !== null) : undefined;
  if (option === undefined) throw new Error("the cold-start menu's first question has no option that leads to another question");
  customer.node = questionAt(s.ref.menu, option.next);
  return { body: JSON.stringify(replyWebhook({ ...base, id: option.id, title: option.title })), expect: { outcome: "advanced", node: customer.node } };
}

async function sample(ctx: Context, worker: ColdWorker, menuNodes: number, business: string, seed: number, out: ColdResult): Promise<number> {
  const spec: RowSpec = { worker, kv: "memory", token: "reused", menuNodes, customers: 10 };
  const s = await startRow(ctx, spec, business, seededRandom(seed));
  try {
    const first = firstWebhook(s);
    const authorization = await signWebhook(first.body, ctx.signatureSecret);
    const before = cpuMs(s.subject.pid);
    const res = await fetch(`${s.subject.urls["subject"]!}/webhooks/inbound`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: authorization }, body: first.body });
    const text = await res.text();
    out.firstWebhookMs.push(cpuMs(s.subject.pid) - before);
    const got = res.status === 200 ? (JSON.parse(text) as { outcome?: string; node?: string | null }) : null;
    if (got === null || (first.expect !== null && (got.outcome !== first.expect.outcome || (got.node ?? null) !== first.expect.node))) {
      out.failures.push(`${worker} cold first webhook: expected ${JSON.stringify(first.expect ?? "200")}, got ${res.status} ${text.slice(0, 200)}`);
    }
    const thenFrom = cpuMs(s.subject.pid);
    const then = await s.drive(THEN_WEBHOOKS);
    out.thenMsPerWebhook.push((cpuMs(s.subject.pid) - thenFrom) / THEN_WEBHOOKS);
    out.failures.push(...then.failures.map((f) => `${worker} after a cold start: ${f}`), ...s.subject.problems.map((p) => `${worker} cold: ${p}`));
    return s.subject.readyCpuMs;
  } finally {
    await s.subject.dispose();
  }
}

/** `samples` rounds, each starting the three workers in turn, so that the machine's load weighs on them alike. */
export async function measureColdStarts(ctx: Context, samples: number, menuNodes: number, seed: number): Promise<ColdResult[]> {
  const results = COLD_WORKERS.map((worker): ColdResult => ({ worker, startupMs: [], firstWebhookMs: [], thenMsPerWebhook: [], failures: [] }));
  for (let i = 0; i < samples; i++) {
    const ready: number[] = [];
    for (const [w, worker] of COLD_WORKERS.entries()) {
      ready.push(await sample(ctx, worker, menuNodes, `4499${String(i * 10 + w).padStart(8, "0")}`, seed * 7919 + i * 10 + w, results[w]!));
    }
    for (const [w, r] of results.entries()) r.startupMs.push(ready[w]! - ready[0]!);
  }
  return results;
}
