/** What an agent does with a handed-over conversation (pure): a text to the customer, and handing back to the menu. */
import { LIMITS } from "../menus/limits.js";
import { handBackSession, isHandedOver } from "./handover.js";
import { arrive, invite, nothing, plan, type MenuRef } from "./plan.js";
import { clip, walk } from "./render.js";
import { catchUp, windowOpen } from "./session.js";
import { armTimers } from "./timers.js";
import type { Plan, SentRecord, Session } from "./types.js";

export interface AgentInput {
  session: Session | null;
  sent: SentRecord | null;
  optedOut: boolean;
  now: string;
  writer: string;
}

const NOT_HANDED_OVER = "this customer's conversation is not handed over; hand it over first (a handover node or the agent command)";

/** The agent's text, inside the 24-hour window only (outside it WhatsApp would refuse it with 1340). */
export function decideAgentReply(input: AgentInput & { text: string }): Plan {
  const caught = catchUp(input.session, input.sent);
  const session = caught.session;
  if (!isHandedOver(session)) return { ...nothing("ignored"), problem: NOT_HANDED_OVER };
  if (input.optedOut || session.optedOut) return nothing("opted_out");
  if (!windowOpen(session, input.now)) {
    return { ...nothing("outside_window"), problem: "the customer has not written in the last 24 hours, so WhatsApp would refuse a free-form text (1340); hand back, or wait for them to write" };
  }
  const replied: Session = { ...session, handover: { ...session.handover, lastActivityAt: input.now } };
  return plan("agent_replied", replied, { event: null, now: input.now, writer: input.writer }, [{ type: "text", text: clip(input.text, LIMITS.text) }], [], caught.owing);
}

/**
 * The menu takes the conversation back, at `node` (default: the start). Outside the 24-hour window the menu's
 * template goes out instead (or nothing: the customer's next message starts the menu).
 */
export function decideHandBack(input: AgentInput & { ref: MenuRef | null; node?: string }): Plan {
  const caught = catchUp(input.session, input.sent);
  const session = caught.session;
  if (!isHandedOver(session)) return { ...nothing("ignored"), problem: NOT_HANDED_OVER };
  const { ref, now } = input;
  const back = handBackSession(ref, session, "agent", now);
  const ctx = { event: null, now, writer: input.writer };
  const stopped = input.optedOut || session.optedOut === true;
  if (ref === null || stopped) return armTimers(plan("handed_back", back.session, ctx, [], back.completions, caught.owing), [ref], now);
  if (!windowOpen(session, now)) {
    if (ref.menu.template === undefined) return plan("handed_back", back.session, ctx, [], back.completions, caught.owing);
    const invited = invite(ref, session, now, back.session, back.session.conversation ?? now);
    if (invited.empty.length > 0) return plan("handed_back", back.session, ctx, [], back.completions, caught.owing);
    const keep: Session = { ...invited.session, conversation: back.session.conversation ?? now, answers: back.session.answers };
    return armTimers(plan("handed_back", keep, ctx, invited.sends, back.completions, caught.owing), [ref], now);
  }
  const node = input.node ?? ref.menu.start;
  const walked = walk(ref.menu, { node }, back.session, node);
  const arrived = arrive(ref, back.session, walked, now);
  return armTimers(plan("handed_back", arrived.session, ctx, walked.sends, [...back.completions, ...arrived.completions], caught.owing), [ref], now);
}
