/**
 * Completion webhooks, the first kind of signed webhook the worker sends to the business (this folder is
 * for all of them): a finished conversation's answers, POSTed to the URL its closing node names.
 * The delivery is stored before the first attempt and removed after a 2xx, so an answer is never lost:
 * what every attempt failed to deliver stays listed (admin API) until it is retried.
 */
import { defined } from "../defined.js";
import type { Completion } from "../flow/types.js";
import type { KvStore } from "../store/kv.js";
import { destinationProblem } from "../public-url.js";
import { retry } from "../retry.js";
import type { Ports } from "../system.js";
import { sha256Hex } from "../webcrypto.js";
import { signWebhook } from "./sign.js";

export interface Delivery {
  id: string;
  url: string;
  /** The exact body sent on every attempt (the signature covers it). */
  body: string;
  createdAt: string;
  attempts: number;
  status: "pending" | "failed";
  lastError?: string;
  customer: string;
  menuId: string;
}

/** `random` makes the delivery ids. */
export interface DeliveryOptions extends Ports {
  store: KvStore;
  /** The key of COMPLETION_WEBHOOK_SECRET; null when unset: deliveries are kept as failed until it is configured and they are retried. */
  signingKey: CryptoKey | null;
  /** Delays before the 2nd, 3rd, ... attempt, in ms; bounded so the work ends within `waitUntil`'s 30 s. */
  backoffMs?: number[];
  timeoutMs?: number;
  /** ALLOW_LOCAL_WEBHOOKS: development only. */
  allowLocal?: boolean;
  /** Told when every attempt of a delivery failed: the operator would otherwise learn of it only from the list. */
  log?: (line: Record<string, unknown>) => void;
}

const key = (id: string) => `delivery:${id}`;

/**
 * The customer's last answer to each question, by node id, in the order the questions were first answered. A menu
 * that goes back to a question it asked ("Start over", a loop) keeps every answer in `answers`, in order; `latest`
 * is what the customer settled on, the answer that the texts' {{answers.<node>...}} showed them. Made when the body
 * is, so the session does not store the answers twice.
 */
export function latestAnswers(answers: Completion["answers"]): Record<string, { id: string; title: string; at: string }> {
  const latest = new Map<string, { id: string; title: string; at: string }>();
  for (const a of answers) latest.set(a.node, { id: a.id, title: a.title, at: a.at });
  return Object.fromEntries(latest);
}

/** A failed attempt whose message is the whole reason, as listed in `lastError`. */
class DeliveryFailure extends Error {}

export interface Deliveries {
  /** Stores the delivery; the returned promise makes the attempts (hand it to `waitUntil`). */
  enqueue(completion: Completion): Promise<{ id: string; attempts: Promise<boolean> }>;
  list(): Promise<Delivery[]>;
  /** One attempt now; true when delivered (and then removed). */
  retry(id: string): Promise<{ found: boolean; delivered: boolean; error?: string }>;
}

export function deliveries(options: DeliveryOptions): Deliveries {
  const backoff = options.backoffMs ?? [1_000, 5_000];
  const timeoutMs = options.timeoutMs ?? 5_000;

  /** One POST of the stored body; throws a DeliveryFailure, or what fetch threw. */
  async function attempt(d: Delivery): Promise<void> {
    if (options.signingKey === null) throw new DeliveryFailure("COMPLETION_WEBHOOK_SECRET is not set, so the delivery cannot be signed");
    // Checked again at every send: a menu stored before the rule, or a setting turned off since.
    const problem = destinationProblem(d.url, { allowLocal: options.allowLocal === true });
    if (problem !== null) throw new DeliveryFailure(`the webhook URL ${problem}`);
    const headers = await signWebhook(options.signingKey, d.id, Math.floor(options.now() / 1000), d.body);
    const res = await options.fetch(d.url, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json", "User-Agent": "wa-menu-worker" },
      body: d.body,
      signal: AbortSignal.timeout(timeoutMs),
      // A redirect could lead anywhere, this machine's network included: it is an answer, not a hop.
      redirect: "manual",
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 300 && res.status < 400) throw new DeliveryFailure(`receiver answered ${res.status} (a redirect); redirects are not followed: name the final URL in the menu`);
    if (!res.ok) throw new DeliveryFailure(`receiver answered ${res.status}`);
  }

  /** Attempts in a row; the record is updated once at the end, never per attempt (KV's 1 write/s per key). */
  async function run(d: Delivery, tries: number): Promise<{ delivered: boolean; error?: string }> {
    const counted = async () => {
      try {
        await attempt(d);
      } finally {
        d.attempts++;
      }
    };
    try {
      await retry(counted, { attempts: tries, delayMs: (n) => backoff[n - 1] ?? backoff[backoff.length - 1] ?? 1000, sleep: options.sleep });
    } catch (e) {
      const error = e instanceof DeliveryFailure ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      await options.store.put(key(d.id), { ...d, status: "failed", lastError: error } satisfies Delivery);
      options.log?.({
        level: "error",
        msg: "a webhook to the business could not be delivered; it is kept: fix the receiver, then POST /admin/deliveries/{id}/retry",
        id: d.id,
        menu: d.menuId,
        attempts: d.attempts,
        error,
      });
      return { delivered: false, error };
    }
    await options.store.delete(key(d.id));
    return { delivered: true };
  }

  return {
    async enqueue(c) {
      // Derived from the conversation and where it ended: every delivery of this completion, from any worker, has it.
      const id = `msg_${(await sha256Hex(c.key)).slice(0, 32)}`;
      const body = JSON.stringify({
        type: c.type ?? "menu.completed",
        timestamp: c.completedAt,
        data: {
          menu: c.menuId,
          version: c.menuVersion,
          conversation: c.conversation,
          end: c.end,
          business: c.business,
          customer: c.customer,
          ...defined({ profile_name: c.profileName }),
          answers: c.answers.map((a) => ({ node: a.node, id: a.id, title: a.title, at: a.at })),
          latest: latestAnswers(c.answers),
          ...defined({ variables: c.variables, message: c.message, reason: c.reason, undelivered: c.undelivered }),
        },
      });
      const d: Delivery = { id, url: c.webhook, body, createdAt: c.completedAt, attempts: 0, status: "pending", customer: c.customer, menuId: c.menuId };
      await options.store.put(key(id), d);
      return { id, attempts: run(d, backoff.length + 1).then((r) => r.delivered) };
    },
    async list() {
      const keys = await options.store.list("delivery:");
      const entries = await options.store.getMany<Delivery>(keys);
      return entries.flatMap((e) => (e ? [e.value] : []));
    },
    async retry(id) {
      const stored = await options.store.get<Delivery>(key(id));
      if (stored === null) return { found: false, delivered: false };
      return { found: true, ...(await run(stored.value, 1)) };
    },
  };
}
