/**
 * Delivers signed webhooks to the worker at a fixed concurrency, one at a time per customer (a customer's
 * next message depends on the answer to the previous one), at an even arrival rate if one is given, and times
 * each delivery.
 */
import type { CompiledMenu } from "../src/menus/compiled.js";
import type { Random } from "../sim/random.js";
import { signWebhook } from "../sim/vonage-webhooks.js";
import { nextStep, type Customer, type Mix } from "./workload.js";

export interface DriveOptions {
  url: string;
  menu: CompiledMenu;
  business: string;
  customers: Customer[];
  webhooks: number;
  concurrency: number;
  /**
   * Webhooks started per second, evenly spaced, as customers' messages arrive; 0 for as fast as the lanes go.
   * A worker's CPU per webhook depends on how busy its process is (a process woken from idle for each request
   * runs it slower than one kept busy): at one rate, rows compared with each other idle alike.
   */
  ratePerSecond: number;
  mix: Mix;
  signatureSecret: string;
  rng: Random;
  /** Check the product's answers against the customers' expectations (the floor answers otherwise). */
  checkOutcomes: boolean;
}

export interface DriveResult {
  latenciesMs: number[];
  wallMs: number;
  /** Answers that were not 200, or not what the customer expected; the first few, described. */
  failures: string[];
  failureCount: number;
}

export async function drive(o: DriveOptions): Promise<DriveResult> {
  const idle = [...o.customers];
  const latenciesMs: number[] = [];
  const failures: string[] = [];
  let failureCount = 0;
  let remaining = o.webhooks;
  const fail = (what: string) => {
    failureCount++;
    if (failures.length < 5) failures.push(what);
  };

  const spacingMs = o.ratePerSecond > 0 ? 1000 / o.ratePerSecond : 0;
  // The schedule starts when the first webhook is ready to go.
  let nextAt: number | null = null;
  async function lane() {
    while (remaining > 0 && idle.length > 0) {
      remaining--;
      // Any customer not already waiting on an answer, so each one's messages stay in order.
      const at = o.rng.int(idle.length);
      const customer = idle[at]!;
      idle[at] = idle[idle.length - 1]!;
      idle.pop();
      const step = nextStep(o.menu, o.business, customer, o.mix, o.rng);
      const authorization = await signWebhook(step.body, o.signatureSecret);
      if (spacingMs > 0) {
        // The schedule's next slot, taken once the webhook is ready so that it leaves on time; a worker that falls
        // behind the schedule gets the slots it missed at once.
        const slot = nextAt ?? performance.now();
        nextAt = slot + spacingMs;
        const wait = slot - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const started = performance.now();
      const res = await fetch(o.url, { method: "POST", headers: { "Content-Type": "application/json", Authorization: authorization }, body: step.body });
      const text = await res.text();
      latenciesMs.push(performance.now() - started);
      if (res.status !== 200) fail(`${res.status} ${text.slice(0, 200)}`);
      else if (o.checkOutcomes) {
        const got = JSON.parse(text) as { outcome?: string; node?: string | null };
        if (got.outcome !== step.expect.outcome || (got.node ?? null) !== step.expect.node) {
          fail(`customer ${customer.number}: expected ${JSON.stringify(step.expect)}, got ${text.slice(0, 200)}`);
        }
      }
      step.commit();
      idle.push(customer);
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.customers.length) }, lane));
  return { latenciesMs, wallMs: performance.now() - started, failures, failureCount };
}

/** The value below which `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
