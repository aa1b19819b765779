/**
 * Customers with a past, for the product's rows: each one walked, before the run and outside any measured process,
 * through a random number of webhooks of the benchmark's own workload by the product's own conversation step, over
 * the benchmark's in-memory KV (`memory-kv.ts`) and a Messages API that only answers. What that leaves in the
 * sessions namespace (the session, its history of handled messages and asked questions, the sent record) is what
 * the row's KV is seeded with.
 *
 * Why: a row's CPU per webhook depends on the mix of steps it measures and on the size of the sessions it reads and
 * writes. Without a past, a row of 10 customers (each answering hundreds of times, finishing and starting again, its
 * session at its full history) and one of 10 000 (each answering once or not at all, from the first question, its
 * session a few hundred bytes, never a duplicate, since a customer with no earlier message has none to redeliver)
 * measure different work, and comparing them says nothing about scale. With the same past drawn for every customer,
 * every row measures the same mix, and a difference between them is one of menu size or customer count.
 */
import { handleInboundEvent, type ConversationDeps } from "../src/conversation/step.js";
import type { MenuRef } from "../src/flow/engine.js";
import { menuKeys, menuRepo, type StoredVersion } from "../src/store/menus.js";
import { sessionRepo } from "../src/store/sessions.js";
import { workersKv } from "../src/store/workers-kv.js";
import { parseInbound } from "../src/vonage/webhooks.js";
import type { Random } from "../sim/random.js";
import { BACKEND_ANSWER } from "./backend-server.js";
import { memoryKv } from "./memory-kv.js";
import { nextStep, type Customer, type Mix } from "./workload.js";

/** Webhooks each customer's past is made of, at least and at most: past 25 (duplicates among them), a session's history of handled messages is full (`HANDLED_MAX`). */
export const PAST_WEBHOOKS = { min: 25, max: 45 } as const;

/**
 * Walks each customer through a past of `PAST_WEBHOOKS` webhooks (the first a "hi" that starts the menu) and returns
 * the sessions namespace's entries and the customers as the driver goes on with them. Every answer is checked against
 * what the customer expects, as the driver checks the measured ones.
 */
export async function walkPasts(ref: MenuRef, business: string, numbers: string[], mix: Mix, rng: Random): Promise<{ entries: Array<[string, string]>; customers: Customer[] }> {
  const sleep = async () => undefined;
  const sessionsNs = memoryKv();
  const menusKv = workersKv(memoryKv(), { sleep });
  const stored: StoredVersion = { menu: null, compiled: ref.menu, publishedAt: new Date().toISOString() };
  await menusKv.put(menuKeys.version(ref.menu.id, ref.version), stored);
  await menusKv.put(menuKeys.pointer(ref.menu.id), { id: ref.menu.id, current: ref.version, latest: ref.version, updatedAt: stored.publishedAt });
  await menusKv.put(menuKeys.binding(business), { menuId: ref.menu.id });
  const deps: ConversationDeps = {
    sessions: sessionRepo(workersKv(sessionsNs, { sleep })),
    menus: menuRepo(menusKv),
    messages: { send: async () => rng.uuid() },
    deliveries: {
      enqueue: async (completion) => ({ id: completion.key, attempts: Promise.resolve(true) }),
      list: async () => [],
      retry: async () => ({ found: false, delivered: false }),
    },
    // The benchmark's backend answers at once, always the same.
    backend: { request: async () => ({ ok: true, status: 200, json: BACKEND_ANSWER, ms: 0 }) },
    now: Date.now,
    newId: () => rng.uuid(),
    sessionTtlSeconds: 86_400,
    atomic: false,
    claimSettleMs: 0,
    sleep,
    defer: () => undefined,
  };
  const customers: Customer[] = [];
  for (const number of numbers) {
    const customer: Customer = { number, node: null, attempts: 0, last: null };
    const past = PAST_WEBHOOKS.min + rng.int(PAST_WEBHOOKS.max - PAST_WEBHOOKS.min + 1);
    for (let i = 0; i < past; i++) {
      const step = nextStep(ref.menu, business, customer, mix, rng);
      const event = parseInbound(JSON.parse(step.body));
      if (event === null) throw new Error(`customer ${number}'s past: a webhook the product does not take: ${step.body.slice(0, 200)}`);
      const result = await handleInboundEvent(deps, event);
      if (result.outcome !== step.expect.outcome || (result.node ?? null) !== step.expect.node) {
        throw new Error(`customer ${number}'s past, webhook ${i + 1}: expected ${JSON.stringify(step.expect)}, the product answered ${result.outcome} at ${result.node ?? null}`);
      }
      step.commit();
    }
    customers.push(customer);
  }
  return { entries: sessionsNs.entries(), customers };
}
