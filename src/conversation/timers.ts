/**
 * A delivered timer as a step: read, decide (`flow/timers.ts`), claim, perform, record, exactly like a webhook's
 * step, so a queue's redelivery of the same timer finds the claim and sends only what is still owed.
 */
import { AppError } from "../errors.js";
import { decideTimer } from "../flow/timers.js";
import type { TimerMessage } from "../flow/types.js";
import { PHONE } from "../vonage/webhooks.js";
import { activeMenu, arm, commit, MAX_TRIES, perform, resultOf, STEP_DEADLINE_MS, type ConversationDeps, type StepResult } from "./step.js";

/** The queue's body, checked: only this app produces it, but a message of an older shape must not crash the consumer. */
export function timerMessage(body: unknown): TimerMessage | null {
  const m = body as Partial<TimerMessage> | null;
  if (typeof m !== "object" || m === null || m.v !== 1 || (m.kind !== "reminder" && m.kind !== "handback")) return null;
  const strings = [m.id, m.business, m.customer, m.conversation, m.node, m.asked, m.due];
  if (!strings.every((x) => typeof x === "string") || typeof m.count !== "number") return null;
  // The numbers name the customer's keys: ones a webhook would refuse (too long for a key, say) are no timer of ours,
  // and one the store cannot even look up would be delivered again and again.
  return PHONE.pattern.test(m.business!) && PHONE.pattern.test(m.customer!) ? (m as TimerMessage) : null;
}

/** Handles one delivered timer; a throw asks the queue to deliver it again. */
export async function handleTimer(deps: ConversationDeps, body: unknown, options: { force?: boolean } = {}): Promise<StepResult> {
  const message = timerMessage(body);
  if (message === null) return { outcome: "ignored", menu: null, node: null, sent: [] };
  const deadlineAt = deps.now() + (deps.stepDeadlineMs ?? STEP_DEADLINE_MS);
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const state = await deps.sessions.load(message.business, message.customer);
    const active = await activeMenu(deps, state);
    const plan = decideTimer({ ...state, message, active, now: new Date(deps.now()).toISOString(), writer: deps.newId(), ...(options.force ? { force: true } : {}) });
    if (plan.outcome === "behind") throw new AppError("ERR_SESSION_BEHIND", "the step this timer started may still be sending; the queue will deliver it again");
    if (plan.session === null) {
      // Early (a chained wait) or stale: at most the next leg is set, and nothing is stored.
      await arm(deps, plan, deadlineAt);
      return resultOf(plan, await perform(deps, plan, message.business, message.customer, deadlineAt));
    }
    const done = await commit(deps, plan, message.business, message.customer, state, deadlineAt);
    if (done === "lost") continue;
    if (done === "opted_out") return { outcome: "opted_out", menu: null, node: null, sent: [] };
    return resultOf(plan, done);
  }
  throw new AppError("ERR_SESSION_CONTENDED", "session kept changing; the queue will deliver the timer again");
}
