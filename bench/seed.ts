/**
 * Puts customers mid-conversation before a run: for the product, what a past of a few dozen webhooks left in its
 * sessions namespace, walked by the product's own step (`history.ts`); for the floor, its one record per customer.
 * Stored in bulk through the KV host, outside the measured window.
 */
import type { MenuRef } from "../src/flow/engine.js";
import { sessionKey } from "../src/store/sessions.js";
import type { Random } from "../sim/random.js";
import { walkPasts } from "./history.js";
import { questionAt, type Customer, type Mix } from "./workload.js";

const BATCH = 100;
const TTL_SECONDS = 86_400;

export const customerNumber = (i: number) => `447${String(i).padStart(9, "0")}`;

/** Stores [key, value] pairs through the KV host's uncounted bulk route. */
export async function seedKv(hostUrl: string, namespace: string, entries: Array<[string, string]>): Promise<void> {
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH).map(([k, v]) => [k, v, TTL_SECONDS]);
    const body = JSON.stringify(batch);
    // A connection the host closed while a long walk (`history.ts`) kept this process busy is tried once more anew.
    const post = () => fetch(`${hostUrl}/seed/${namespace}`, { method: "POST", body });
    const res = await post()
      .catch(post)
      .catch((error: unknown) => {
        throw new Error(`seeding ${namespace} (entries ${i} to ${i + batch.length} of ${entries.length}) failed: ${String((error as { cause?: unknown }).cause ?? error)}`);
      });
    if (!res.ok) throw new Error(`seeding ${namespace} failed: ${res.status} ${await res.text()}`);
  }
}

export async function seedCustomers(hostUrl: string, kind: "product" | "floor", ref: MenuRef, business: string, count: number, mix: Mix, rng: Random): Promise<Customer[]> {
  const numbers = Array.from({ length: count }, (_, i) => customerNumber(i));
  if (kind === "product") {
    // Each customer mid-conversation with a past (`history.ts`), so that every row measures the same mix of steps.
    const { entries, customers } = await walkPasts(ref, business, numbers, mix, rng);
    await seedKv(hostUrl, "SESSIONS", entries);
    return customers;
  }
  const entries = numbers.map((number): [string, string] => [sessionKey(business, number), JSON.stringify({ inbound: rng.uuid(), pending: rng.uuid() })]);
  await seedKv(hostUrl, "SESSIONS", entries);
  return numbers.map((number) => ({ number, node: questionAt(ref.menu, { node: ref.menu.start }), attempts: 0, last: null }));
}
