/**
 * Puts customers mid-conversation before a run: for the product, a session waiting on the menu's first
 * question, built by the product's own engine; for the floor, its one record per customer. Stored in bulk
 * through the KV host, outside the measured window.
 */
import { decideStart, type MenuRef } from "../src/flow/engine.js";
import { blankSession, markHandled } from "../src/flow/session.js";
import type { SentRecord } from "../src/flow/types.js";
import { sentKey, sessionKey } from "../src/store/sessions.js";
import type { Random } from "../sim/random.js";
import { questionAt, type Customer } from "./workload.js";

const BATCH = 500;
const TTL_SECONDS = 86_400;

export const customerNumber = (i: number) => `447${String(i).padStart(9, "0")}`;

/** Stores [key, value] pairs through the KV host's uncounted bulk route. */
export async function seedKv(hostUrl: string, namespace: string, entries: Array<[string, string]>): Promise<void> {
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH).map(([k, v]) => [k, v, TTL_SECONDS]);
    const res = await fetch(`${hostUrl}/seed/${namespace}`, { method: "POST", body: JSON.stringify(batch) });
    if (!res.ok) throw new Error(`seeding ${namespace} failed: ${res.status} ${await res.text()}`);
  }
}

export async function seedCustomers(hostUrl: string, kind: "product" | "floor", ref: MenuRef, business: string, count: number, rng: Random): Promise<Customer[]> {
  const now = new Date().toISOString();
  const customers: Customer[] = [];
  const entries: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const number = customerNumber(i);
    if (kind === "product") {
      // The customer wrote first (WhatsApp's 24-hour window is open), so the start asks the menu's first question.
      const wrote = markHandled(blankSession(null, { business, customer: number }, now, null, rng.uuid()), rng.uuid(), now);
      const plan = decideStart({ session: wrote, sent: null, optedOut: false, ref, who: { business, customer: number }, now, writer: rng.uuid() });
      const session = plan.session!;
      const sent: SentRecord = { step: session.step!, done: session.owed!.sends.length, uuids: session.owed!.sends.map(() => rng.uuid()), at: now };
      entries.push([sessionKey(business, number), JSON.stringify(session)], [sentKey(business, number), JSON.stringify(sent)]);
    } else {
      entries.push([sessionKey(business, number), JSON.stringify({ inbound: rng.uuid(), pending: rng.uuid() })]);
    }
    customers.push({ number, node: questionAt(ref.menu, { node: ref.menu.start }), attempts: 0, last: null });
  }
  await seedKv(hostUrl, "SESSIONS", entries);
  return customers;
}
