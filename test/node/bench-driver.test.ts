import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drive } from "../../bench/driver.js";
import { generateMenu } from "../../bench/menus.js";
import { BENCH_MIX } from "../../bench/workload.js";
import { checkMenu } from "../../src/menus/compile.js";
import { seededRandom } from "../../sim/random.js";

// The benchmark compares rows driven alike: at one arrival rate, every row's webhooks start evenly spaced, however
// fast the worker answers. A receiver that answers at once shows the spacing alone.
const arrivals: number[] = [];
/** Answers are held until this many requests are in flight at once (1: each answered at once). */
let holdUntil = 1;
let held: Array<() => void> = [];
const server = createServer((req, res) => {
  arrivals.push(performance.now());
  req.resume();
  req.on("end", () => {
    held.push(() => res.writeHead(200, { "Content-Type": "application/json" }).end("{}"));
    if (held.length >= holdUntil) {
      for (const answer of held) answer();
      held = [];
    }
  });
});
let url = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/inbound`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const menu = checkMenu(generateMenu("bench-5", 5), { allowLocalWebhooks: true }).menu!;
const customers = () => Array.from({ length: 10 }, (_, i) => ({ number: `4470000000${String(i).padStart(2, "0")}`, node: null, attempts: 0, last: null }));
const run = (ratePerSecond: number, webhooks: number) =>
  drive({
    url,
    menu,
    business: "442000000001",
    customers: customers(),
    webhooks,
    concurrency: 8,
    ratePerSecond,
    mix: BENCH_MIX,
    signatureSecret: "s".repeat(32),
    rng: seededRandom(3),
    checkOutcomes: false,
  });

describe("the benchmark's driver", () => {
  it("starts webhooks evenly spaced at the set rate, whatever the concurrency", async () => {
    // The lanes' connections opened first, as the benchmark's warm-up does: a new one takes a few ms of its own.
    await run(0, 8);
    arrivals.length = 0;
    const scheduled = performance.now();
    const result = await run(50, 11);
    expect(result.failureCount).toBe(0);
    expect(arrivals).toHaveLength(11);
    // 20 ms apart at 50 per second, from a schedule that starts no earlier than the run: a timer may fire late (on a
    // busy machine one webhook can then follow the one before at once, taking the slot it missed), never early, so
    // the k-th webhook to arrive cannot arrive before k slots have passed. A millisecond for the timers' rounding.
    for (const [k, at] of arrivals.entries()) expect(at - scheduled).toBeGreaterThanOrEqual(k * 20 - 1);
  });

  it("with no rate, keeps every lane busy at once", async () => {
    arrivals.length = 0;
    // Nothing is answered until all eight lanes have a webhook in flight: a driver that waited would hang here.
    holdUntil = 8;
    try {
      const result = await run(0, 8);
      expect(result.failureCount).toBe(0);
      expect(arrivals).toHaveLength(8);
    } finally {
      holdUntil = 1;
    }
  });
});
