import { describe, expect, it } from "vitest";
import { PAST_WEBHOOKS, walkPasts } from "../../bench/history.js";
import { generateMenu } from "../../bench/menus.js";
import { BENCH_MIX } from "../../bench/workload.js";
import { HANDLED_MAX } from "../../src/flow/session.js";
import type { Session } from "../../src/flow/types.js";
import { checkMenu } from "../../src/menus/compile.js";
import { sessionKey } from "../../src/store/sessions.js";
import { seededRandom } from "../../sim/random.js";

const BUSINESS = "442000000001";
const numbers = Array.from({ length: 40 }, (_, i) => `447${String(i).padStart(9, "0")}`);

describe("the benchmark's customer pasts", () => {
  for (const [name, options] of [
    ["static", {}],
    ["a request before each question", { backend: "http://127.0.0.1:9" }],
    ["a number input and conditions", { flow: true }],
  ] as const) {
    it(`leave every customer where the driver thinks they are, with a full history (${name})`, async () => {
      const menu = checkMenu(generateMenu("bench-5", 5, options), { allowLocalWebhooks: true }).menu!;
      const { entries, customers } = await walkPasts({ menu, version: 1 }, BUSINESS, numbers, BENCH_MIX, seededRandom(7));
      const stored = new Map(entries);
      expect(customers.map((c) => c.number)).toEqual(numbers);
      for (const customer of customers) {
        const text = stored.get(sessionKey(BUSINESS, customer.number));
        expect(text, customer.number).toBeDefined();
        const session = JSON.parse(text!) as Session;
        // The row's first webhook for this customer is decided on exactly this session.
        expect(session.pending?.node ?? null).toBe(customer.node);
        expect(session.attempts).toBe(customer.attempts);
        expect(session.menuVersion).toBe(1);
        // A past of at least PAST_WEBHOOKS.min webhooks fills the history a row of few customers reaches.
        expect(session.handled.length).toBe(HANDLED_MAX);
        // Its last webhook can be delivered again, as a duplicate.
        expect(session.handled).toContain(JSON.parse(customer.last!).message_uuid);
      }
      expect(PAST_WEBHOOKS.min).toBeGreaterThanOrEqual(HANDLED_MAX);
    });
  }
});
