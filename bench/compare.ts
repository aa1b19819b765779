/**
 * `npm run bench:compare`: the product as committed at `BENCH_BASE` (default HEAD) against the working tree, both
 * with KV in isolate memory, in interleaved windows on the same workload with every answer checked: whether a change
 * moves the CPU per webhook beyond this machine's noise. Prints each window's figures and the ratio of the totals.
 *
 *   BENCH_BASE              the git revision to compare with (HEAD)
 *   BENCH_COMPARE_WEBHOOKS  webhooks per window (500), BENCH_COMPARE_ROUNDS windows per side (8)
 *   VONAGE_JWT_TTL_SECONDS  as the product reads it (900: the token reused)
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { menuRepo } from "../src/store/menus.js";
import { workersKv } from "../src/store/workers-kv.js";
import { seededRandom } from "../sim/random.js";
import { generateTestKeys } from "../test/support/keys.js";
import { bundle } from "./build.js";
import { cpuMs } from "./cpu.js";
import { drive } from "./driver.js";
import { generateMenu } from "./menus.js";
import { startMessagesServer } from "./messages-server.js";
import { remoteKv } from "./remote-kv.js";
import { seedCustomers } from "./seed.js";
import { BENCH_PREFIX } from "./with-memory-kv.js";
import { BENCH_MIX } from "./workload.js";
import { startWorkerd, wranglerCompatibility, type WorkerdInstance } from "./workerd.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const base = process.env["BENCH_BASE"] ?? "HEAD";
const perWindow = Number(process.env["BENCH_COMPARE_WEBHOOKS"] ?? 500);
const rounds = Number(process.env["BENCH_COMPARE_ROUNDS"] ?? 8);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ENTRY = "bench/entries/product-memory.ts";

/** The product-with-memory-KV bundle of `revision`, built in a temporary worktree with this checkout's node_modules. */
async function bundleAt(revision: string, outdir: string): Promise<string> {
  const tree = await mkdtemp(path.join(tmpdir(), "wa-menu-base-"));
  execFileSync("git", ["worktree", "add", "--detach", tree, revision], { cwd: root, stdio: "ignore" });
  try {
    await symlink(path.join(root, "node_modules"), path.join(tree, "node_modules"));
    return await bundle(tree, outdir, ENTRY);
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: root, stdio: "ignore" });
    await rm(tree, { recursive: true, force: true });
  }
}

async function main() {
  // Under the project: workerd refuses (an opaque internal error) a script outside it.
  const out = path.join(root, "bench-results", "compare-build");
  const scripts = { base: await bundleAt(base, path.join(out, "base")), work: await bundle(root, path.join(out, "work"), ENTRY) };
  const keys = await generateTestKeys();
  const applicationId = crypto.randomUUID();
  const signatureSecret = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");
  const messages = await startMessagesServer(applicationId, keys.publicKey);
  const bindings = {
    VONAGE_APPLICATION_ID: applicationId,
    VONAGE_PRIVATE_KEY: keys.pkcs8Pem,
    VONAGE_SIGNATURE_SECRET: signatureSecret,
    VONAGE_API_URL: messages.url,
    VONAGE_JWT_TTL_SECONDS: process.env["VONAGE_JWT_TTL_SECONDS"] ?? "900",
    WEBHOOK_MAX_AGE_SECONDS: "3600",
  };
  const compat = wranglerCompatibility(path.join(root, "wrangler.toml"));
  const sides: Array<{ name: string; subject: WorkerdInstance; run: (n: number) => ReturnType<typeof drive>; cpu: number; webhooks: number; windows: number[] }> = [];
  try {
    for (const [name, scriptPath] of Object.entries(scripts)) {
      const subject = await startWorkerd([{ name: "subject", scriptPath, bindings }], compat);
      const kvUrl = `${subject.urls["subject"]!}${BENCH_PREFIX}`;
      const repo = menuRepo(workersKv(remoteKv(kvUrl, "MENUS"), { sleep }));
      const ref = await repo.publish(generateMenu("bench-5", 5), new Date().toISOString());
      const business = "442000000001";
      await repo.bind(business, ref.menu.id);
      const rng = seededRandom(1);
      const customers = await seedCustomers(kvUrl, "product", ref, business, 10, rng);
      const options = { url: `${subject.urls["subject"]!}/webhooks/inbound`, menu: ref.menu, business, customers, concurrency: 8, mix: BENCH_MIX, signatureSecret, rng, checkOutcomes: true };
      const side = { name, subject, run: (n: number) => drive({ ...options, webhooks: n }), cpu: 0, webhooks: 0, windows: [] as number[] };
      await side.run(200);
      sides.push(side);
    }
    for (let round = 0; round < rounds; round++) {
      // Alternating which side goes first, so a trend in the machine's load favours neither.
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const before = cpuMs(side.subject.pid);
        const run = await side.run(perWindow);
        if (run.failureCount > 0) throw new Error(`${side.name}: wrong answers: ${run.failures.join("; ")}`);
        const used = cpuMs(side.subject.pid) - before;
        side.cpu += used;
        side.webhooks += run.latenciesMs.length;
        side.windows.push(used / run.latenciesMs.length);
      }
    }
    for (const side of sides) console.log(`${side.name.padEnd(5)} ${(side.cpu / side.webhooks).toFixed(3)} ms/webhook; windows ${side.windows.map((w) => w.toFixed(2)).join(" ")}`);
    const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
    const wins = a.windows.filter((w, i) => b.windows[i]! < w).length;
    console.log(`working tree / ${base}: ${(b.cpu / b.webhooks / (a.cpu / a.webhooks)).toFixed(3)}x; the working tree was cheaper in ${wins} of ${rounds} windows`);
  } finally {
    for (const side of sides) await side.subject.dispose();
    await messages.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
