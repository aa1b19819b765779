/**
 * In-process rigs for the simulator's tests, with no server and no sleep: the simulator wired either to the
 * real worker app (createApp, in-memory KV) or to a scripted stand-in that records what reached it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { importPKCS8, SignJWT } from "jose";
import cafe from "../../menus/cafe.json" with { type: "json" };
import delivery from "../../menus/delivery.json" with { type: "json" };
import pills from "../../menus/pills.json" with { type: "json" };
import type { Customer } from "../../sim/chat-log.js";
import { createSimulator, type Simulator } from "../../sim/simulator.js";
import type { TemplateRegistry } from "../../sim/templates.js";
import { createWebhookReceiver, type WebhookReceiver } from "../../sim/webhook-receiver.js";
import { createWorkerClient, type WorkerClient } from "../../sim/worker-client.js";
import { createApp } from "../../src/http/app.js";
import { memoryKv } from "../../src/store/memory.js";
import { menuRepo } from "../../src/store/menus.js";
import { systemRandom } from "../../src/system.js";
import { createMessagesClient, type MessagesClient } from "../../src/vonage/messages-client.js";
import { importPrivateKey } from "../../src/vonage/private-key.js";
import { generateTestKeys, type TestKeys } from "../support/keys.js";

export const BUSINESS = { number: "447700900000", name: "Test Business" };
export const ALICE: Customer = { number: "447700900101", name: "Alice" };
export const BILAL: Customer = { number: "447700900102", name: "Bilal" };

/** One request that reached the worker (or its stand-in), as sent. */
export interface Received {
  method: string;
  path: string;
  authorization: string | null;
  raw: string;
  json: Record<string, unknown> | null;
}

export interface Rig {
  sim: Simulator;
  keys: TestKeys;
  applicationId: string;
  signatureSecret: string;
  adminToken: string;
  /** Everything the simulator sent to the worker, in order. */
  received: Received[];
  /** How the simulator reaches the worker (its admin API included). */
  worker: WorkerClient;
  /** The local webhook receiver the worker's completions reach (`rigWithWorker({ receiver: true })`). */
  receiver?: WebhookReceiver;
  /** A call to the simulator's page API, as the page makes it. */
  page(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The Messages API client the worker uses, pointed at the simulator. */
  messages(privateKeyPem?: string): MessagesClient;
  /** Any body to the simulator's `POST /v1/messages`, with a valid application JWT: what no client library builds yet. */
  sendRaw(body: unknown): Promise<Response>;
}

export interface RigOptions {
  unreachableHint?: string;
  /** The approved templates the simulator checks template messages against. */
  templates?: TemplateRegistry;
}

let keys: Promise<TestKeys> | undefined;
const secret = () => randomBytes(24).toString("hex");

/** Where the rig's receiver listens, as npm start's does: menus name it through the documentation hosts. */
export const RECEIVER_URL = "http://127.0.0.1:8789";

async function base(workerFetch: (request: Request) => Promise<Response>, { templates, ...options }: RigOptions & { receiver?: WebhookReceiver } = {}) {
  const k = await (keys ??= generateTestKeys());
  const applicationId = randomUUID();
  const signatureSecret = secret();
  const adminToken = secret();
  const received: Received[] = [];
  const worker = createWorkerClient({
    baseUrl: "http://worker.test",
    signatureSecret,
    adminToken,
    applicationId,
    ...(options.unreachableHint === undefined ? {} : { unreachableHint: options.unreachableHint }),
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const raw = await request.clone().text();
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        json = null;
      }
      received.push({ method: request.method, path: new URL(request.url).pathname, authorization: request.headers.get("Authorization"), raw, json });
      return workerFetch(request);
    },
  });
  const sim = createSimulator({
    applicationId,
    publicKey: k.publicKey,
    business: BUSINESS,
    customers: [ALICE, BILAL],
    menus: [
      { id: "cafe", name: "Corner Cafe" },
      { id: "delivery", name: "Delivery time" },
      { id: "pills", name: "Pick a pill" },
    ],
    worker,
    readPage: async (file) => `page file ${file}`,
    ...(templates === undefined ? {} : { templates }),
    ...(options.receiver === undefined ? {} : { receiver: { receiver: options.receiver, url: RECEIVER_URL } }),
  });
  const rig: Rig = {
    sim,
    keys: k,
    applicationId,
    signatureSecret,
    adminToken,
    received,
    worker,
    ...(options.receiver === undefined ? {} : { receiver: options.receiver }),
    page: async (path, body, headers = {}) =>
      sim.app.request(path, { method: "POST", headers: { "Content-Type": "application/json", Host: "localhost", ...headers }, body: JSON.stringify(body ?? {}) }),
    messages: (privateKeyPem = k.pkcs8Pem) => ({
      // The key is imported on the first send, so that the rig hands out a client at once.
      send: async (body) =>
        createMessagesClient({
          applicationId,
          privateKey: await importPrivateKey(privateKeyPem),
          baseUrl: "http://sim.test",
          fetch: async (input, init) => sim.app.fetch(new Request(input, init)),
          now: Date.now,
          sleep: async () => undefined,
          random: systemRandom,
          maxAttempts: 1,
          log: () => undefined,
        }).send(body),
    }),
    async sendRaw(body) {
      const jwt = await new SignJWT({ application_id: applicationId })
        .setProtectedHeader({ alg: "RS256", typ: "JWT" })
        .setIssuedAt()
        .setExpirationTime("15m")
        .setJti(randomUUID())
        .sign(await importPKCS8(k.pkcs8Pem, "RS256"));
      return sim.app.request("/v1/messages", { method: "POST", headers: { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    },
  };
  return rig;
}

/**
 * The simulator in front of the real worker app, with the example menus and `cafe` as the default; with
 * `receiver`, the worker signs completions with a secret of its own and posts those to RECEIVER_URL to the receiver.
 */
export async function rigWithWorker(options: RigOptions & { receiver?: boolean } = {}): Promise<Rig & { workerLogs: Record<string, unknown>[] }> {
  let app: ReturnType<typeof createApp> | undefined;
  const workerLogs: Record<string, unknown>[] = [];
  const completionSecret = `whsec_${randomBytes(32).toString("base64")}`;
  const { receiver: wanted, ...rest } = options;
  const receiver = wanted === true ? createWebhookReceiver({ secret: completionSecret }) : undefined;
  const rig = await base(async (request) => app!.fetch(request), receiver === undefined ? rest : { ...rest, receiver });
  const stores = { menus: memoryKv(), sessions: memoryKv() };
  const menus = menuRepo(stores.menus);
  for (const doc of [cafe, delivery, pills]) await menus.publish(doc, new Date().toISOString());
  await menus.bind("default", "cafe");
  app = createApp({
    env: {
      VONAGE_APPLICATION_ID: rig.applicationId,
      VONAGE_PRIVATE_KEY: rig.keys.pkcs8Pem,
      VONAGE_SIGNATURE_SECRET: rig.signatureSecret,
      VONAGE_API_URL: "http://sim.test",
      ADMIN_TOKEN: rig.adminToken,
      // Memory KV has compare-and-set: no read-back settle needed.
      CLAIM_SETTLE_MS: "0",
      ...(receiver === undefined ? {} : { COMPLETION_WEBHOOK_SECRET: completionSecret, ALLOW_LOCAL_WEBHOOKS: "true" }),
    },
    stores,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (receiver !== undefined && request.url.startsWith(`${RECEIVER_URL}/`)) return receiver.app.fetch(request);
      return rig.sim.app.fetch(request);
    },
    now: Date.now,
    sleep: async () => undefined,
    random: systemRandom,
    log: (line) => void workerLogs.push(line),
    // No execution context outside workerd: work after the response just runs.
    defer: (work) => void work.catch(() => undefined),
  });
  return Object.assign(rig, { workerLogs });
}

/** The simulator in front of a stand-in worker that answers every request with `answer`. */
export function rigWithStub(answer: (request: Request) => Promise<Response>, options: RigOptions = {}): Promise<Rig> {
  return base(answer, options);
}
