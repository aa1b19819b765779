/**
 * The Worker built from its start-up env (`src/runtimes/cloudflare.ts` passes the env `cloudflare:workers` gives the
 * global scope): the app and its services are ready before the first request, and a request whose env holds the
 * same bindings is served by that app, not by a second one built on the spot.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, expect, it, vi } from "vitest";
import delivery from "../../menus/delivery.json";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { textWebhook } from "../../sim/vonage-webhooks.js";
import { createAppWithTimers } from "../../src/http/app.js";
import { createWorker } from "../../src/runtimes/cloudflare-worker.js";
import { systemRandom } from "../../src/system.js";
import { menuRepo } from "../../src/store/menus.js";
import { workersKv } from "../../src/store/workers-kv.js";
import { newCustomer } from "../scenarios/harness.js";
import { generateTestKeys } from "../support/keys.js";
import { testSecrets, webhookRequest } from "../support/requests.js";

afterEach(() => vi.restoreAllMocks());

const API_URL = "https://api.nexmo.test";

async function setup() {
  const keys = await generateTestKeys();
  const { applicationId, signatureSecret } = testSecrets();
  const api = createFakeMessagesApi({ applicationId, publicKey: keys.publicKey });
  const startup = { ...env, VONAGE_APPLICATION_ID: applicationId, VONAGE_PRIVATE_KEY: keys.pkcs8Pem, VONAGE_SIGNATURE_SECRET: signatureSecret, VONAGE_API_URL: API_URL } as unknown as Env;
  const business = newCustomer();
  const menus = menuRepo(workersKv(env.MENUS, { sleep: async () => undefined }));
  await menus.publish(delivery, new Date().toISOString());
  await menus.bind(business, "delivery");
  const logs: string[] = [];
  const imports = vi.spyOn(crypto.subtle, "importKey");
  const worker = createWorker({ fetch: (input, init) => api.fetch(input, init), log: (line) => void logs.push(JSON.stringify(line)) }, startup);
  const hi = async (requestEnv: Env) => {
    const request = await webhookRequest("/webhooks/inbound", textWebhook({ business, customer: newCustomer(), text: "hi" }), signatureSecret);
    const ctx = createExecutionContext();
    const res = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, requestEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res.status;
  };
  const rsaImports = () => imports.mock.calls.filter(([format]) => format === "pkcs8").length;
  return { api, startup, logs, hi, rsaImports };
}

it("builds the app and imports its key while the isolate starts; requests whose env holds the same bindings use that app", async () => {
  const t = await setup();
  // The start-up work runs on its own: the key is imported before any request.
  await vi.waitFor(() => expect(t.rsaImports()).toBe(1));
  // A runtime may hand each request another env object with the same bindings: the prepared app serves them all,
  // so its key is not imported again and its token (reused, by default) is signed once.
  expect(await t.hi({ ...t.startup })).toBe(200);
  expect(await t.hi({ ...t.startup })).toBe(200);
  expect(t.api.accepted).toHaveLength(2);
  expect(t.api.jtis.size).toBe(1);
  expect(t.rsaImports()).toBe(1);
  expect(t.logs.filter((line) => /"level":"(warn|error)"/.test(line))).toEqual([]);
});

it("builds another app for a request whose env differs from the start-up env", async () => {
  const t = await setup();
  await vi.waitFor(() => expect(t.rsaImports()).toBe(1));
  expect(await t.hi(t.startup)).toBe(200);
  expect(await t.hi({ ...t.startup, WEBHOOK_MAX_AGE_SECONDS: "600" } as unknown as Env)).toBe(200);
  expect(t.rsaImports()).toBe(2);
  expect(t.api.jtis.size).toBe(2);
});

it("a configuration that fails at start-up is built again by the first request, whose log line says how to fix it", async () => {
  const t = await setup();
  const broken = { ...t.startup, VONAGE_PRIVATE_KEY: "not a key" } as Env;
  const logs: string[] = [];
  const worker = createWorker({ fetch: () => Promise.reject(new Error("no network")), log: (line) => void logs.push(JSON.stringify(line)) }, broken);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request("https://worker.test/healthz") as Request<unknown, IncomingRequestCfProperties>, { ...broken }, ctx);
  // The response names no setting (it goes to whoever calls); the operator's log line does, once, for the request.
  expect([res.status, await res.json()]).toEqual([500, { error: "internal", message: "the server is misconfigured or failed; see its logs" }]);
  expect(logs.filter((line) => line.includes("VONAGE_PRIVATE_KEY"))).toHaveLength(1);
});

it("a failure at start-up that is not the configuration's is logged and not kept: the first request builds the services again", async () => {
  const t = await setup();
  const logs: string[] = [];
  let failures = 1;
  const stores = () => {
    if (failures-- > 0) throw new Error("a binding that is not there yet");
    return { menus: workersKv(env.MENUS, { sleep: async () => undefined }), sessions: workersKv(env.SESSIONS, { sleep: async () => undefined }) };
  };
  const { app, prepare } = createAppWithTimers({
    env: t.startup as unknown as Record<string, unknown>,
    stores,
    fetch: () => Promise.reject(new Error("no network")),
    log: (line) => void logs.push(JSON.stringify(line)),
    sleep: async () => undefined,
    now: Date.now,
    random: systemRandom,
  });
  await prepare();
  expect(logs).toEqual([expect.stringContaining('"msg":"the services could not be built at start-up; the first request builds them","error":"a binding that is not there yet"')]);
  const res = await app.fetch(new Request("https://worker.test/healthz"));
  expect([res.status, await res.json()]).toEqual([200, { status: "ok" }]);
});
