/**
 * Status webhooks as Vonage sends them for a WhatsApp message: `submitted` and `delivered` after the
 * Messages API accepted it, `read` once the customer looked at the chat, or `rejected` alone when WhatsApp
 * refused it. The page's ticks move only when the worker took the webhook, so what the page shows is what the
 * worker was told.
 */
import type { ChatLog, Tick } from "./chat-log.js";
import { statusError, statusWebhook } from "./vonage-webhooks.js";
import type { WhatsAppRejection } from "./whatsapp-rules.js";
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
  /** A message was accepted (202): sends `submitted`, then `delivered`; or only `rejected` when WhatsApp refused it. */
  accepted(messageUuid: string, rejection?: WhatsAppRejection): void;
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

  async function send(messageUuid: string, status: Exclude<Tick, "accepted"> | "rejected", rejection?: WhatsAppRejection): Promise<boolean> {
    const entry = log.get(messageUuid);
    if (entry?.kind !== "business") return false;
    const error = rejection === undefined ? {} : { error: statusError(rejection) };
    const result = await worker.status(statusWebhook({ messageUuid, business, customer: entry.customer, status, ...error }));
    if (result.ok) {
      const latest = log.get(messageUuid);
      if (status !== "rejected") log.advance(messageUuid, status);
      else if (rejection !== undefined && latest?.kind === "business") log.put({ ...latest, rejected: { code: rejection.code, detail: rejection.detail } });
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
    accepted(messageUuid, rejection) {
      track(
        (async () => {
          // Let the 202 reach the worker first, as it would from Vonage.
          await sleep(delayMs);
          if (rejection !== undefined) return void (await send(messageUuid, "rejected", rejection));
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
