/** The Deno harness: the Deno wiring of the app over a real Deno KV file, the fake Messages API as its fetch. */
import { createExampleBackend } from "../../sim/example-backend.js";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { denoApp, type DenoHandler } from "../../src/runtimes/deno-app.js";
import { denoKv, MENUS_NAMESPACE, SESSIONS_NAMESPACE, type DenoAtomicLike, type DenoKvKey, type DenoKvLike } from "../../src/store/deno-kv.js";
import { kvGate, type KvGate } from "../support/kv-gate.js";
import { menuRepo } from "../../src/store/menus.js";
import { sentKey, sessionKey, sessionRepo } from "../../src/store/sessions.js";
import { strandedTimers } from "../../src/store/stranded-timers.js";
import type { TimerMessage } from "../../src/flow/types.js";
import { newCustomer, type Harness, type HarnessOptions, type WebhookOptions } from "../scenarios/harness.js";
import { generateTestKeys, type TestKeys } from "../support/keys.js";
import { createFakeReceiver } from "../support/receiver.js";
import { adminRequest, plainRequest, testSecrets, webhookRequest } from "../support/requests.js";
import { testClock, timerQueue } from "../support/timers.js";

const API_URL = "https://api.nexmo.test";
let keys: Promise<TestKeys> | undefined;

export interface DenoHarnessOptions extends HarnessOptions {
  /** Wraps the fake Messages API as every app instance reaches it, e.g. to hold sends until webhooks interleave. */
  wrapFetch?: (fetch: typeof globalThis.fetch) => typeof globalThis.fetch;
}

export interface DenoHarness extends Harness {
  /** The Deno KV file, fresh for this harness. */
  kvPath: string;
  /** Sends an inbound webhook to app instance `n` (0 is the one `inbound` uses); each has its own KV handle. */
  inboundOn(n: number, payload: Record<string, unknown>, options?: WebhookOptions): Promise<Response>;
}

/** A Deno KV handle with the gate's hooks in front of session reads and of commits. */
function gatedKv(kv: Deno.Kv, gate: KvGate): DenoKvLike {
  const name = (key: DenoKvKey) => String(key[1] ?? "");
  const atomic = (): DenoAtomicLike => {
    const op = kv.atomic();
    const keys: string[] = [];
    const wrapped: DenoAtomicLike = {
      check: (...checks) => {
        op.check(...(checks as Deno.AtomicCheck[]));
        return wrapped;
      },
      set: (key, value, options) => {
        keys.push(name(key));
        op.set(key as Deno.KvKey, value, options);
        return wrapped;
      },
      delete: (key) => {
        op.delete(key as Deno.KvKey);
        return wrapped;
      },
      commit: async () => {
        for (const key of keys) gate.beforePut(key);
        return op.commit();
      },
    };
    return wrapped;
  };
  return {
    get: async (key, options) => {
      await gate.beforeGet(name(key));
      return kv.get(key as Deno.KvKey, options);
    },
    getMany: async (keys: readonly DenoKvKey[], options?: { consistency?: Deno.KvConsistencyLevel }) => {
      await Promise.all(keys.map((key) => gate.beforeGet(name(key))));
      return kv.getMany(keys as Deno.KvKey[], options);
    },
    delete: (key) => kv.delete(key as Deno.KvKey),
    list: (selector) => kv.list(selector as Deno.KvListSelector),
    atomic,
  } as DenoKvLike;
}

export async function denoHarness(options: DenoHarnessOptions = {}): Promise<DenoHarness> {
  const k = await (keys ??= generateTestKeys());
  const { applicationId, signatureSecret, adminToken, completionSecret } = testSecrets();
  const api = createFakeMessagesApi({ applicationId, publicKey: k.publicKey, ...options.messagesApi });
  const hooks = createFakeReceiver();
  const backend = createExampleBackend({ secret: completionSecret });
  const logs: string[] = [];
  // Work the app defers (completion webhooks) is awaited after each request, as waitUntil is in workerd.
  const deferred: Array<Promise<unknown>> = [];
  const settle = async (res: Response) => {
    while (deferred.length > 0) await Promise.allSettled(deferred.splice(0));
    return res;
  };

  const env: Record<string, string | undefined> = {
    VONAGE_APPLICATION_ID: applicationId,
    VONAGE_PRIVATE_KEY: options.pkcs1WithLiteralNewlines ? k.pkcs1Pem.replace(/\n/g, "\\n") : k.pkcs8Pem,
    VONAGE_SIGNATURE_SECRET: signatureSecret,
    VONAGE_API_URL: API_URL,
    ADMIN_TOKEN: adminToken,
    COMPLETION_WEBHOOK_SECRET: completionSecret,
    ...options.env,
  };

  const dir = await Deno.makeTempDir({ prefix: "wa-menu-kv-" });
  const kvPath = `${dir}/kv.sqlite3`;
  const handles: Deno.Kv[] = [];
  const open = async () => {
    const kv = await Deno.openKv(kvPath);
    handles.push(kv);
    return kv;
  };
  const gate = kvGate();
  const kv = await open();
  const clock = testClock();
  // Timers the app sets are recorded with when they are due by the test's clock; a due one goes through Deno KV's
  // real queue (enqueue on the database, listenQueue on its own handle) to the app's timer handler.
  const waiting = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  let consumed = 0;
  const timers = timerQueue(clock, async (body) => {
    const tag = `t${++consumed}`;
    const done = new Promise<void>((resolve, reject) => waiting.set(tag, { resolve, reject }));
    await queueKv.enqueue({ tag, body });
    await done;
  });
  const menuStore = denoKv(kv, { namespace: MENUS_NAMESPACE });
  const menus = menuRepo(menuStore);
  const sessionStore = denoKv(kv, { namespace: SESSIONS_NAMESPACE });
  const sessions = sessionRepo(sessionStore);

  const toApi: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(hooks.url)) return hooks.handle(new Request(input, init));
    if (url.startsWith(backend.origin)) return backend.handle(new Request(input, init));
    if (!url.startsWith(API_URL)) throw new Error(`the worker fetched ${url}; tests reach no network`);
    return api.fetch(input, init);
  };
  const apiFetch = options.wrapFetch ? options.wrapFetch(toApi) : toApi;
  const instance = (db: Deno.Kv): DenoHandler =>
    denoApp({
      env,
      kv: gatedKv(db, gate),
      fetch: apiFetch,
      log: (line) => void logs.push(JSON.stringify(line)),
      sleep: () => Promise.resolve(),
      defer: (work) => void deferred.push(work),
      now: clock.now,
      scheduler: { schedule: timers.schedule },
    });
  const first = instance(kv);
  const instances: Array<Promise<DenoHandler>> = [Promise.resolve(first)];
  const queueKv = await open();
  const listening = queueKv.listenQueue(async (message: { tag: string; body: unknown }) => {
    const waiter = waiting.get(message.tag);
    waiting.delete(message.tag);
    try {
      await first.timer(message.body);
      while (deferred.length > 0) await Promise.allSettled(deferred.splice(0));
      waiter?.resolve();
    } catch (e) {
      waiter?.reject(e);
    }
  });
  const on = (n: number) => (instances[n] ??= open().then(instance));

  const webhook = async (n: number, path: string, payload: Record<string, unknown>, o?: WebhookOptions) =>
    settle(await (await on(n)).fetch(await webhookRequest(path, payload, signatureSecret, { iat: Math.floor(clock.now() / 1000), ...o })));

  const call = async (request: Request) => settle(await (await on(0)).fetch(request));
  const business = newCustomer();

  return {
    business,
    applicationId,
    adminToken,
    signatureSecret,
    api,
    hooks,
    backend,
    completionSecret,
    logs,
    kvPath,
    inbound: (payload, o) => webhook(0, "/webhooks/inbound", payload, o),
    inboundOn: (n, payload, o) => webhook(n, "/webhooks/inbound", payload, o),
    atomic: true,
    gate,
    status: (payload, o) => webhook(0, "/webhooks/status", payload, o),
    admin: (method, path, body) => call(adminRequest(method, path, adminToken, body)),
    request: (path, init) => call(plainRequest(path, init)),
    publish: async (menu) => (await menus.publish(menu, new Date().toISOString())).version,
    storeMenuRecord: (key, value) => menuStore.put(key, value).then(() => undefined),
    bind: (number, menuId) => menus.bind(number, menuId),
    session: (customer) => sessions.view(business, customer),
    rawSession: async (customer) => (await sessions.get(business, customer))?.value ?? null,
    storeSession: async (session) => void (await sessions.save(session, undefined, 3600)),
    expireSession: async (customer) => void (await Promise.all([sessionStore.delete(sessionKey(business, customer)), sessionStore.delete(sentKey(business, customer))])),
    clock,
    timers: timers.queue,
    // What the entry's Deno.cron runs (`deno test` does not fire crons), over the same database.
    sweep: async () => void (await first.sweep()),
    stranded: async () => (await strandedTimers(sessionStore, { now: clock.now }).list(1000)).map((e) => e.body as TimerMessage),
    strand: (message) => strandedTimers(sessionStore, { now: clock.now }).keep(message),
    dispose: async () => {
      for (const handle of handles) handle.close();
      await listening;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
