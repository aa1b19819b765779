/** Answers (pure): what a message to the conversation's pending question does, by the kind of message. */
import { TEMPLATE_NODE, type CompiledMenu, type CompiledQuestion, type CompiledTemplate, type Target, type Waiting } from "../menus/compiled.js";
import { unreachable } from "../unreachable.js";
import { tapped, typedOption, type Command } from "./match.js";
import { arrive, nothing, plan, type MenuRef } from "./plan.js";
import { questionMessage, walk } from "./render.js";
import { askedNow, recordAnswer, type Owing } from "./session.js";
import type { Asked, InboundEvent, Outcome, Plan, Session } from "./types.js";

/** Earlier sendings of a re-asked question that still answer it. */
const RESENT_MAX = 5;

/** A message to the conversation's pending question. */
export function answer(
  ref: MenuRef,
  handled: Session,
  pending: Asked,
  waiting: Waiting,
  command: Command | null,
  input: { event: InboundEvent; now: string; writer: string; prior: Owing | null },
): Plan {
  const { event, now, prior } = input;
  const settings = ref.menu.settings;
  const ctx = { event, now, writer: input.writer };
  const go = (outcome: Outcome, session: Session, target: Target, from: string) => {
    const walked = walk(ref.menu, target, session, from);
    const arrived = arrive(ref, session, walked, now);
    const ended = outcome === "advanced" && arrived.session.handover !== undefined ? "handed_over" : outcome === "advanced" && arrived.session.pending === null ? "completed" : outcome;
    return plan(ended, arrived.session, ctx, walked.sends, arrived.completions, prior);
  };
  const reask = (outcome: Outcome, note: string | undefined, attempts: number) => {
    // A fresh Asked: a failure recorded for the previous sending no longer applies.
    const again: Asked = { ...askedNow(handled, pending.node, now), answered: pending.answered };
    // The earlier sendings stay on the customer's screen: tapping one of them still answers this question.
    const resent = [...(pending.messageUuid === null ? [] : [pending.messageUuid]), ...(pending.resent ?? [])].slice(0, RESENT_MAX);
    if (resent.length > 0) again.resent = resent;
    const session: Session = { ...handled, pending: again, attempts, updatedAt: now };
    return plan(outcome, session, ctx, [questionMessage(question, handled, note)], [], prior);
  };

  if (waiting.kind === "template") return answerTemplate(ref, handled, pending, waiting, event, now, go);
  const question = waiting;
  if (pending.failed) return reask("resent", undefined, handled.attempts);
  if (command === "back") {
    const previous = handled.asked.at(-1);
    const node = previous && previous.conversation === handled.conversation ? ref.menu.nodes[previous.node] : undefined;
    if (previous === undefined || node?.kind !== "question") return reask("back", undefined, 0);
    const back: Session = { ...handled, asked: handled.asked.slice(0, -1), answers: handled.answers.slice(0, previous.answered), pending: null };
    const arrived = arrive(ref, back, { sends: [questionMessage(node, back)], question: previous.node }, now);
    return plan("back", arrived.session, ctx, [questionMessage(node, back)], [], prior);
  }

  const content = event.content;
  switch (content.kind) {
    case "reply": {
      const tap = tapped(ref.menu, { ...handled, pending }, { ...event, content });
      switch (tap.kind) {
        case "pending":
          return go("advanced", recordAnswer(handled, pending, tap.option, now), tap.option.next, `${pending.node}/${tap.option.id}`);
        case "earlier": {
          if (settings.staleTaps === "reprompt" || tap.option === null) return reask("stale", settings.texts.movedOn, handled.attempts);
          // Rewind: answer that earlier question again and go on from there; later answers no longer apply.
          const index = handled.asked.indexOf(tap.asked);
          const rewound: Session = { ...handled, asked: handled.asked.slice(0, index), answers: handled.answers.slice(0, tap.asked.answered), pending: null };
          return go("rewound", recordAnswer(rewound, tap.asked, tap.option, now), tap.option.next, `${tap.asked.node}/${tap.option.id}`);
        }
        case "unknown":
          // Not a question this conversation is waiting on (a superseded message): never an answer.
          return reask("superseded", settings.texts.movedOn, handled.attempts);
        case "none":
          return attempt(handled, settings, question, reask, go);
        default:
          return unreachable(tap);
      }
    }
    case "text": {
      const option = typedOption(question, content.text);
      if (option) return go("advanced", recordAnswer(handled, pending, option, now), option.next, `${pending.node}/${option.id}`);
      return attempt(handled, settings, question, reask, go);
    }
    case "other":
      // A picture, a location, a sticker: not a wrong answer, so it costs no attempt.
      return reask("not_an_answer", settings.texts.notAnAnswer, handled.attempts);
    case "reaction":
      return nothing("ignored", pending.node);
    default:
      return unreachable(content);
  }
}

/**
 * A message to the template that opened the conversation: a tap on one of its quick replies (or its text typed)
 * leads where that button says; anything else means the customer is back in the 24-hour window, and the menu goes on.
 */
function answerTemplate(
  ref: MenuRef,
  handled: Session,
  pending: Asked,
  template: CompiledTemplate,
  event: InboundEvent,
  now: string,
  go: (outcome: Outcome, session: Session, target: Target, from: string) => Plan,
): Plan {
  const content = event.content;
  const chosen =
    content.kind === "reply"
      ? (() => {
          const tap = tapped(ref.menu, { ...handled, pending }, { ...event, content });
          return tap.kind === "pending" ? tap.option : null;
        })()
      : content.kind === "text"
        ? typedOption(template, content.text)
        : null;
  if (content.kind === "reaction") return nothing("ignored", pending.node);
  if (chosen !== null) return go("advanced", recordAnswer(handled, pending, chosen, now), chosen.next, `${TEMPLATE_NODE}/${chosen.id}`);
  return go("advanced", handled, template.next, TEMPLATE_NODE);
}

/** An answer that matches nothing: re-asked until `maxAttempts`, then the menu's fallback. */
function attempt(
  handled: Session,
  settings: CompiledMenu["settings"],
  question: CompiledQuestion,
  reask: (outcome: Outcome, note: string | undefined, attempts: number) => Plan,
  go: (outcome: Outcome, session: Session, target: Target, from: string) => Plan,
): Plan {
  const attempts = handled.attempts + 1;
  if (attempts < settings.maxAttempts) return reask("reprompted", question.reprompt ?? settings.texts.reprompt, attempts);
  return go("gave_up", handled, settings.fallback ?? { text: settings.texts.giveUp }, "fallback");
}
