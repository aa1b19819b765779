/** Runs one conversation step against the ports: read the session, decide (pure), send, store. */
import type { Deliveries } from "../business-webhooks/deliveries.js";
import { AppError } from "../errors.js";
import { commandOf, handleInbound, isActive, markDeliveryFailed, recordSent, startConversation } from "../flow/engine.js";
import type { InboundEvent, Outcome, Plan, Session, StatusEvent } from "../flow/types.js";
import type { MenuRepo } from "../store/menus.js";
import type { SessionRepo } from "../store/sessions.js";
import type { MessagesClient } from "../vonage/messages-client.js";
import { buildMessage } from "../vonage/outbound.js";

export interface ConversationDeps {
  sessions: SessionRepo;
  menus: MenuRepo;
  messages: MessagesClient;
  deliveries: Deliveries;
  now: () => number;
  sessionTtlSeconds: number;
  /** Runs work after the response has gone (Workers `waitUntil`). */
  defer: (work: Promise<unknown>) => void;
}

export interface StepResult {
  outcome: Outcome;
  menu: string | null;
  node: string | null;
  sent: string[];
}

/** Compare-and-set stores may make a step lose a race; it is then decided again on the newer session. */
const MAX_TRIES = 3;

/** A customer who opted out is remembered beyond the conversation's lifetime. */
const ttlOf = (session: Session, ttl: number) => (session.optedOut ? null : ttl);

async function execute(deps: ConversationDeps, plan: Plan, version: string | null): Promise<{ saved: boolean; sent: string[] }> {
  if (plan.session === null) return { saved: true, sent: [] };
  const { business, customer } = plan.session;
  const sent: string[] = [];
  // In order, one at a time: WhatsApp shows them in the order they arrive.
  for (const [i, message] of plan.sends.entries()) {
    try {
      sent.push(await deps.messages.send(buildMessage(business, customer, message)));
    } catch (error) {
      // Some messages already went out: remember the rest, so the redelivery sends only those.
      if (i > 0) await deps.sessions.save({ ...plan.session, outbox: plan.sends.slice(i) }, version, ttlOf(plan.session, deps.sessionTtlSeconds));
      throw error;
    }
  }
  // Stored only after every send succeeded: a failed send leaves the session where it was, and the 5xx
  // answer makes Vonage redeliver the webhook, which sends the question once more.
  const session = recordSent(plan.session, sent);
  const saved = await deps.sessions.save(session, version, ttlOf(session, deps.sessionTtlSeconds));
  if (saved && plan.completion) {
    const { attempts } = await deps.deliveries.enqueue(plan.completion);
    deps.defer(attempts);
  }
  return { saved, sent };
}

const resultOf = (plan: Plan, sent: string[]): StepResult => ({ outcome: plan.outcome, menu: plan.session?.menuId ?? null, node: plan.node, sent });

/** Handles one verified inbound message. */
export async function handleInboundEvent(deps: ConversationDeps, event: InboundEvent): Promise<StepResult> {
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.sessions.get(event.business, event.customer);
    const session: Session | null = stored?.value ?? null;
    // The session's own menu version, so a customer finishes on the version they started with.
    const active = isActive(session) ? await deps.menus.load(session.menuId, session.menuVersion) : null;
    const command = active === null ? null : commandOf(active.menu, event);
    const duplicate = session?.handled.includes(event.messageUuid) ?? false;
    // Only what the decision may need is read: a plain answer costs one KV read.
    let fresh = null;
    if (!duplicate && (active === null || command === "restart" || command === "start")) {
      fresh = (command === "restart" && session ? await deps.menus.current(session.menuId) : null) ?? (await deps.menus.resolveFor(event.business));
    }
    const plan = handleInbound(session, event, { active, fresh }, new Date(deps.now()).toISOString());
    if (plan.outcome === "behind") {
      throw new AppError("ERR_SESSION_BEHIND", "the stored session is older than the question answered (KV not caught up yet); Vonage will redeliver");
    }
    const { saved, sent } = await execute(deps, plan, stored?.version ?? null);
    if (saved) return resultOf(plan, sent);
    if (attempt >= MAX_TRIES) throw new AppError("ERR_SESSION_CONTENDED", "session kept changing under concurrent webhooks; Vonage will redeliver");
  }
}

/** Starts a menu for a customer on the business's initiative (replaces any conversation they had). */
export async function startMenu(deps: ConversationDeps, menuId: string, who: { business: string; customer: string }): Promise<StepResult> {
  const ref = await deps.menus.current(menuId);
  if (ref === null) throw new AppError("ERR_MENU_NOT_FOUND", `menu "${menuId}" does not exist; upload it first`);
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.sessions.get(who.business, who.customer);
    if (stored?.value.optedOut) throw new AppError("ERR_OPTED_OUT", "this customer opted out; nothing is sent until they write a start command");
    const plan = startConversation(ref, who, new Date(deps.now()).toISOString(), stored?.value ?? null);
    const { saved, sent } = await execute(deps, plan, stored?.version ?? null);
    if (saved) return resultOf(plan, sent);
    if (attempt >= MAX_TRIES) throw new AppError("ERR_SESSION_CONTENDED", "session kept changing under concurrent writes; try again");
  }
}

/**
 * A failed delivery of the pending question is written to the session, so the admin view shows why and the
 * customer's next message gets the question again. Other statuses cost no KV access at all.
 */
export async function handleStatusEvent(deps: Pick<ConversationDeps, "sessions" | "now" | "sessionTtlSeconds">, status: StatusEvent): Promise<"recorded" | "ignored"> {
  if (status.status !== "rejected" && status.status !== "undeliverable") return "ignored";
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const stored = await deps.sessions.get(status.business, status.customer);
    if (stored === null) return "ignored";
    const failed = markDeliveryFailed(stored.value, status, new Date(deps.now()).toISOString());
    if (failed === null) return "ignored";
    if (await deps.sessions.save(failed, stored.version, ttlOf(failed, deps.sessionTtlSeconds))) return "recorded";
  }
  throw new AppError("ERR_SESSION_CONTENDED", "session kept changing; Vonage will redeliver the status");
}
