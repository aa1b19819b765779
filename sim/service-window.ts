/**
 * The 24-hour customer-service window of each simulated customer: when they last wrote, as WhatsApp counts it.
 * The page can move a customer's clock forward, which ages that customer's last message here and nowhere else:
 * the webhooks the simulator sends keep real timestamps, so the worker sees nothing unusual but the refusals.
 */
import { SERVICE_WINDOW_MS } from "./whatsapp-rules.js";

/** What the page shows for a customer's window. */
export interface WindowState {
  customer: string;
  /** When the customer last wrote, as aged by the page's clock control; null if they never wrote. */
  lastInboundAt: string | null;
  /** When free-form messages stop reaching them; null if they never wrote. */
  closesAt: string | null;
  open: boolean;
}

export interface ServiceWindows {
  /** The customer sent a message (any kind): their window opens for 24 hours from now. */
  wrote(customer: string): WindowState;
  /** When the customer last wrote (epoch ms), or null: what the fake Messages API measures the window with. */
  lastInbound(customer: string): number | null;
  /** Moves the customer's clock forward by `ms`: their last message counts as that much older. */
  advance(customer: string, ms: number): WindowState;
  state(customer: string): WindowState;
  /** Puts back when the customer last wrote (epoch ms), as a saved history holds it: a restart keeps their window. */
  restore(customer: string, lastInboundAt: number): WindowState;
  /** Told every change, e.g. to update the page's feed. */
  subscribe(listener: (state: WindowState) => void): () => void;
}

export function createServiceWindows(options: { now?: () => number } = {}): ServiceWindows {
  const now = options.now ?? Date.now;
  const last = new Map<string, number>();
  const listeners = new Set<(state: WindowState) => void>();

  const state = (customer: string): WindowState => {
    const at = last.get(customer);
    if (at === undefined) return { customer, lastInboundAt: null, closesAt: null, open: false };
    return { customer, lastInboundAt: new Date(at).toISOString(), closesAt: new Date(at + SERVICE_WINDOW_MS).toISOString(), open: now() - at <= SERVICE_WINDOW_MS };
  };
  const changed = (customer: string) => {
    const s = state(customer);
    for (const listener of listeners) listener(s);
    return s;
  };

  return {
    wrote(customer) {
      last.set(customer, now());
      return changed(customer);
    },
    lastInbound: (customer) => last.get(customer) ?? null,
    advance(customer, ms) {
      const at = last.get(customer);
      // A customer who never wrote has no window to close: there is nothing to age.
      if (at !== undefined) last.set(customer, at - ms);
      return changed(customer);
    },
    state,
    restore(customer, lastInboundAt) {
      last.set(customer, lastInboundAt);
      return changed(customer);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
