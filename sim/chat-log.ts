/**
 * The simulator's memory: every chat between the business and each simulated customer, as entries the page
 * renders, and the listeners (the page's live feeds) told about each change.
 */
import type { WindowState } from "./service-window.js";

export interface Customer {
  number: string;
  name: string;
}

/** Where a business message is, as the status webhooks the simulator sent say; never goes backwards. */
export type Tick = "accepted" | "submitted" | "delivered" | "read";
const TICK_ORDER: Tick[] = ["accepted", "submitted", "delivered", "read"];

/** A template as WhatsApp shows it: the approved body with its parameters filled in, and its quick-reply buttons. */
export interface ShownTemplate {
  name: string;
  language: string;
  text: string;
  /** `payload` is what a tap sends back: the one the business gave that button, else the button's text. */
  buttons: Array<{ index: number; text: string; payload: string }>;
}

/** What the business sent, as the Messages API received it (`custom.interactive` untouched). */
export type BusinessContent = { type: "text"; text: string } | { type: "interactive"; interactive: unknown } | { type: "template"; template: ShownTemplate };

/** A place as WhatsApp's location message carries it: where, and the place's name and address when it has them. */
export interface SharedLocation {
  lat: number;
  long: number;
  name?: string;
  address?: string;
}

/** What the customer sent: typed text, a tap on a button or list row of an earlier message, or a shared location pin. */
export type CustomerContent =
  | { type: "text"; text: string }
  | { type: "reply"; id: string; title: string; description?: string; quoted: { messageUuid: string; text: string } }
  | ({ type: "location" } & SharedLocation);

interface EntryBase {
  /** The `message_uuid` for messages; a random id for notices. */
  id: string;
  customer: string;
  at: string;
}

export interface BusinessEntry extends EntryBase {
  kind: "business";
  content: BusinessContent;
  tick: Tick;
  /** Reply ids the customer already chose from this message: WhatsApp disables a tapped button. */
  chosen: string[];
  /** WhatsApp refused it after Vonage accepted it (the `rejected` status the worker was sent): never delivered. */
  rejected?: { code: number; detail: string };
}

export interface CustomerEntry extends EntryBase {
  kind: "customer";
  content: CustomerContent;
  /** `sending` until the worker answered the webhook; `failed` when it did not take it. */
  delivery: "sending" | "delivered" | "failed";
  /** The worker's `outcome` (started, advanced, ...), shown small under the bubble. */
  outcome?: string;
}

/** A line from the simulator itself: an error the user must see (red), or a note (e.g. a menu was started). */
export interface NoticeEntry extends EntryBase {
  kind: "notice";
  level: "error" | "info";
  title: string;
  detail?: string;
  /** `invalid_parameters` of a Messages API rejection, as `name: reason`. */
  problems?: string[];
}

export type Entry = BusinessEntry | CustomerEntry | NoticeEntry;

export type ChatEvent = { type: "entry"; entry: Entry } | { type: "customers"; customers: Customer[] };

/** What the page's live feed sends first, on every (re)connect: everything it needs to draw. */
export interface FeedSnapshot {
  business: Customer;
  customers: Customer[];
  menus: Array<{ id: string; name: string }>;
  entries: Entry[];
  /** Each customer's 24-hour window; a `window` event follows each change. */
  windows: WindowState[];
}
export type Listener = (event: ChatEvent) => void;

export interface ChatLog {
  customers(): Customer[];
  /** Adds the customer unless known; returns the known or new one. */
  addCustomer(customer: Customer): Customer;
  hasCustomer(number: string): boolean;
  entries(customer?: string): Entry[];
  get(id: string): Entry | undefined;
  /** Adds or replaces an entry by id, and tells every listener. */
  put(entry: Entry): Entry;
  /** Adds a line from the simulator itself to a customer's chat. */
  notice(customer: string, level: NoticeEntry["level"], title: string, more?: { detail?: string; problems?: string[] }): NoticeEntry;
  /** Moves a business message's tick forward; a late or repeated status never moves it back. */
  advance(id: string, tick: Tick): BusinessEntry | undefined;
  subscribe(listener: Listener): () => void;
}

/** Keeps a bounded number of entries per customer, so a long session cannot grow without end. */
export function createChatLog(initial: Customer[], options: { maxEntriesPerCustomer?: number } = {}): ChatLog {
  const max = options.maxEntriesPerCustomer ?? 500;
  const customers: Customer[] = [];
  const byCustomer = new Map<string, Entry[]>();
  const byId = new Map<string, Entry>();
  const listeners = new Set<Listener>();

  const emit = (event: ChatEvent) => {
    for (const listener of listeners) listener(event);
  };

  const log: ChatLog = {
    customers: () => customers.map((c) => ({ ...c })),
    addCustomer(customer) {
      const known = customers.find((c) => c.number === customer.number);
      if (known !== undefined) return known;
      customers.push({ ...customer });
      byCustomer.set(customer.number, []);
      emit({ type: "customers", customers: log.customers() });
      return customer;
    },
    hasCustomer: (number) => byCustomer.has(number),
    entries(customer) {
      if (customer !== undefined) return [...(byCustomer.get(customer) ?? [])];
      return customers.flatMap((c) => byCustomer.get(c.number) ?? []);
    },
    get: (id) => byId.get(id),
    put(entry) {
      // A message to a number nobody added (e.g. a flow started with curl) still gets a chat.
      if (!byCustomer.has(entry.customer)) log.addCustomer({ number: entry.customer, name: `+${entry.customer}` });
      const list = byCustomer.get(entry.customer)!;
      const at = list.findIndex((e) => e.id === entry.id);
      if (at >= 0) list[at] = entry;
      else {
        list.push(entry);
        if (list.length > max) byId.delete(list.shift()!.id);
      }
      byId.set(entry.id, entry);
      emit({ type: "entry", entry });
      return entry;
    },
    notice(customer, level, title, more = {}) {
      const entry: NoticeEntry = { kind: "notice", level, id: crypto.randomUUID(), customer, at: new Date().toISOString(), title };
      if (more.detail !== undefined) entry.detail = more.detail;
      if (more.problems !== undefined && more.problems.length > 0) entry.problems = more.problems;
      return log.put(entry) as NoticeEntry;
    },
    advance(id, tick) {
      const entry = byId.get(id);
      if (entry?.kind !== "business") return undefined;
      if (TICK_ORDER.indexOf(tick) <= TICK_ORDER.indexOf(entry.tick)) return entry;
      return log.put({ ...entry, tick }) as BusinessEntry;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  for (const c of initial) log.addCustomer(c);
  return log;
}
