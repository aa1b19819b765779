/** The contract every runtime's test harness meets, so one suite of conversation scenarios runs on each. */
import assert from "node:assert/strict";
import type { Session, TimerMessage } from "../../src/flow/types.js";
import type { ExampleBackend } from "../../sim/example-backend.js";
import type { FakeMessagesApi, FakeMessagesApiOptions } from "../../sim/messages-api.js";
import { textWebhook, type SignOptions } from "../../sim/vonage-webhooks.js";
import type { KvGate } from "../support/kv-gate.js";
import type { FakeReceiver } from "../support/receiver.js";
import type { TestClock, TimerQueue } from "../support/timers.js";

export interface WebhookOptions extends SignOptions {
  /** Sign with this secret instead of the worker's. */
  secret?: string;
  /** Send this Authorization header as is (null: none). */
  authorization?: string | null;
  /** Send these bytes instead of the JSON of the payload (signed as given unless `hashOf` says otherwise). */
  raw?: string;
  /** Change the body after signing. */
  tamper?: (body: string) => string;
}

export interface HarnessOptions {
  /** Env overrides (a missing variable: undefined). */
  env?: Record<string, string | undefined>;
  /** Give the worker its key as PKCS#1 PEM with literal `\n`, as a pasted secret often is. */
  pkcs1WithLiteralNewlines?: boolean;
  /** Settings of the fake Messages API, e.g. one that refuses a token it has seen (`refuseReusedJti`). */
  messagesApi?: Pick<FakeMessagesApiOptions, "refuseReusedJti" | "templates">;
}

export interface Harness {
  /** A business number unique to this harness, bound to nothing until `bind`. */
  business: string;
  applicationId: string;
  adminToken: string;
  signatureSecret: string;
  api: FakeMessagesApi;
  /** Receives completion webhooks at `hooks.url`. */
  hooks: FakeReceiver;
  /** The business's backend that request nodes call (`https://backend.example.com`), checking every signature. */
  backend: ExampleBackend;
  /** The `whsec_...` secret completion webhooks are signed with. */
  completionSecret: string;
  /** Log lines the worker wrote, as text. */
  logs: string[];
  inbound(payload: Record<string, unknown>, options?: WebhookOptions): Promise<Response>;
  /** An inbound webhook to worker instance `n` (own KV handle where the runtime has one), for races. */
  inboundOn(n: number, payload: Record<string, unknown>, options?: WebhookOptions): Promise<Response>;
  /** True where the session store has compare-and-set (Deno KV); false on Workers KV. */
  atomic: boolean;
  /** Forced interleavings and write failures on the session store. */
  gate: KvGate;
  status(payload: Record<string, unknown>, options?: WebhookOptions): Promise<Response>;
  /** A request to the worker with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Stores a menu version directly, as an upload would. */
  publish(menu: unknown): Promise<number>;
  /** Writes one record of the menus store as it is given (`menu:{id}@{n}`, `menu:{id}`), as an older release left it. */
  storeMenuRecord(key: string, value: unknown): Promise<void>;
  bind(number: string | "default", menuId: string): Promise<void>;
  /** The customer's session as the engine sees it (completed by its sent record). */
  session(customer: string): Promise<Session | null>;
  /** The stored session record alone. */
  rawSession(customer: string): Promise<Session | null>;
  /** Overwrites the stored session record, as a stale replica would serve it. */
  storeSession(session: Session): Promise<void>;
  /** Deletes the session and its sent record, as their expiry (`SESSION_TTL_SECONDS`) does. */
  expireSession(customer: string): Promise<void>;
  /** The worker's clock: starts at the real time; `advance` moves it (webhooks are signed by it too). */
  clock: TestClock;
  /** The timers the worker set (reminders, hand-backs), delivered when the test says, through the runtime's consumer. */
  timers: TimerQueue;
  /** Runs the sweep as its runtime's schedule does (Workers: a scheduled event to the Worker; Deno: what `Deno.cron` runs). */
  sweep(): Promise<void>;
  /** The timers kept for the sweep (`timer-stranded:` records), as stored. */
  stranded(): Promise<TimerMessage[]>;
  /** Keeps a timer for the sweep as a step does when the queue refuses it (or as a stale list shows it again). */
  strand(message: TimerMessage): Promise<void>;
  dispose(): Promise<void>;
}

export type HarnessFactory = (options?: HarnessOptions) => Promise<Harness>;

export interface Scenario {
  name: string;
  run(make: HarnessFactory): Promise<void>;
}

let counter = 0;
/** A customer number unlikely to collide with another test's. */
export function newCustomer(): string {
  counter = (counter + 1) % 1000;
  return `4479${String(Math.floor(Math.random() * 1e5)).padStart(5, "0")}${String(counter).padStart(3, "0")}`;
}

/**
 * The customer writes (to a number no menu is bound to, so nothing starts): WhatsApp's 24-hour window is open, and a
 * business start may send its question free-form.
 */
export async function customerWrites(h: Harness, customer: string, text = "hello"): Promise<void> {
  const res = await h.inbound(textWebhook({ business: h.business, customer, text }));
  assert.equal(res.status, 200, await res.clone().text());
}

/** Runs `fn` with a fresh harness and always disposes of it. */
export async function withHarness(make: HarnessFactory, fn: (h: Harness) => Promise<void>, options?: HarnessOptions): Promise<void> {
  const h = await make(options);
  try {
    await fn(h);
  } finally {
    await h.dispose();
  }
}

/** A menu document as a test writes it: any shape (invalid ones too), with the id it is stored under. */
export type MenuDoc = { id: string; [field: string]: unknown };

export interface ScenarioSetup {
  /** Menus stored before the run: straight into the store, or with `upload` through `PUT /admin/menus/{id}` as a business does. */
  menus?: readonly MenuDoc[];
  upload?: boolean;
  /** The menu the harness's business number is bound to before the run. */
  bind?: string;
  /** The customer wrote before the run (to the unbound number): business starts find the 24-hour window open. */
  wrote?: boolean;
  harness?: HarnessOptions;
}

export interface ScenarioContext {
  h: Harness;
  /** A customer number of this run's own. */
  customer: string;
}

/** Uploads a menu through the admin API, as a business does, and checks it was taken. */
export async function uploadMenu(h: Harness, menu: MenuDoc): Promise<void> {
  const res = await h.admin("PUT", `/admin/menus/${menu.id}`, menu);
  assert.equal(res.status, 201, await res.clone().text());
}

/** A scenario on a fresh harness, its menus stored and bound as `setup` says, with a new customer. */
export function scenario(name: string, setup: ScenarioSetup, run: (context: ScenarioContext) => Promise<void>): Scenario {
  return {
    name,
    run: (make) =>
      withHarness(
        make,
        async (h) => {
          const customer = newCustomer();
          for (const menu of setup.menus ?? []) {
            if (setup.upload) await uploadMenu(h, menu);
            else await h.publish(menu);
          }
          if (setup.wrote) await customerWrites(h, customer);
          if (setup.bind !== undefined) await h.bind(h.business, setup.bind);
          await run({ h, customer });
        },
        setup.harness,
      ),
  };
}
