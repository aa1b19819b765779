/** The workerd harness: the real Worker entry, real Miniflare KV, the fake Messages API in place of the network. */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { createExampleBackend } from "../../sim/example-backend.js";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { SWEEP_SCHEDULE } from "../../src/conversation/sweep.js";
import type { TimerMessage } from "../../src/flow/types.js";
import { createWorker } from "../../src/runtimes/cloudflare-worker.js";
import { menuRepo } from "../../src/store/menus.js";
import { sentKey, sessionKey, sessionRepo } from "../../src/store/sessions.js";
import { strandedTimers } from "../../src/store/stranded-timers.js";
import { workersKv, type KvNamespaceLike } from "../../src/store/workers-kv.js";
import { kvGate, type KvGate } from "../support/kv-gate.js";
import { generateTestKeys, type TestKeys } from "../support/keys.js";
import { createFakeReceiver } from "../support/receiver.js";
import { adminRequest, plainRequest, testSecrets, webhookRequest } from "../support/requests.js";
import { newCustomer, type Harness, type HarnessFactory, type WebhookOptions } from "../scenarios/harness.js";
import { testClock, timerQueue } from "../support/timers.js";

const API_URL = "https://api.nexmo.test";
let keys: Promise<TestKeys> | undefined;

/** Empties a namespace: storage is shared by the tests of a file, and each scenario starts from nothing, as on Deno. */
async function clear(ns: KVNamespace): Promise<void> {
  for (const name of await workersKv(ns, { sleep: async () => undefined }).list("")) await ns.delete(name);
}

/** The SESSIONS binding with the gate's hooks in front of reads and writes. */
function gatedNamespace(ns: KVNamespace, gate: KvGate): KvNamespaceLike {
  const get = async (key: string | string[], options: { type: "text"; cacheTtl?: number }) => {
    await Promise.all((Array.isArray(key) ? key : [key]).map((k) => gate.beforeGet(k)));
    return Array.isArray(key) ? ns.get(key, options) : ns.get(key, options);
  };
  return {
    get: get as KvNamespaceLike["get"],
    put: async (key, value, options) => {
      gate.beforePut(key);
      return ns.put(key, value, options);
    },
    delete: (key) => ns.delete(key),
    list: (options) => ns.list(options),
  };
}

export const workerdHarness: HarnessFactory = async (options = {}) => {
  await Promise.all([clear(env.MENUS), clear(env.SESSIONS)]);
  const k = await (keys ??= generateTestKeys());
  const { applicationId, signatureSecret, adminToken, completionSecret } = testSecrets();
  const api = createFakeMessagesApi({ applicationId, publicKey: k.publicKey, ...options.messagesApi });
  const hooks = createFakeReceiver();
  const backend = createExampleBackend({ secret: completionSecret });
  const logs: string[] = [];

  const gate = kvGate();
  const sessionsNs = gatedNamespace(env.SESSIONS, gate);
  const clock = testClock();
  // The TIMERS binding's producer side is recorded (the clock decides when a timer is due); deliveries go through
  // the Worker's real queue() handler with a MessageBatch made by cloudflare:test.
  let consume: (body: unknown) => Promise<void> = async () => undefined;
  const timers = timerQueue(clock, (body) => consume(body));
  const privateKey = options.pkcs1WithLiteralNewlines ? k.pkcs1Pem.replace(/\n/g, "\\n") : k.pkcs8Pem;
  const testEnv: Record<string, unknown> = {
    ...env,
    SESSIONS: sessionsNs,
    VONAGE_APPLICATION_ID: applicationId,
    VONAGE_PRIVATE_KEY: privateKey,
    VONAGE_SIGNATURE_SECRET: signatureSecret,
    VONAGE_API_URL: API_URL,
    ADMIN_TOKEN: adminToken,
    COMPLETION_WEBHOOK_SECRET: completionSecret,
    TIMERS: { send: timers.send },
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete testEnv[name];
    else testEnv[name] = value;
  }

  // The real Worker, given the fakes as its network and a log that the test reads. Retry backoffs do not really
  // wait; short waits do, since the claim's settle time is part of what the forced races measure.
  const worker = createWorker({
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(API_URL)) return api.fetch(input, init);
      if (url.startsWith(hooks.url)) return hooks.handle(new Request(input, init));
      if (url.startsWith(backend.origin)) return backend.handle(new Request(input, init));
      throw new Error(`the worker fetched ${url}; tests reach no network`);
    },
    log: (line) => void logs.push(JSON.stringify(line)),
    sleep: (ms) => (ms <= 200 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()),
    now: clock.now,
  });
  let delivery = 0;
  consume = async (body) => {
    const batch = createMessageBatch("wa-menu-timers", [{ id: `timer-${++delivery}`, timestamp: new Date(clock.now()), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, testEnv as never, ctx);
    const result = await getQueueResult(batch, ctx);
    if (result.retryMessages.length > 0 || result.retryBatch.retry) throw new Error(`the timer consumer asked for a retry: ${JSON.stringify(result)}`);
  };

  const call = async (request: Request) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, testEnv as never, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };

  const webhook = async (path: string, payload: Record<string, unknown>, o?: WebhookOptions) =>
    call(await webhookRequest(path, payload, signatureSecret, { iat: Math.floor(clock.now() / 1000), ...o }));

  const stores = { menus: workersKv(env.MENUS, { sleep: async () => undefined }), sessions: workersKv(env.SESSIONS, { sleep: async () => undefined }) };
  const business = newCustomer();

  const harness: Harness = {
    business,
    applicationId,
    adminToken,
    signatureSecret,
    api,
    hooks,
    backend,
    completionSecret,
    logs,
    inbound: (payload, o) => webhook("/webhooks/inbound", payload, o),
    // One isolate here; Workers KV gives every isolate the same view, so one app instance stands for several.
    inboundOn: (_n, payload, o) => webhook("/webhooks/inbound", payload, o),
    atomic: false,
    gate,
    status: (payload, o) => webhook("/webhooks/status", payload, o),
    admin: (method, path, body) => call(adminRequest(method, path, adminToken, body)),
    request: (path, init) => call(plainRequest(path, init)),
    publish: async (menu) => (await menuRepo(stores.menus).publish(menu, new Date().toISOString())).version,
    storeMenuRecord: (key, value) => stores.menus.put(key, value).then(() => undefined),
    bind: (number, menuId) => menuRepo(stores.menus).bind(number, menuId),
    session: (customer) => sessionRepo(stores.sessions).view(business, customer),
    rawSession: async (customer) => (await sessionRepo(stores.sessions).get(business, customer))?.value ?? null,
    storeSession: async (session) => void (await sessionRepo(stores.sessions).save(session, undefined, 3600)),
    expireSession: async (customer) => void (await Promise.all([stores.sessions.delete(sessionKey(business, customer)), stores.sessions.delete(sentKey(business, customer))])),
    clock,
    timers: timers.queue,
    // The Cron Trigger's event, through the Worker's real scheduled() handler.
    sweep: () => worker.scheduled(createScheduledController({ scheduledTime: clock.now(), cron: SWEEP_SCHEDULE }), testEnv as never),
    stranded: async () => (await strandedTimers(stores.sessions, { now: clock.now }).list(1000)).map((e) => e.body as TimerMessage),
    strand: (message) => strandedTimers(stores.sessions, { now: clock.now }).keep(message),
    dispose: async () => undefined,
  };
  return harness;
};
