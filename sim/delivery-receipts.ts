/**
 * Status webhooks as Vonage sends them for a WhatsApp message: `submitted` and `delivered` after the
 * Messages API accepted it, `read` once the customer looked at the chat. The page's ticks move only when the
 * worker took the webhook, so what the page shows is what the worker was told.
 */
import type { ChatLog, Tick } from "./chat-log.js";
import { statusWebhook } from "./vonage-webhooks.js";
import type { WorkerClient } from "./worker-client.js";

export interface DeliveryReceiptsOptions {
  log: ChatLog;
  worker: WorkerClient;
  business: string;
  /** Pause before each status, so a person sees the ticks change; 0 in tests. */
  delayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryReceipts {
  /** A message was accepted (202): sends `submitted`, then `delivered`. */
  accepted(messageUuid: string): void;
  /** The customer has their chat open: every delivered message of theirs becomes `read`. */
  read(customer: string): void;
  /** Resolves once every status webhook started so far has been answered. */
  idle(): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createDeliveryReceipts(options: DeliveryReceiptsOptions): DeliveryReceipts {
  const { log, worker, business } = options;
  const sleep = options.sleep ?? defaultSleep;
  const delayMs = options.delayMs ?? 0;
  const inFlight = new Set<Promise<void>>();
  const readSent = new Set<string>();
  /** Customers whose last status webhook failed. */
  const failing = new Set<string>();

  async function send(messageUuid: string, status: Exclude<Tick, "accepted">): Promise<boolean> {
    const entry = log.get(messageUuid);
    if (entry?.kind !== "business") return false;
    const result = await worker.status(statusWebhook({ messageUuid, business, customer: entry.customer, status }));
    if (result.ok) {
      log.advance(messageUuid, status);
      failing.delete(entry.customer);
      return true;
    }
    // One red line per chat for a run of failures, not one per message and status.
    if (!failing.has(entry.customer)) {
      failing.add(entry.customer);
      log.notice(entry.customer, "error", "A status webhook was not accepted", { detail: `${status}: ${result.message}` });
    }
    return false;
  }

  function track(work: Promise<unknown>): void {
    const p = work.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  return {
    accepted(messageUuid) {
      track(
        (async () => {
          // Let the 202 reach the worker first, as it would from Vonage.
          await sleep(delayMs);
          if (!(await send(messageUuid, "submitted"))) return;
          await sleep(delayMs);
          await send(messageUuid, "delivered");
        })(),
      );
    },
    read(customer) {
      for (const entry of log.entries(customer)) {
        if (entry.kind !== "business" || entry.tick !== "delivered" || readSent.has(entry.id)) continue;
        readSent.add(entry.id);
        track(
          (async () => {
            await sleep(delayMs);
            if (!(await send(entry.id, "read"))) readSent.delete(entry.id);
          })(),
        );
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
