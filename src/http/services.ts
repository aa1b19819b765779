/** Builds the app's services from its dependencies once, lazily, so a bad configuration fails requests, not the isolate. */
import type { Context } from "hono";
import { deliveries, type Deliveries } from "../completion/deliveries.js";
import type { Config } from "../config.js";
import type { VonageApiError } from "../errors.js";
import type { ConversationDeps } from "../conversation/step.js";
import { menuRepo, type MenuRepo } from "../store/menus.js";
import { sessionRepo, type SessionRepo } from "../store/sessions.js";
import { createMessagesClient, type MessagesClient } from "../vonage/messages-client.js";
import type { AppDeps } from "./deps.js";

/** What `/healthz` reports about sends: the last one that failed in a way only fixing the account heals. */
export interface SendHealth {
  failing: { status: number; title: string; at: string } | null;
}

export interface Services {
  deps: AppDeps;
  health: SendHealth;
  config(): Config;
  menus: MenuRepo;
  sessions: SessionRepo;
  deliveries(): Deliveries;
  /** The conversation's ports for this request (its `defer` belongs to the request). */
  conversation(c: Context): ConversationDeps;
}

/** `waitUntil` of the request where the runtime has one; otherwise the work simply runs on. */
function deferFor(c: Context, deps: AppDeps): (work: Promise<unknown>) => void {
  if (deps.defer) return deps.defer;
  return (work) => {
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      void work.catch(() => undefined);
    }
  };
}

export function createServices(deps: AppDeps): Services {
  // Publishes are rare: a tenth of a second of read-back settle costs nothing and keeps version numbers unique.
  const menus = menuRepo(deps.stores.menus, { sleep: deps.sleep, settleMs: 100 });
  const sessions = sessionRepo(deps.stores.sessions);
  let messages: MessagesClient | undefined;
  let delivery: Deliveries | undefined;

  const health: SendHealth = { failing: null };
  const onSend = (error: VonageApiError | null) => {
    if (error === null) health.failing = null;
    else if (error.httpStatus === 401 || error.httpStatus === 402) health.failing = { status: error.httpStatus, title: error.problem.title, at: new Date(deps.now()).toISOString() };
  };
  const services: Services = {
    deps,
    health,
    config: deps.config,
    menus,
    sessions,
    deliveries() {
      return (delivery ??= deliveries({ store: deps.stores.sessions, secret: deps.config().completionSecret, fetch: deps.fetch, now: deps.now, sleep: deps.sleep, allowLocal: deps.config().allowLocalWebhooks }));
    },
    conversation(c) {
      const config = deps.config();
      messages ??= createMessagesClient({
        applicationId: config.applicationId,
        privateKey: config.privateKey,
        baseUrl: config.apiUrl,
        fetch: deps.fetch,
        now: deps.now,
        sleep: deps.sleep,
      });
      return {
        sessions,
        menus,
        messages,
        deliveries: services.deliveries(),
        now: deps.now,
        newId: () => crypto.randomUUID(),
        sessionTtlSeconds: config.sessionTtlSeconds,
        atomic: deps.stores.sessions.atomic,
        claimSettleMs: config.claimSettleMs,
        sleep: deps.sleep,
        defer: deferFor(c, deps),
        onSend,
      };
    },
  };
  return services;
}
