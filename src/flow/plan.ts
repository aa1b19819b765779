/** Building plans (pure): the session a step stores, with what it owes, and where an answer leads. */
import { defined } from "../defined.js";
import { TEMPLATE_NODE, type CompiledMenu } from "../menus/compiled.js";
import { handOver } from "./handover.js";
import { templateMessage, walk, type WalkInput, type Walked } from "./render.js";
import { ASKED_MAX, askedNow, blankSession, keepLast, owe, SHOWN_KEPT, UNDO_MAX, type Owing, type Who } from "./session.js";
import type { Asked, Completion, FetchNeed, InboundEvent, Outcome, Plan, Session } from "./types.js";
import { boundUndo, listsUndoSize, undoSize, type Undone } from "./vars.js";

export interface MenuRef {
  menu: CompiledMenu;
  version: number;
}

export const nothing = (outcome: Outcome, node: string | null = null): Plan => ({ outcome, session: null, perform: null, node });

/** The walk needs a request's result first: nothing is stored or sent until the step decides again with it. */
export const fetching = (outcome: Outcome, fetch: FetchNeed, node: string | null): Plan => ({ outcome, session: null, perform: null, node, fetch });

/**
 * Earlier questions keep the options they showed only for the last few, and not those of their earlier pages:
 * enough for late taps, bounded in size.
 */
function trimShown(asked: Asked[]): Asked[] {
  let kept = 0;
  const out = asked.map(({ seen: _, ...a }): Asked => a);
  for (let i = out.length - 1; i >= 0; i--) {
    const a = out[i]!;
    if (a.options === undefined || ++kept <= SHOWN_KEPT) continue;
    const { options: _o, ...rest } = a;
    out[i] = rest;
  }
  return out;
}

/** Stores `session` owing `sends` (after whatever an earlier step left undone), and performs them. */
export function plan(
  outcome: Outcome,
  session: Session,
  input: { event: InboundEvent | null; now: string; writer: string },
  sends: Walked["sends"],
  completions: Completion[],
  prior: Owing | null,
): Plan {
  const stored = owe(session, input.event?.messageUuid ?? null, sends, completions, input.writer, input.now, prior);
  return { outcome, session: stored, perform: { owed: stored.owed!, from: 0, uuids: [] }, node: stored.pending?.node ?? null };
}

/**
 * Moves the session to `walked`'s question (or ends it), remembering the question it leaves. `undone` turns the
 * variables and lists the new question finds back into those of the question before it (see `Asked.undo`).
 */
export function arrive(ref: MenuRef, before: Session, walked: Walked, now: string, undone: Undone = {}): { session: Session; completions: Completion[] } {
  // The walk's session carries what its requests set; the questions asked are the ones before it.
  const session: Session = { ...walked.session, pending: before.pending, asked: before.asked };
  let asked = session.pending ? trimShown(keepLast([...session.asked, session.pending], ASKED_MAX)) : session.asked;
  const next: Session = { ...session, asked, pending: null, attempts: 0, updatedAt: now };
  if (walked.question !== null) {
    next.pending = askedNow(next, walked.question, now);
    const shown = walked.shown;
    if (shown !== undefined) next.pending = { ...next.pending, options: shown.options, ...(shown.page > 0 ? { page: shown.page } : {}), ...defined({ seen: shown.seen }) };
    // Only a question of the same conversation is gone back to; an undo larger than the bound is not kept, nor
    // lists beyond what the variables leave of it.
    const previous = asked.at(-1);
    let used = 0;
    if (previous !== undefined && previous.conversation === next.conversation) {
      const size = undoSize(undone.undo);
      if (undone.undo !== undefined && size <= UNDO_MAX) [next.pending.undo, used] = [undone.undo, size];
      const lists = listsUndoSize(undone.undoLists);
      const varsKept = undone.undo === undefined || next.pending.undo !== undefined;
      if (undone.undoLists !== undefined && varsKept && used + lists <= UNDO_MAX) [next.pending.undoLists, used] = [undone.undoLists, used + lists];
    }
    asked = boundUndo(asked, used);
    next.asked = asked;
  }
  // A handover node: a person takes over from here (see `flow/handover.ts`).
  if (walked.handover !== undefined) return handOver(ref, next, walked.handover, now);
  const completions: Completion[] = [];
  if (walked.question === null && walked.end?.webhook !== undefined) {
    const conversation = session.conversation ?? session.startedAt;
    const completion: Completion = {
      key: `${conversation}/${walked.end.node}`,
      webhook: walked.end.webhook,
      menuId: ref.menu.id,
      menuVersion: ref.version,
      business: session.business,
      customer: session.customer,
      conversation,
      end: walked.end.node,
      answers: session.answers,
      completedAt: now,
      ...defined({ profileName: session.profileName, variables: session.vars }),
    };
    completions.push(completion);
  }
  return { session: next, completions };
}

/** A new conversation on `ref`'s menu that waits at its template (outside the 24-hour window); `empty`: parameters that came out empty. */
export function invite(ref: MenuRef, who: Who, now: string, previous: Session | null, conversation: string) {
  const session = blankSession({ id: ref.menu.id, version: ref.version }, who, now, previous, conversation);
  const { message, empty } = templateMessage(ref.menu.template!, session);
  return { session: { ...session, pending: askedNow(session, TEMPLATE_NODE, now) }, sends: [message], empty };
}

/** A new conversation on `ref`'s menu, replacing `previous`. `fetch` is set when a request must be made first. */
export function begin(ref: MenuRef, who: Who, now: string, previous: Session | null, conversation: string, input?: WalkInput) {
  const session = blankSession({ id: ref.menu.id, version: ref.version }, who, now, previous, conversation);
  const walked = walk(ref.menu, { node: ref.menu.start }, session, ref.menu.start, input);
  return { ...arrive(ref, session, walked, now), sends: walked.sends, ...defined({ fetch: walked.fetch }) };
}
