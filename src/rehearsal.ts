/**
 * A rehearsal of the webhook path, run when an isolate starts. V8 compiles each function on its first call, and
 * runs it in its interpreter without type feedback until it has been called several times, so a cold isolate's
 * first webhook would pay for compiling the whole path (signature check, body checks, stores, engine, rendering)
 * and then for running it at its slowest, inside the request's CPU limit. Run in the global scope instead, for a
 * dozen conversations, that work happens during start-up, which Cloudflare limits separately (1 s) and does before
 * the first request; one conversation compiled the path but left it cold (docs/performance.md has the figures).
 *
 * The rehearsal is a conversation of its own: a menu of its own, in-memory stores of its own, a fixed clock, ids
 * from a counter and a Messages API that only answers. Given the application's key, it sends through the real
 * Messages API client (its one token signed with that key, the POST handed to that Messages API instead of the
 * network); without it, through a stand-in. It needs no configuration, touches no binding, makes no I/O, sets no
 * timer and draws no random value (the global scope allows none of them), and keeps nothing: what it builds is
 * garbage when it returns. It cannot read a request's body or make a response with one, so the app's own routes and
 * the network's send are left to the first request (the configuration and the keys are built ahead of it by
 * `AppWithTimers.prepare`, which runs this).
 */
import { Hono } from "hono/tiny";
import { SignJWT } from "jose";
import { handleInboundEvent, handleStatusEvent, type ConversationDeps, type StepResult } from "./conversation/step.js";
import { maskingLogger } from "./log-mask.js";
import { COMPILED_FORMAT, DEFAULT_COMMANDS, DEFAULT_TEXTS, type CompiledMenu } from "./menus/compiled.js";
import { menuKeys, menuRepo, type StoredVersion } from "./store/menus.js";
import { sessionRepo } from "./store/sessions.js";
import { workersKv, type KvNamespaceLike } from "./store/workers-kv.js";
import { verifyWebhookSignature } from "./vonage/signature.js";
import { parseInbound, parseJson, parseStatus } from "./vonage/webhooks.js";
import { createMessagesClient, type MessagesClient } from "./vonage/messages-client.js";
import { hmacKey, sha256Hex } from "./webcrypto.js";

/** The rehearsal's menu, stored compiled (the compiler is not on the webhook path): a list, then buttons. */
export const REHEARSAL_MENU: CompiledMenu = {
  format: COMPILED_FORMAT,
  id: "rehearsal",
  start: "pick",
  variables: {},
  nodes: {
    pick: {
      kind: "question",
      interactive: {
        type: "list",
        body: { text: "Pick one" },
        action: {
          button: "Pick",
          sections: [
            {
              title: "All",
              rows: [
                { id: "a", title: "A" },
                { id: "b", title: "B" },
              ],
            },
          ],
        },
      },
      options: [
        { id: "a", title: "A", next: { node: "sure" }, words: ["a"] },
        { id: "b", title: "B", next: { text: "B it is." }, words: ["b"] },
      ],
    },
    sure: {
      kind: "question",
      interactive: {
        type: "button",
        body: { text: "Sure?" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "yes", title: "Yes" } },
            { type: "reply", reply: { id: "no", title: "No" } },
          ],
        },
      },
      options: [
        { id: "yes", title: "Yes", next: { text: "Done." }, words: ["yes"] },
        { id: "no", title: "No", next: { node: "pick" }, words: ["no"] },
      ],
    },
  },
  settings: { staleTaps: "reprompt", maxAttempts: 3, fallback: null, commands: DEFAULT_COMMANDS, texts: DEFAULT_TEXTS, reminders: null, handover: null },
};

/** A Workers KV namespace in a Map: the rehearsal's stores, read through the same `workersKv` as the real ones. */
function mapNamespace(): KvNamespaceLike {
  const data = new Map<string, string>();
  return {
    get: (async (key: string | string[]) => (Array.isArray(key) ? new Map(key.map((k) => [k, data.get(k) ?? null])) : (data.get(key) ?? null))) as KvNamespaceLike["get"],
    put: async (key, value) => void data.set(key, value),
    delete: async (key) => void data.delete(key),
    list: async () => ({ keys: [], list_complete: true }),
  };
}

const BUSINESS = "440000000001";
/** The first rehearsal customer's number; each round's conversation is a new customer's. */
const CUSTOMERS_FROM = 440000000100;
const AT = Date.UTC(2026, 0, 1);
const SECRET = "rehearsal";

/**
 * How many conversations a start-up rehearses. V8 gives a function its type feedback only after several calls,
 * and baseline code after more: measured with `BENCH_COMPARE_COLD`, 4 moved the first webhook nothing, 8 by
 * about a tenth, 12 by a fifth, 24 no further, each costing start-up CPU (docs/performance.md).
 */
export const REHEARSAL_ROUNDS = 12;

/** What the rehearsal went through, for the tests that keep it honest: each inbound step's outcome, each status's. */
export interface Rehearsal {
  outcomes: StepResult["outcome"][];
  statuses: Awaited<ReturnType<typeof handleStatusEvent>>[];
  /** The POSTs the real Messages API client made (none without the application's key). */
  posts: number;
}

export interface RehearsalOptions {
  /** Conversations rehearsed (`REHEARSAL_ROUNDS`). */
  rounds?: number;
  /** The application's RS256 key: the sends then go through the real Messages API client. */
  privateKey?: CryptoKey;
}

/**
 * The Messages API client, its POSTs answered here: a 202 with a new message's id, as Vonage answers. A plain object
 * stands for the response, since the global scope makes none with a body.
 */
function answeringClient(privateKey: CryptoKey, ports: { newId: () => string; sleep: () => Promise<undefined> }, sent: string[]): MessagesClient {
  const answer = (id: string) => ({ status: 202, headers: new Headers(), json: async () => ({ message_uuid: id }), text: async () => "" }) as unknown as Response;
  const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    if (init?.method !== "POST" || typeof init.body !== "string") throw new Error("the rehearsal's send is not a POST with a body");
    sent.push(ports.newId());
    return answer(sent.at(-1)!);
  }) as typeof globalThis.fetch;
  return createMessagesClient({
    applicationId: "rehearsal",
    privateKey,
    baseUrl: "https://rehearsal.invalid",
    // One token for the whole rehearsal: one RS256 signature at start-up.
    tokenTtlSeconds: 900,
    timeoutSignal: () => null,
    log: () => undefined,
    fetch,
    now: () => AT,
    sleep: ports.sleep,
    random: { uuid: ports.newId, float: () => 0.5 },
  });
}

/**
 * `rounds` conversations, each a new one, a tap on its question and a status of the message sent, through the code
 * a webhook runs. Throws if one goes otherwise than planned: it then rehearsed another path than a webhook's.
 */
export async function rehearse(options: RehearsalOptions = {}): Promise<Rehearsal> {
  const rounds = options.rounds ?? REHEARSAL_ROUNDS;
  let counter = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`;
  const sleep = async () => undefined;
  const kv = workersKv(mapNamespace(), { sleep, random: { uuid: newId, float: () => 0.5 } });
  const menus = menuRepo(kv);
  const stored: StoredVersion = { menu: null, compiled: REHEARSAL_MENU, publishedAt: new Date(AT).toISOString() };
  await kv.put(menuKeys.version(REHEARSAL_MENU.id, 1), stored);
  await kv.put(menuKeys.pointer(REHEARSAL_MENU.id), { id: REHEARSAL_MENU.id, current: 1, latest: 1, updatedAt: stored.publishedAt });
  await kv.put(menuKeys.binding(BUSINESS), { menuId: REHEARSAL_MENU.id });
  const sent: string[] = [];
  const log = maskingLogger(() => undefined);
  const deps: ConversationDeps = {
    sessions: sessionRepo(kv),
    menus,
    messages:
      options.privateKey === undefined
        ? {
            async send() {
              sent.push(newId());
              return sent.at(-1)!;
            },
          }
        : answeringClient(options.privateKey, { newId, sleep }, sent),
    deliveries: {
      enqueue: async (completion) => ({ id: completion.key, attempts: Promise.resolve(true) }),
      list: async () => [],
      retry: async () => ({ found: false, delivered: false }),
    },
    backend: {
      request: () => Promise.reject(new Error("the rehearsal's menu calls no backend")),
    },
    now: () => AT,
    newId,
    sessionTtlSeconds: 86_400,
    atomic: false,
    claimSettleMs: 1,
    sleep,
    defer: () => undefined,
    log,
  };
  const verifyKey = await hmacKey(SECRET, "verify");
  const signKey = await hmacKey(SECRET, "sign");
  /** The body as Vonage signs it, checked as the webhook routes check it: signature first, then the body. */
  const signed = async (body: Record<string, unknown>) => {
    const raw = new TextEncoder().encode(JSON.stringify(body));
    const token = await new SignJWT({ payload_hash: await sha256Hex(raw) })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(AT / 1000)
      .sign(signKey);
    await verifyWebhookSignature(`Bearer ${token}`, raw, { key: verifyKey, maxAgeSeconds: 60, now: AT });
    return parseJson(raw);
  };
  const outcomes: StepResult["outcome"][] = [];
  const statuses: Rehearsal["statuses"] = [];
  const inbound = async (body: Record<string, unknown>) => {
    const event = parseInbound(await signed(body));
    if (event === null) throw new Error("the rehearsal's webhook is not a WhatsApp message");
    const result = await handleInboundEvent(deps, event);
    log({ level: "info", msg: "inbound", customer: event.customer, outcome: result.outcome, sent: result.sent.length });
    return result.outcome;
  };
  // The router's dispatch, on an app of its own: the global scope allows a response without a body.
  const router = new Hono();
  router.get("/webhooks/:kind", (c) => c.body(null, 204));
  for (let round = 0; round < rounds; round++) {
    await router.fetch(new Request("https://rehearsal.invalid/webhooks/inbound"));
    const customer = String(CUSTOMERS_FROM + round);
    const base = { to: BUSINESS, from: customer, channel: "whatsapp", timestamp: new Date(AT).toISOString() };
    const started = await inbound({ ...base, message_uuid: newId(), message_type: "text", text: "hi" });
    const tapped = await inbound({ ...base, message_uuid: newId(), message_type: "reply", reply: { id: "a", title: "A" }, context: { message_uuid: sent.at(-1), message_from: BUSINESS } });
    const delivered = parseStatus(await signed({ message_uuid: sent.at(-1), to: customer, from: BUSINESS, timestamp: base.timestamp, status: "delivered", channel: "whatsapp" }));
    if (delivered === null) throw new Error("the rehearsal's status is not a WhatsApp message's");
    const status = await handleStatusEvent(deps, delivered);
    if (started !== "started" || tapped !== "advanced" || status !== "ignored") {
      throw new Error(`the rehearsal's conversation went otherwise than planned: ${started}, ${tapped}, the status ${status}`);
    }
    outcomes.push(started, tapped);
    statuses.push(status);
  }
  return { outcomes, statuses, posts: options.privateKey === undefined ? 0 : sent.length };
}
