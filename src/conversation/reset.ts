/** An admin reset of one customer: the conversation is forgotten, and a person they were talking to is told. */
import { handBackSession, isHandedOver } from "../flow/handover.js";
import type { ConversationDeps } from "./step.js";

export async function resetCustomer(
  deps: Pick<ConversationDeps, "sessions" | "deliveries" | "defer" | "now" | "sessionTtlSeconds">,
  who: { business: string; customer: string },
  options: { clearOptOut: boolean },
): Promise<void> {
  const session = await deps.sessions.view(who.business, who.customer);
  const now = deps.now();
  if (isHandedOver(session)) {
    // The agent endpoint learns that the conversation it holds is over (reason "reset"), as it does for a stop. Stored
    // before the reset, its id derived from the handover: a reset tried again after a failure is the same delivery.
    for (const ended of handBackSession(null, session, "reset", new Date(now).toISOString()).completions) {
      deps.defer((await deps.deliveries.enqueue(ended)).attempts);
    }
  }
  await deps.sessions.reset(session, who, { clearOptOut: options.clearOptOut, now, ttlSeconds: deps.sessionTtlSeconds });
}
