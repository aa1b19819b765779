/** Answers (pure): what a message to the conversation's pending question (or input, or template) does, by the kind of message. */
import { defined } from "../defined.js";
import { TEMPLATE_NODE, type CompiledOption, type CompiledTemplate, type Target, type Waiting } from "../menus/compiled.js";
import { waits } from "../menus/nodes.js";
import { unreachable } from "../unreachable.js";
import { clip } from "./clip.js";
import { checkInput } from "./inputs.js";
import { tapped, typedOption, type Command } from "./match.js";
import { accumulate, earlierPages, MORE_ID, pageOf } from "./options.js";
import { arrive, fetching, nothing, plan, type MenuRef } from "./plan.js";
import { askAgain, walk } from "./render.js";
import { askedNow, recordAnswer, VAR_VALUE_MAX, type Owing } from "./session.js";
import type { Asked, FetchResult, InboundEvent, Outcome, Plan, Session, ShownOption } from "./types.js";
import { type Held, restoreUndone, setVars, undoneIn, undoneOf } from "./vars.js";

/** Earlier sendings of a re-asked question that still answer it. */
const RESENT_MAX = 5;
/** An input's answer as recorded among the answers (the variable holds it whole, up to VAR_VALUE_MAX). */
const INPUT_ANSWER_MAX = 200;

type Shown = { options: ShownOption[]; page: number; seen?: ShownOption[] };

/** A message to the conversation's pending question. */
export function answer(
  ref: MenuRef,
  handled: Session,
  pending: Asked,
  waiting: Waiting,
  command: Command | null,
  input: { event: InboundEvent; now: string; writer: string; prior: Owing | null; fetched?: readonly FetchResult[] },
): Plan {
  const { event, now, prior } = input;
  const settings = ref.menu.settings;
  const ctx = { event, now, writer: input.writer };
  const walkInput = { fetched: input.fetched ?? [], inbound: event.messageUuid };
  // `base`: the variables and lists of the question the next one follows (the pending one's, unless a rewind drops it).
  const go = (outcome: Outcome, session: Session, target: Target, from: string, base: Held = handled) => {
    const walked = walk(ref.menu, target, session, from, walkInput);
    if (walked.fetch !== undefined) return fetching(outcome, walked.fetch, pending.node);
    const arrived = arrive(ref, session, walked, now, undoneOf(base, walked.session));
    const ended = outcome === "advanced" && arrived.session.handover !== undefined ? "handed_over" : outcome === "advanced" && arrived.session.pending === null ? "completed" : outcome;
    return plan(ended, arrived.session, ctx, walked.sends, arrived.completions, prior);
  };
  const reask = (outcome: Outcome, note: string | undefined, attempts: number, shown?: Shown) => {
    // A fresh Asked: a failure recorded for the previous sending no longer applies.
    const options = shown?.options ?? pending.options;
    const seen = shown === undefined ? pending.seen : shown.seen;
    const page = shown === undefined ? pending.page : shown.page || undefined;
    const again: Asked = { ...askedNow(handled, pending.node, now), answered: pending.answered, ...defined({ options, seen, page }), ...undoneIn(pending) };
    // The earlier sendings stay on the customer's screen: tapping one of them still answers this question.
    const resent = [...(pending.messageUuid === null ? [] : [pending.messageUuid]), ...(pending.resent ?? [])].slice(0, RESENT_MAX);
    if (resent.length > 0) again.resent = resent;
    const session: Session = { ...handled, pending: again, attempts, updatedAt: now };
    return plan(outcome, session, ctx, askAgain(question, handled, again, note), [], prior);
  };
  const chosen = (outcome: Outcome, session: Session, asked: Asked, option: CompiledOption, base: Held = handled) => {
    const node = ref.menu.nodes[asked.node];
    const variable = node?.kind === "question" ? node.dynamic?.var : undefined;
    const answered = recordAnswer(session, asked, option, now);
    return go(outcome, variable === undefined ? answered : setVars(answered, { [variable]: option.id }), option.next, `${asked.node}/${option.id}`, base);
  };
  /** The next page of a dynamic question ("More…"): asked again, no attempt counted. */
  const more = () => {
    const dynamic = question.kind === "question" ? question.dynamic : undefined;
    const page = dynamic && pageOf(handled.lists?.[dynamic.list] ?? [], dynamic, (pending.page ?? 0) + 1);
    if (!page) return reask("reprompted", undefined, handled.attempts);
    return reask("paged", undefined, handled.attempts, { options: page.shown, page: (pending.page ?? 0) + 1, seen: accumulate(pending.seen, pending.options ?? []) });
  };

  if (waiting.kind === "template") return answerTemplate(ref, handled, pending, waiting, event, now, go);
  const question = waiting;
  if (pending.failed) return reask("resent", undefined, handled.attempts);
  if (command === "back") {
    const previous = handled.asked.at(-1);
    const node = previous && previous.conversation === handled.conversation ? ref.menu.nodes[previous.node] : undefined;
    if (previous === undefined || node === undefined || !waits(node) || (node.kind !== "question" && node.kind !== "input")) return reask("back", settings.texts.noBack, 0);
    // The variables and lists too as they were when that question was asked: what was set since (its own answer, an
    // input or a request after it) no longer applies. Once: that question keeps its own undo, for going back further.
    const back: Session = { ...restoreUndone(handled, pending), asked: handled.asked.slice(0, -1), answers: handled.answers.slice(0, previous.answered), pending: null };
    // A dynamic question keeps the options it showed only while among the newest (SHOWN_KEPT): further back, its
    // page is made again from its list (put back as it was then, see `Asked.undoLists`); with the list gone too (too
    // large for the undo bound), there is no showing it again, so no going back.
    let shownBefore = previous.options;
    if (node.kind === "question" && node.dynamic !== undefined && shownBefore === undefined) {
      shownBefore = pageOf(back.lists?.[node.dynamic.list] ?? [], node.dynamic, previous.page ?? 0)?.shown;
      if (shownBefore === undefined) return reask("back", settings.texts.noBack, 0);
    }
    // The options of its earlier pages are not kept once it is no longer pending (trimShown): from the list, they
    // answer it again as they did on that page, tapped or typed.
    const seen = node.kind === "question" && node.dynamic !== undefined ? (previous.seen ?? earlierPages(back.lists?.[node.dynamic.list] ?? [], node.dynamic, previous.page ?? 0)) : undefined;
    const returned: Asked = { ...previous, ...defined({ options: shownBefore }) };
    const sends = askAgain(node, back, returned);
    const shown = shownBefore === undefined ? undefined : { options: shownBefore, page: previous.page ?? 0, ...defined({ seen }) };
    const arrived = arrive(ref, back, { sends, question: previous.node, session: back, ...defined({ shown }) }, now, undoneIn(previous));
    return plan("back", arrived.session, ctx, sends, [], prior);
  }

  const reprompt = question.reprompt ?? (question.kind === "input" ? settings.texts.invalidInput : settings.texts.reprompt);
  const wrong = () => {
    // An answer that matches nothing: re-asked until `maxAttempts`, then the menu's fallback.
    const attempts = handled.attempts + 1;
    if (attempts < settings.maxAttempts) return reask("reprompted", reprompt, attempts);
    return go("gave_up", handled, settings.fallback ?? { text: settings.texts.giveUp }, "fallback");
  };

  const content = event.content;
  switch (content.kind) {
    case "reply": {
      const tap = tapped(ref.menu, { ...handled, pending }, { ...event, content });
      switch (tap.kind) {
        case "pending":
          return tap.option.id === MORE_ID ? more() : chosen("advanced", handled, pending, tap.option);
        case "earlier": {
          if (settings.staleTaps === "reprompt" || tap.option === null || tap.option.id === MORE_ID) return reask("stale", settings.texts.movedOn, handled.attempts);
          // Rewind: back to the moment that earlier question was asked (later answers, and the variables and lists
          // set since, no longer apply), and it is answered again from there as if it were pending.
          const index = handled.asked.indexOf(tap.asked);
          const restored = [pending, ...handled.asked.slice(index + 1).reverse()].reduce((s, a) => restoreUndone(s, undoneIn(a)), handled);
          const rewound: Session = { ...restored, asked: handled.asked.slice(0, index), answers: handled.answers.slice(0, tap.asked.answered), pending: tap.asked };
          return chosen("rewound", rewound, tap.asked, tap.option, restored);
        }
        case "unknown":
          // Not a question this conversation is waiting on (a superseded message): never an answer.
          return reask("superseded", settings.texts.movedOn, handled.attempts);
        case "none":
          return wrong();
        default:
          return unreachable(tap);
      }
    }
    case "text":
    case "location": {
      if (question.kind === "input") {
        if (content.kind === "location" && question.rule.type !== "location") return reask("not_an_answer", settings.texts.notAnAnswer, handled.attempts);
        const checked = checkInput(question.rule, content, now, settings.timeZone);
        if (!checked.ok) return wrong();
        const option: CompiledOption = { id: clip(checked.value, INPUT_ANSWER_MAX), title: clip(checked.title, INPUT_ANSWER_MAX), next: question.next, words: [] };
        const session = setVars(recordAnswer(handled, pending, option, now), { [question.var]: clip(checked.value, VAR_VALUE_MAX) });
        return go("advanced", session, question.next, `${pending.node}/next`);
      }
      if (content.kind === "location") return reask("not_an_answer", settings.texts.notAnAnswer, handled.attempts);
      const option = typedOption(question, content.text, pending);
      if (option) return option.id === MORE_ID ? more() : chosen("advanced", handled, pending, option);
      return wrong();
    }
    case "other":
      // A picture, a sticker: not a wrong answer, so it costs no attempt.
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
