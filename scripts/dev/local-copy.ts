/**
 * The copy of a menu file that `npm start`'s local KV gets: its placeholder webhooks point at the local receiver
 * and the booking example's backend at the simulator's. One function for every way a file reaches the local
 * worker (the seeding at start-up, the watcher, `wa-menu push` to that worker), so they all publish the same
 * document. Where the receiver and backend are is written to the dev folder (`local-urls.json`) at each start:
 * the CLI reads it there, as it reads the admin token from `credentials.json`.
 */
import { withLocalBackend } from "../../sim/example-backend.js";
import { pointWebhooksAt } from "./local-webhooks.js";

/** Where a running `npm start` serves what the menu files' placeholders stand for. */
export interface LocalUrls {
  /** The worker `npm start` runs (WORKER_PORT), so the CLI knows the file is about the worker it talks to. */
  workerUrl: string;
  /** The local receiver of the worker's webhooks (RECEIVER_PORT). */
  receiverUrl: string;
  /** The example backend, served by the simulator (SIMULATOR_PORT). */
  backendUrl: string;
}

/** The file in the dev folder that holds them. */
export const LOCAL_URLS_FILE = "local-urls.json";

/** The document local KV gets for a menu file's `doc`. */
export function localCopy(doc: unknown, urls: Pick<LocalUrls, "receiverUrl" | "backendUrl">): unknown {
  return withLocalBackend([{ doc: pointWebhooksAt(doc, urls.receiverUrl).doc }], urls.backendUrl)[0]!.doc;
}

/** The text of `local-urls.json`. */
export const localUrlsText = (urls: LocalUrls) => `${JSON.stringify(urls, null, 2)}\n`;

/** `local-urls.json` as written above, or null for anything else (a file from an older npm start, a hand edit). */
export function parseLocalUrls(text: string): LocalUrls | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const o = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { workerUrl, receiverUrl, backendUrl } = o;
  return typeof workerUrl === "string" && typeof receiverUrl === "string" && typeof backendUrl === "string" ? { workerUrl, receiverUrl, backendUrl } : null;
}
