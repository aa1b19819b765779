/**
 * The app's wiring: builds everything the routes use, once per app: the configuration with its keys, the repositories, the
 * Messages API client and the completion deliveries. Built on the first request that needs them, so a bad
 * configuration fails requests (with a log line saying how to fix it), not the isolate.
 */
import type { Context, MiddlewareHandler } from "hono";
import { backendRequests } from "../business-webhooks/backend-requests.js";
import { deliveries, type Deliveries } from "../business-webhooks/deliveries.js";
import { loadConfig, type Config } from "../config.js";
import type { ConversationDeps } from "../conversation/step.js";
import type { VonageApiError } from "../errors.js";
import { menuRepo, type MenuRepo } from "../store/menus.js";
import { sessionRepo, type SessionRepo } from "../store/sessions.js";
import { strandedTimers, type StrandedTimers } from "../store/stranded-timers.js";
import { createMessagesClient, type MessagesClient } from "../vonage/messages-client.js";
import type { AppDeps } from "./deps.js";

/** What `/healthz` reports about sends: the last one that failed in a way only fixing the account heals. */
export interface SendHealth {
  failing: { status: number; title: string; at: string } | null;
}

export interface Services {
  deps: AppDeps;
  config: Config;
  health: SendHealth;
  menus: MenuRepo;
  sessions: SessionRepo;
  messages: MessagesClient;
  deliveries: Deliveries;
  /** Timers the queue refused, for the sweep. */
  stranded: StrandedTimers;
  /** The conversation's ports for this request (its `defer` belongs to the request; without one, a timer delivery's). */
  conversation(c: Context | null): ConversationDeps;
}

/** Hono's context variables of a route that runs `withServices`. */
export interface ServicesEnv {
  Variables: { services: Services };
}

/** `waitUntil` of the request where the runtime has one; otherwise the work simply runs on. */
function deferFor(c: Context | null, deps: AppDeps): (work: Promise<unknown>) => void {
  if (deps.defer) return deps.defer;
  return (work) => {
    try {
      if (c === null) throw new Error("no request");
      c.executionCtx.waitUntil(work);
    } catch {
      void work.catch(() => undefined);
    }
  };
}

async function buildServices(deps: AppDeps): Promise<Services> {
  const config = await loadConfig(deps.env);
  const stores = typeof deps.stores === "function" ? deps.stores() : deps.stores;
  const { fetch, now, sleep, random } = deps;
  // Publishes are rare: a tenth of a second of read-back settle costs nothing and keeps version numbers unique.
  const menus = menuRepo(stores.menus, { newId: random.uuid, sleep, settleMs: 100 });
  const sessions = sessionRepo(stores.sessions);
  const stranded = strandedTimers(stores.sessions, { now });
  const messages = createMessagesClient({
    applicationId: config.applicationId,
    privateKey: config.privateKey,
    baseUrl: config.apiUrl,
    tokenTtlSeconds: config.jwtTtlSeconds,
    log: deps.log,
    fetch,
    now,
    sleep,
    random,
  });
  const delivery = deliveries({ store: stores.sessions, signingKey: config.completionKey, fetch, now, sleep, random, allowLocal: config.allowLocalWebhooks, log: deps.log });
  const backend = backendRequests({ fetch, now, signingKey: config.completionKey, allowLocal: config.allowLocalWebhooks });
  const health: SendHealth = { failing: null };
  const onSend = (error: VonageApiError | null) => {
    if (error === null) health.failing = null;
    else if (error.httpStatus === 401 || error.httpStatus === 402) health.failing = { status: error.httpStatus, title: error.problem.title, at: new Date(now()).toISOString() };
  };
  return {
    deps,
    config,
    health,
    menus,
    sessions,
    messages,
    deliveries: delivery,
    stranded,
    conversation: (c) => ({
      sessions,
      menus,
      messages,
      deliveries: delivery,
      backend,
      now,
      newId: random.uuid,
      sessionTtlSeconds: config.sessionTtlSeconds,
      atomic: stores.sessions.atomic,
      claimSettleMs: config.claimSettleMs,
      sleep,
      defer: deferFor(c, deps),
      onSend,
      log: deps.log,
      stranded,
      ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
    }),
  };
}

/** The app's services: built on first use, or ahead of it. */
export interface LazyServices {
  (): Promise<Services>;
  /** Builds them now (at start-up). A failure is not kept, so the first request builds again and reports it; it is returned. */
  prepare(): Promise<unknown>;
}

/** The app's services, built on first use and kept for the app's life; a failure is kept too, so it fails each request alike. */
export function createServices(deps: AppDeps): LazyServices {
  let built: Promise<Services> | undefined;
  const services = () => (built ??= buildServices(deps));
  return Object.assign(services, {
    prepare: () =>
      services().then(
        () => undefined,
        (error: unknown) => {
          built = undefined;
          return error;
        },
      ),
  });
}

/** Middleware that makes the services `c.var.services`, or fails the request with the configuration's error. */
export function withServices(services: () => Promise<Services>): MiddlewareHandler<ServicesEnv> {
  return async (c, next) => {
    c.set("services", await services());
    await next();
  };
}
