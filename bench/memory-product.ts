/**
 * The product with KV in isolate memory, ready to drive outside the benchmark's table (`bench:profile`,
 * `bench:compare`): the fake Messages API on a loopback port, keys made for the run, and per bundle a workerd with the
 * small menu published, bound and 10 customers seeded at its first question, every answer checked.
 */
import path from "node:path";
import { menuRepo } from "../src/store/menus.js";
import { workersKv } from "../src/store/workers-kv.js";
import { seededRandom } from "../sim/random.js";
import { generateTestKeys } from "../test/support/keys.js";
import { drive, type DriveResult } from "./driver.js";
import { generateMenu } from "./menus.js";
import { startMessagesServer } from "./messages-server.js";
import { remoteKv } from "./remote-kv.js";
import { seedCustomers } from "./seed.js";
import { BENCH_PREFIX } from "./kv-routes.js";
import { benchOptions } from "./options.js";
import { BENCH_MIX } from "./workload.js";
import { startWorkerd, wranglerCompatibility, type WorkerdInstance } from "./workerd.js";

export const MEMORY_PRODUCT_ENTRY = "bench/entries/product-memory.ts";

export interface DrivenProduct {
  subject: WorkerdInstance;
  /** Sends `webhooks` of the workload; throws on a wrong answer. */
  drive(webhooks: number): Promise<DriveResult>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A bundle to run, with the compatibility settings to run it with (default: those of `root`'s wrangler.toml). */
export interface ProductScript {
  path: string;
  compat?: ReturnType<typeof wranglerCompatibility>;
}

export async function memoryProducts(root: string, scripts: Array<string | ProductScript>, options: { inspectorPort?: number } = {}): Promise<{ products: DrivenProduct[]; close(): Promise<void> }> {
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
  const products: DrivenProduct[] = [];
  const close = async () => {
    for (const p of products) await p.subject.dispose();
    await messages.close();
  };
  try {
    for (const script of scripts) {
      const { path: scriptPath, compat: own } = typeof script === "string" ? { path: script, compat: undefined } : script;
      const subject = await startWorkerd([{ name: "subject", scriptPath, bindings }], own ?? compat, options);
      const url = subject.urls["subject"]!;
      const kvUrl = `${url}${BENCH_PREFIX}`;
      const repo = menuRepo(workersKv(remoteKv(kvUrl, "MENUS"), { sleep }));
      const ref = await repo.publish(generateMenu("bench-5", 5), new Date().toISOString());
      const business = "442000000001";
      await repo.bind(business, ref.menu.id);
      const rng = seededRandom(1);
      const customers = await seedCustomers(kvUrl, "product", ref, business, 10, BENCH_MIX, rng);
      const base = {
        url: `${url}/webhooks/inbound`,
        menu: ref.menu,
        business,
        customers,
        concurrency: 8,
        ratePerSecond: benchOptions().rate,
        mix: BENCH_MIX,
        signatureSecret,
        rng,
        checkOutcomes: true,
      };
      products.push({
        subject,
        async drive(webhooks) {
          const run = await drive({ ...base, webhooks });
          if (run.failureCount > 0) throw new Error(`wrong answers: ${run.failures.join("; ")}`);
          return run;
        },
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { products, close };
}
