/**
 * Delivers webhooks as Vonage does: at least once. Each message may be delivered a second time later
 * (duplicates, which may overtake newer messages), and any delivery answered 429 or 5xx is delivered
 * again, first about 5 s later, the delay doubling up to 15 minutes; a 2xx or another 4xx is final.
 */
import type { Random } from "../../sim/random.js";
import type { Timeline } from "./timeline.js";

export interface Delivery {
  /** Sequence number of this delivery attempt. */
  id: number;
  uuid: string;
  customer: string;
  body: string;
  /** 1 for the first delivery of this copy, 2 for its first redelivery, ... */
  attempt: number;
  /** True for the extra copy of a message delivered twice. */
  copy: boolean;
}

export interface DeliveryOptions {
  timeline: Timeline;
  rng: Random;
  /** Chance that a message is delivered twice. */
  duplicates: number;
  /** Longest network delay before a delivery arrives, ms. */
  maxDelayMs: number;
  /** Sends one delivery to the worker; answers the HTTP status. */
  send: (delivery: Delivery) => Promise<number>;
}

export interface DeliveryQueue {
  /** Hands a customer's message to "Vonage" now. */
  post(message: { uuid: string; customer: string; body: string }): void;
  readonly counts: { deliveries: number; duplicatesPosted: number; redeliveries: number; gaveUp: number };
}

const MAX_ATTEMPTS = 40;

export function vonageDelivery(o: DeliveryOptions): DeliveryQueue {
  const counts = { deliveries: 0, duplicatesPosted: 0, redeliveries: 0, gaveUp: 0 };
  let ids = 0;

  const schedule = (d: Omit<Delivery, "id">, delayMs: number) =>
    o.timeline.after(delayMs, async () => {
      const delivery = { ...d, id: ++ids };
      counts.deliveries++;
      const status = await o.send(delivery);
      if (status !== 429 && status < 500) return;
      // Vonage gives up after 24 hours; a test that needs that many attempts has found a stuck message.
      if (d.attempt >= MAX_ATTEMPTS) return void counts.gaveUp++;
      counts.redeliveries++;
      schedule({ ...d, attempt: d.attempt + 1 }, Math.min(900_000, 5_000 * 2 ** (d.attempt - 1)));
    });

  return {
    counts,
    post(message) {
      schedule({ ...message, attempt: 1, copy: false }, o.rng.int(o.maxDelayMs + 1));
      if (o.rng.chance(o.duplicates)) {
        counts.duplicatesPosted++;
        // A late copy: it may arrive after the customer's next message.
        schedule({ ...message, attempt: 1, copy: true }, o.rng.int(o.maxDelayMs + 1) + o.rng.int(30_000));
      }
    },
  };
}
