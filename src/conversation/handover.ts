/** The agent's side of a handover as steps: a text to the customer, and handing the conversation back to the menu. */
import { AppError } from "../errors.js";
import { quotedMenuId } from "../log-mask.js";
import { decideAgentReply, decideHandBack } from "../flow/agent.js";
import type { Plan } from "../flow/types.js";
import type { CustomerState } from "../store/sessions.js";
import { activeMenu, commit, optedOutError, refusalOf, MAX_TRIES, resultOf, STEP_DEADLINE_MS, type ConversationDeps, type StepResult } from "./step.js";

/** Runs a decided agent step; refusals become the errors the admin routes answer with. */
async function run(deps: ConversationDeps, business: string, customer: string, decide: (state: CustomerState, now: string, writer: string) => Promise<Plan>): Promise<StepResult> {
  const deadlineAt = deps.now() + (deps.stepDeadlineMs ?? STEP_DEADLINE_MS);
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const state = await deps.sessions.load(business, customer);
    const plan = await decide(state, new Date(deps.now()).toISOString(), deps.newId());
    const refused = refusalOf(plan);
    if (refused !== null) throw refused;
    if (plan.outcome === "ignored") throw new AppError("ERR_NOT_HANDED_OVER", plan.problem ?? "not handed over");
    const done = await commit(deps, plan, business, customer, state, deadlineAt);
    if (done === "lost") continue;
    if (done === "opted_out") throw optedOutError();
    return resultOf(plan, done);
  }
  throw new AppError("ERR_SESSION_CONTENDED", "session kept changing under concurrent writes; try again");
}

/** The agent's text to a handed-over customer (409 outside the 24-hour window). */
export function agentReply(deps: ConversationDeps, business: string, customer: string, text: string): Promise<StepResult> {
  return run(deps, business, customer, async (state, now, writer) => decideAgentReply({ ...state, text, now, writer }));
}

/** Hands the conversation back to its menu, at `node` or the start. */
export function handBack(deps: ConversationDeps, business: string, customer: string, node?: string): Promise<StepResult> {
  return run(deps, business, customer, async (state, now, writer) => {
    const ref = await activeMenu(deps, state);
    if (node !== undefined && ref !== null && !Object.hasOwn(ref.menu.nodes, node)) {
      throw new AppError("ERR_START_INVALID", `node "${node}" is not in menu "${quotedMenuId(ref.menu.id)}" version ${ref.version}; name one of its nodes, or none for the start`);
    }
    return decideHandBack({ ...state, ref, now, writer, ...(node === undefined ? {} : { node }) });
  });
}
