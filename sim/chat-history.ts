/**
 * The simulator's chats kept in a file beside the worker's local KV (`.dev/chat-history.json` under `npm start`),
 * so after a restart the chats show what the worker's sessions still remember. Written a moment after each change,
 * whole and atomically (a temporary file renamed over the old one), and bounded: the last entries of each customer.
 * Each customer's 24-hour window (when they last wrote) is kept with the chats: the worker remembers it across a
 * restart, so the simulator must too, or it refuses with 1340 what the worker rightly sends.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { ChatLog, Customer, Entry } from "./chat-log.js";
import type { ServiceWindows } from "./service-window.js";

export interface SavedHistory {
  v: 1;
  savedAt: string;
  customers: Customer[];
  /** Oldest first, per customer. */
  entries: Entry[];
  /** When each customer who wrote last did, as the simulator's window counts it (the page's clock control included). */
  windows?: SavedWindow[];
}

export interface SavedWindow {
  customer: string;
  lastInboundAt: string;
}

export interface HistoryLimits {
  /** The simulator's windows, saved and restored with the chats. */
  windows?: ServiceWindows;
  /** Default 200: enough to scroll back through a session's worth of tapping. */
  maxEntriesPerCustomer?: number;
  /** Default 50. */
  maxCustomers?: number;
}

export interface KeptHistory {
  /** Writes what is not written yet, now. */
  flush(): Promise<void>;
  /** Stops listening, after a last flush. */
  close(): Promise<void>;
}

const isWindow = (w: unknown): w is SavedWindow =>
  typeof w === "object" && w !== null && typeof (w as SavedWindow).customer === "string" && !Number.isNaN(Date.parse(String((w as SavedWindow).lastInboundAt)));
const KINDS = new Set(["business", "customer", "notice"]);
const isCustomer = (c: unknown): c is Customer => typeof c === "object" && c !== null && typeof (c as Customer).number === "string" && typeof (c as Customer).name === "string";
const isEntry = (e: unknown): e is Entry =>
  typeof e === "object" &&
  e !== null &&
  KINDS.has(String((e as Entry).kind)) &&
  typeof (e as Entry).id === "string" &&
  typeof (e as Entry).customer === "string" &&
  typeof (e as Entry).at === "string";

/** The saved chats, or null when there are none; a file that is not as this wrote it is reported, not thrown. */
export async function loadChatHistory(path: string): Promise<{ history: SavedHistory | null; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { history: null };
    throw e;
  }
  let parsed: Partial<SavedHistory>;
  try {
    parsed = JSON.parse(text) as Partial<SavedHistory>;
  } catch {
    return { history: null, problem: `${path} is not valid JSON; the chats start empty and it is written anew` };
  }
  if (parsed.v !== 1 || !Array.isArray(parsed.customers) || !Array.isArray(parsed.entries)) {
    return { history: null, problem: `${path} is not as npm start writes it; the chats start empty and it is written anew` };
  }
  // Whatever a hand edit broke is left out; the rest is kept.
  const history: SavedHistory = { v: 1, savedAt: String(parsed.savedAt ?? ""), customers: parsed.customers.filter(isCustomer), entries: parsed.entries.filter(isEntry) };
  // A file from before windows were kept has none: those customers count as not having written.
  if (Array.isArray(parsed.windows)) history.windows = parsed.windows.filter(isWindow);
  return { history };
}

/** Puts saved chats back into a fresh log (its customers first), and each window into `windows`; returns how many entries came back. */
export function restoreChatHistory(log: ChatLog, history: SavedHistory, windows?: ServiceWindows): number {
  for (const c of history.customers) log.addCustomer(c);
  for (const e of history.entries) log.put(e);
  if (windows !== undefined) for (const w of history.windows ?? []) windows.restore(w.customer, Date.parse(w.lastInboundAt));
  return history.entries.length;
}

/** The log as it is saved: every customer (up to the limit), the last entries of each, and their windows. */
export function historyOf(log: ChatLog, limits: HistoryLimits = {}, now = new Date()): SavedHistory {
  const perCustomer = limits.maxEntriesPerCustomer ?? 200;
  const customers = log.customers().slice(0, limits.maxCustomers ?? 50);
  const saved: SavedHistory = { v: 1, savedAt: now.toISOString(), customers, entries: customers.flatMap((c) => log.entries(c.number).slice(-perCustomer)) };
  const windows = limits.windows;
  if (windows !== undefined) {
    saved.windows = customers.flatMap((c) => {
      const at = windows.lastInbound(c.number);
      return at === null ? [] : [{ customer: c.number, lastInboundAt: new Date(at).toISOString() }];
    });
  }
  return saved;
}

/** Saves the log to `path` shortly after every change, until closed. */
export function keepChatHistory(log: ChatLog, path: string, options: HistoryLimits & { delayMs?: number } = {}): KeptHistory {
  const delayMs = options.delayMs ?? 250;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dirty = false;
  // One write at a time, in order: the last one written is the newest state.
  let writing: Promise<void> = Promise.resolve();

  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!dirty) return writing;
    dirty = false;
    const text = `${JSON.stringify(historyOf(log, options))}\n`;
    writing = writing
      .then(async () => {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(`${path}.tmp`, text);
        await rename(`${path}.tmp`, path);
      })
      .catch((e: unknown) => {
        // Not worth stopping the simulator for; the next change tries again.
        dirty = true;
        process.stderr.write(`could not save the chat history to ${path}: ${e instanceof Error ? e.message : String(e)}\n`);
      });
    return writing;
  };

  const changed = () => {
    dirty = true;
    // A burst of changes (a message and its ticks) is one write.
    timer ??= setTimeout(() => void write(), delayMs);
  };
  const unsubscribe = [log.subscribe(changed), options.windows?.subscribe(changed)];

  return {
    flush: write,
    async close() {
      for (const stop of unsubscribe) stop?.();
      await write();
    },
  };
}
