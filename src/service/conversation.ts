/** Runs one conversation step against the ports: read the session, decide (pure), send, store. */
import { AppError } from "../errors.js";
import { handleInbound, recordSent, startConversation, isActive } from "../flow/engine.js";
import type { InboundEvent, Outcome, Plan, Session } from "../flow/types.js";
import type { MenuRepo } from "../store/menus.js";
import type { SessionRepo } from "../store/sessions.js";
import type { MessagesClient } from "../vonage/messages-client.js";
import { buildMessage } from "../vonage/outbound.js";

export interface ConversationDeps {
  sessions: SessionRepo;
  menus: MenuRepo;
  messages: MessagesClient;
  now: () => number;
  sessionTtlSeconds: number;
}

export interface StepResult {
  outcome: Outcome;
  menu: string | null;
  node: string | null;
  sent: string[];
}

/** Compare-and-set stores may make a step lose a race; it is then decided again on the newer session. */
const MAX_TRIES = 3;

async function execute(deps: ConversationDeps, plan: Plan, version: string | null): Promise<{ saved: boolean; sent: string[] }> {
  if (plan.session === null) return { saved: true, sent: [] };
  const { business, customer } = plan.session;
  const sent: string[] = [];
  // In order, one at a time: WhatsApp shows them in the order they arrive.
  for (const message of plan.sends) sent.push(await deps.messages.send(buildMessage(business, customer, message)));
  // Stored only after every send succeeded: a failed send leaves the session where it was, and the 5xx
  // answer makes Vonage redeliver the webhook, which sends the question once more.
  const saved = await deps.sessions.save(recordSent(plan.session, sent), version, deps.sessionTtlSeconds);
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
    const fresh = active === null && !session?.handled.includes(event.messageUuid) ? await deps.menus.resolveFor(event.business) : null;
    const plan = handleInbound(session, event, { active, fresh }, new Date(deps.now()).toISOString());
    const { saved, sent } = await execute(deps, plan, stored?.version ?? null);
    if (saved) return resultOf(plan, sent);
    if (attempt >= MAX_TRIES) throw new AppError("ERR_STORE", 503, "session kept changing under concurrent webhooks; Vonage will redeliver");
  }
}

/** Starts a menu for a customer on the business's initiative (replaces any conversation they had). */
export async function startMenu(deps: ConversationDeps, menuId: string, who: { business: string; customer: string }): Promise<StepResult> {
  const ref = await deps.menus.current(menuId);
  if (ref === null) throw new AppError("ERR_MENU_NOT_FOUND", 404, `menu "${menuId}" does not exist; upload it first`);
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.sessions.get(who.business, who.customer);
    const plan = startConversation(ref, who, new Date(deps.now()).toISOString(), stored?.value ?? null);
    const { saved, sent } = await execute(deps, plan, stored?.version ?? null);
    if (saved) return resultOf(plan, sent);
    if (attempt >= MAX_TRIES) throw new AppError("ERR_STORE", 503, "session kept changing under concurrent writes; try again");
  }
}
