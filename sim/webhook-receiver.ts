/**
 * The business's backend as `npm start` runs it on this machine: it takes the worker's signed webhooks
 * (completions, and any later kind), verifies each the Standard Webhooks way with the local secret, answers as a
 * careful receiver would (2xx only when verified), and keeps the last ones for the workbench's inspector.
 */
import { Hono } from "hono";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { clip } from "../src/flow/clip.js";

export interface ReceivedWebhook {
  /** This receiver's own number for the request; a delivery tried again arrives again, with the same `webhookId`. */
  seq: number;
  /** When it arrived, by this machine's clock. */
  at: string;
  method: string;
  /** Path and query the worker posted to. */
  path: string;
  webhookId: string | null;
  /** `webhook-timestamp` as sent: seconds since 1970. */
  timestamp: string | null;
  verified: boolean;
  /** Why it did not verify, saying what to check; absent when verified. */
  problem?: string;
  /** A `webhookId` seen before: a retry or a redelivery, which the business must not act on twice. */
  repeat: boolean;
  /** What the receiver answered. */
  status: number;
  /** The body as JSON when it is JSON, else the text as it came (cut to `MAX_SHOWN`). */
  body: unknown;
}

export interface WebhookReceiverOptions {
  /** `whsec_...`: the worker's COMPLETION_WEBHOOK_SECRET. */
  secret: string;
  /** How many requests are kept; older ones are dropped. Default 100. */
  keep?: number;
  now?: () => number;
}

export interface WebhookReceiver {
  /** Takes POSTs on any path. */
  app: Hono;
  /** What arrived, oldest first. */
  received(): ReceivedWebhook[];
  subscribe(listener: (hook: ReceivedWebhook) => void): () => void;
}

const MAX_SHOWN = 64 * 1024;

/** The library's reasons, turned into what to check. */
function explain(e: unknown): string {
  const reason = e instanceof Error ? e.message : String(e);
  switch (reason) {
    case "Missing required headers":
      return "no webhook-id, webhook-timestamp or webhook-signature header: this request was not signed the Standard Webhooks way";
    case "No matching signature found":
      return "the signature does not match this body: is the worker's COMPLETION_WEBHOOK_SECRET the one this receiver has (.dev/credentials.json), and was the body changed on the way?";
    case "Message timestamp too old":
    case "Message timestamp too new":
      return `webhook-timestamp is more than 5 minutes from this machine's clock (${reason.toLowerCase()}): a replayed or delayed request`;
    case "Invalid Signature Headers":
      return "webhook-timestamp is not a number of seconds";
    default:
      return `not verified: ${reason}`;
  }
}

function shown(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return clip(raw, MAX_SHOWN);
  }
}

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const verifier = new Webhook(options.secret);
  const keep = options.keep ?? 100;
  const now = options.now ?? Date.now;
  const kept: ReceivedWebhook[] = [];
  const seen = new Set<string>();
  const listeners = new Set<(hook: ReceivedWebhook) => void>();
  let seq = 0;

  const app = new Hono();
  app.post("*", async (c) => {
    // The raw text, verified before anything reads it as JSON: the signature covers these exact bytes.
    const raw = await c.req.text();
    const headers = Object.fromEntries(c.req.raw.headers);
    const webhookId = c.req.header("webhook-id") ?? null;
    let problem: string | undefined;
    try {
      verifier.verify(raw, headers);
    } catch (e) {
      if (!(e instanceof WebhookVerificationError)) throw e;
      problem = explain(e);
    }
    const repeat = webhookId !== null && seen.has(webhookId);
    if (webhookId !== null && problem === undefined) {
      seen.add(webhookId);
      // Bounded as the list is; an id older than this many is not told apart from a new one.
      if (seen.size > keep * 10) seen.delete(seen.values().next().value!);
    }
    const url = new URL(c.req.url);
    const hook: ReceivedWebhook = {
      seq: ++seq,
      at: new Date(now()).toISOString(),
      method: c.req.method,
      path: `${url.pathname}${url.search}`,
      webhookId,
      timestamp: c.req.header("webhook-timestamp") ?? null,
      verified: problem === undefined,
      ...(problem === undefined ? {} : { problem }),
      repeat,
      status: problem === undefined ? 200 : 401,
      body: shown(raw),
    };
    kept.push(hook);
    if (kept.length > keep) kept.shift();
    for (const listener of listeners) listener(hook);
    // Refused unless verified, as a business's backend must: the worker keeps it listed under /admin/deliveries.
    return problem === undefined ? c.json({ received: true, repeat }) : c.json({ error: problem }, 401);
  });
  app.notFound((c) => c.json({ error: `this is the local webhook receiver: it takes POSTs only, not ${c.req.method}` }, 405));

  return {
    app,
    received: () => [...kept],
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
