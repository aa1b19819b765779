/** Builds the app's services from its dependencies once, lazily, so a bad configuration fails requests, not the isolate. */
import type { Context } from "hono";
import { deliveries, type Deliveries } from "../completion/deliveries.js";
import type { Config } from "../config.js";
import type { ConversationDeps } from "../service/conversation.js";
import { menuRepo, type MenuRepo } from "../store/menus.js";
import { sessionRepo, type SessionRepo } from "../store/sessions.js";
import { createMessagesClient, type MessagesClient } from "../vonage/messages-client.js";
import type { AppDeps } from "./deps.js";

export interface Services {
  deps: AppDeps;
  config(): Promise<Config>;
  menus: MenuRepo;
  sessions: SessionRepo;
  deliveries(): Promise<Deliveries>;
  /** The conversation's ports for this request (its `defer` belongs to the request). */
  conversation(c: Context): Promise<ConversationDeps>;
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
  const menus = menuRepo(deps.stores.menus);
  const sessions = sessionRepo(deps.stores.sessions);
  let messages: MessagesClient | undefined;
  let delivery: Deliveries | undefined;

  const services: Services = {
    deps,
    config: deps.config,
    menus,
    sessions,
    async deliveries() {
      const config = await deps.config();
      return (delivery ??= deliveries({ store: deps.stores.sessions, signingKey: config.completionKey, fetch: deps.fetch, now: deps.now, sleep: deps.sleep }));
    },
    async conversation(c) {
      const config = await deps.config();
      messages ??= createMessagesClient({
        applicationId: config.applicationId,
        privateKey: config.privateKey,
        baseUrl: config.apiUrl,
        fetch: deps.fetch,
        now: deps.now,
        sleep: deps.sleep,
      });
      return { sessions, menus, messages, deliveries: await services.deliveries(), now: deps.now, sessionTtlSeconds: config.sessionTtlSeconds, defer: deferFor(c, deps) };
    },
  };
  return services;
}
