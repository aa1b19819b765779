/**
 * Runs one conversation step against the ports: read, decide (pure), store, then perform.
 *
 * Why this order: Workers KV has no compare-and-set and takes one write per second per key, so the step
 * stores the decided session first, carrying what it is about to send ("claim"); a redelivery then finds what
 * is still owed instead of deciding again. Where the store has no compare-and-set, the claim is read back: a
 * concurrent writer that stored after us wins, and we decide again on its session instead of sending.
 * The `message_uuid`s Vonage gives are stored afterwards under a key of their own (the sent record).
 *
 * A menu's request node is called before the claim, inside the same step: the engine stops at it and says what to
 * fetch (`Plan.fetch`), the step fetches and decides again with the result, and only the final plan is stored and
 * performed. So a step writes no more than a static one, and a redelivery that finds the claim performs what is
 * owed without calling the backend again.
 */
import { defined } from "../defined.js";
import type { Backend, BackendResult } from "../business-webhooks/backend-requests.js";
import type { Deliveries } from "../business-webhooks/deliveries.js";
import { AppError, messageOf, VonageApiError } from "../errors.js";
import { decideInbound, decideStart, decideStatus, freshNeeded, needs, variableProblems, type MenuRef } from "../flow/engine.js";
import { completionsOnly, sessionLifetime, type Who } from "../flow/session.js";
import type { Scheduler } from "../system.js";
import type { FetchResult, InboundEvent, Outcome, Plan, SentRecord, StatusEvent } from "../flow/types.js";
import type { MenuRepo } from "../store/menus.js";
import type { CustomerState, SessionRepo } from "../store/sessions.js";
import type { StrandedTimers } from "../store/stranded-timers.js";
import type { MessagesClient } from "../vonage/messages-client.js";
import { buildMessage } from "../vonage/outbound.js";
import { sha256Hex } from "../webcrypto.js";
import { exponential, retry } from "../retry.js";
import { quotedMenuId } from "../log-mask.js";

export interface ConversationDeps {
  sessions: SessionRepo;
  menus: MenuRepo;
  messages: MessagesClient;
  deliveries: Deliveries;
  /** The business's endpoints that menus' request nodes call. */
  backend: Backend;
  now: () => number;
  /** A random id (UUID): the writer of a claim, the conversation a business start begins. */
  newId: () => string;
  sessionTtlSeconds: number;
  /** True where the session store honours compare-and-set (Deno KV): no read-back is needed. */
  atomic: boolean;
  /** Without compare-and-set: the wait between storing the claim and reading it back. */
  claimSettleMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Runs work after the response has gone (Workers `waitUntil`). */
  defer: (work: Promise<unknown>) => void;
  /** The whole step's time, retries included (default STEP_DEADLINE_MS): under Vonage's 15 s webhook timeout. */
  stepDeadlineMs?: number;
  /** Told about every send's result, for `/healthz`. */
  onSend?: (error: VonageApiError | null) => void;
  /** Sets reminder and hand-back timers; without one, none are set (the session still shows what it waits on). */
  scheduler?: Scheduler;
  /** Where a timer the scheduler refused is kept for the sweep. */
  stranded?: StrandedTimers;
  /** For what fails after the response is decided (a timer that could not be set). */
  log?: (line: Record<string, unknown>) => void;
}

/** Attempts at handing a timer to the scheduler: a queue's send that fails for a moment is tried again. */
export const ARM_ATTEMPTS = 3;

/**
 * Hands the plan's new timer to the scheduler, once its session is stored, trying again on a failure (within the
 * step's deadline). A timer the scheduler still refuses is kept for the sweep (`sweep.ts`), which queues it later;
 * either way the step itself went through, and the session shows the timer it waits on. Only a timer that could not
 * be kept either is lost (an error line says so; `docs/guarantees.md`, the measured residue).
 */
export async function arm(deps: ConversationDeps, plan: Plan, deadlineAt?: number): Promise<void> {
  const { schedule } = plan;
  const scheduler = deps.scheduler;
  if (schedule === undefined || scheduler === undefined) return;
  try {
    await retry(() => scheduler.schedule(schedule.message, schedule.delayMs), {
      attempts: ARM_ATTEMPTS,
      delayMs: (n) => exponential(n, 100),
      sleep: deps.sleep,
      ...(deadlineAt === undefined ? {} : { deadline: { at: deadlineAt, now: deps.now } }),
    });
  } catch (error) {
    const line = { kind: schedule.message.kind, error: messageOf(error) };
    try {
      if (deps.stranded === undefined) throw new Error("no store for stranded timers");
      await deps.stranded.keep(schedule.message);
      deps.log?.({ level: "warn", msg: "a timer could not be set; it is kept for the sweep", ...line });
    } catch (keepError) {
      deps.log?.({ level: "error", msg: "a timer could not be set, nor kept for the sweep; the conversation goes on without it", ...line, keepError: messageOf(keepError) });
    }
  }
}

export interface StepResult {
  outcome: Outcome;
  menu: string | null;
  node: string | null;
  sent: string[];
  /** A message the Messages API refused for good (422): recorded, not retried. */
  refused?: string;
  /** The backend requests this step made, for the log line. */
  requests?: RequestLog[];
}

export interface RequestLog {
  node: string;
  ok: boolean;
  status?: number;
  reason?: string;
  /** What went wrong, in words that say how to fix it (a setting, the URL, the backend's answer). */
  detail?: string;
  ms: number;
}

/** Requests one step makes at most; beyond, a request fails at once (the compiler allows fewer in a row). */
const REQUESTS_MAX = 4;

/**
 * Decides, making the backend requests the walk stops at one after the other and deciding again with each result
 * (the engine is pure: the same input with one more result walks on past that request). `memo` keeps results
 * across the rounds of one webhook, so a lost claim decided again does not call the backend again for the same request.
 */
async function decideFetching(deps: ConversationDeps, decide: (fetched: readonly FetchResult[]) => Plan, deadlineAt: number, memo: Map<string, BackendResult>, log: RequestLog[]): Promise<Plan> {
  const fetched: FetchResult[] = [];
  let plan = decide(fetched);
  while (plan.fetch !== undefined) {
    const need = plan.fetch;
    const id = JSON.stringify(need);
    let result = memo.get(id);
    if (result === undefined) {
      result = fetched.length >= REQUESTS_MAX ? { ok: false, reason: "no_time", ms: 0 } : await deps.backend.request(need, { deadlineAt });
      memo.set(id, result);
      log.push({ node: need.node, ok: result.ok, ms: result.ms, ...defined({ status: result.status, reason: result.ok ? undefined : result.reason, detail: result.ok ? undefined : result.detail }) });
    }
    fetched.push(result);
    plan = decide(fetched);
  }
  return plan;
}

/** A business-initiated step (a start, an agent's text) refused because the customer opted out. */
export const optedOutError = () => new AppError("ERR_OPTED_OUT", "this customer opted out; nothing is sent until they write a start command");

/** What a business-initiated step refuses to do, as the error its caller answers with; nothing for a plan it may carry out. */
export function refusalOf(plan: Plan): AppError | null {
  if (plan.outcome === "opted_out") return optedOutError();
  if (plan.outcome === "outside_window") return new AppError("ERR_OUTSIDE_WINDOW", plan.problem ?? "outside the 24-hour window");
  if (plan.outcome === "with_agent") return new AppError("ERR_HANDED_OVER", plan.problem ?? "this customer is talking to a person");
  return null;
}

/** Every webhook is answered within 10 s: the sends of a step stop by then, leaving what is owed for the redelivery. */
export const STEP_DEADLINE_MS = 9_000;

/** Rounds of read-decide-store when a concurrent writer wins; then Vonage's redelivery takes over. */
export const MAX_TRIES = 3;

/** Statuses that fixing the account heals (key, balance): Vonage's redelivery of a 5xx answer retries them. */
const HEALS = new Set([401, 402]);

type Claim = "stored" | "lost" | "opted_out";

/** Stores the plan's session (and the opt-out first), and checks that no concurrent writer or opt-out overtook it. */
async function claim(deps: ConversationDeps, plan: Plan, business: string, customer: string, state: CustomerState): Promise<Claim> {
  // The opt-out is a fact of its own, written before anything is sent and never overwritten by a session.
  if (plan.optOut === "set") await deps.sessions.setOptOut(business, customer, { at: new Date(deps.now()).toISOString(), by: plan.session?.owed?.inbound ?? "" });
  if (plan.optOut === "clear") await deps.sessions.clearOptOut(business, customer);
  const stopping = plan.optOut !== undefined || (plan.session ?? state.session)?.optedOut === true;
  const checkOptOut = plan.perform !== null && !stopping;
  if (plan.session !== null) {
    if (!(await deps.sessions.save(plan.session, state.version, sessionLifetime(plan.session, deps.sessionTtlSeconds, deps.now())))) return "lost";
    // Only a claim that owes effects needs to know it won: a record alone (a delivery failure) is just stored.
    if (!deps.atomic && plan.perform !== null) {
      // Read back: a concurrent writer that stored after us wins, and this step is decided again on its session.
      // The wait lets a webhook that read the same session and is about to store be seen.
      if (deps.claimSettleMs > 0) await deps.sleep(deps.claimSettleMs);
      const back = await deps.sessions.readBack(business, customer);
      if (back.writer !== (plan.session.owed?.writer ?? null)) return "lost";
      return checkOptOut && back.optedOut ? "opted_out" : "stored";
    }
  }
  // A stop that raced this step may have landed since it read: nothing but the stop's own answer goes out then.
  if (checkOptOut && (await deps.sessions.optedOut(business, customer))) return "opted_out";
  return "stored";
}

/** Performs what the plan owes, in order, then records what was done in the sent record. */
export async function perform(deps: ConversationDeps, plan: Plan, business: string, customer: string, deadlineAt: number, always = false): Promise<{ sent: string[]; refused?: string }> {
  if (plan.perform === null) return { sent: [] };
  const { owed, from } = plan.perform;
  const uuids = [...plan.perform.uuids];
  const sent: string[] = [];
  let done = from;
  let refused: SentRecord["refused"];
  let failure: unknown = null;
  try {
    // One at a time: WhatsApp shows messages in the order they arrive.
    for (let i = from; i < owed.sends.length; i++) {
      try {
        const uuid = await deps.messages.send(buildMessage(business, customer, owed.sends[i]!), { deadlineAt });
        deps.onSend?.(null);
        uuids[i] = uuid;
        sent.push(uuid);
      } catch (error) {
        if (error instanceof VonageApiError) deps.onSend?.(error);
        // Refused for good (422 and the like): retrying the same message cannot help, and a 5xx answer would make
        // Vonage redeliver it for a day. Recorded for the admin view; the step goes on.
        if (!(error instanceof VonageApiError) || error.retryable || HEALS.has(error.httpStatus)) throw error;
        refused = { index: i, status: error.httpStatus, title: error.problem.title, at: new Date(deps.now()).toISOString() };
      }
      done = i + 1;
    }
    for (let j = Math.max(0, done - owed.sends.length); j < owed.completions.length; j++) {
      // Stored before the attempts; its id is derived from the conversation, so a second enqueue is the same delivery.
      const { attempts } = await deps.deliveries.enqueue(owed.completions[j]!);
      deps.defer(attempts);
      done++;
    }
  } catch (error) {
    failure = error;
  }
  // Written on failure too: it says the attempt ended, so a redelivery may perform the rest (see `IN_PROGRESS_MS`).
  if (done > from || refused !== undefined || failure !== null || always) {
    const record: SentRecord = { step: owed.step, done, uuids, at: new Date(deps.now()).toISOString(), ...defined({ refused }) };
    // As long as the session it completes (a timer may keep that one longer).
    const ttl = plan.session === null ? deps.sessionTtlSeconds : (sessionLifetime(plan.session, deps.sessionTtlSeconds, deps.now()) ?? deps.sessionTtlSeconds);
    await deps.sessions.saveSent(business, customer, record, ttl);
  }
  if (failure !== null) throw failure;
  return { sent, ...defined({ refused: refused && `Messages API answered ${refused.status}: ${refused.title}` }) };
}

/**
 * The claim was stored, then a stop overtook it: its messages are not sent, its completions are (the customer gave
 * those answers), and the sent record says the step ended, so no later message waits for it.
 */
async function cutShort(deps: ConversationDeps, plan: Plan, business: string, customer: string, deadlineAt: number): Promise<void> {
  if (plan.session === null || plan.perform === null) return;
  const skipped: Plan = { ...plan, perform: completionsOnly(plan.perform) };
  await perform(deps, skipped, business, customer, deadlineAt, true);
}

/**
 * Stores the plan's claim and, once it holds, sets its timer and performs what it owes. "lost": a concurrent writer
 * won, decide again; "opted_out": a stop overtook the stored claim, which is cut short (its completions still go out).
 */
export async function commit(
  deps: ConversationDeps,
  plan: Plan,
  business: string,
  customer: string,
  state: CustomerState,
  deadlineAt: number,
): Promise<{ sent: string[]; refused?: string } | "lost" | "opted_out"> {
  const claimed = await claim(deps, plan, business, customer, state);
  if (claimed === "lost") return "lost";
  if (claimed === "opted_out") {
    await cutShort(deps, plan, business, customer, deadlineAt);
    return "opted_out";
  }
  await arm(deps, plan, deadlineAt);
  return perform(deps, plan, business, customer, deadlineAt);
}

export const resultOf = (plan: Plan, done: { sent: string[]; refused?: string }, requests: RequestLog[] = []): StepResult => {
  const menu = plan.session?.menuId ?? plan.perform?.owed.completions[0]?.menuId ?? null;
  return { outcome: plan.outcome, menu: menu === "" ? null : menu, node: plan.node, sent: done.sent, ...defined({ refused: done.refused, requests: requests.length > 0 ? requests : undefined }) };
};

/**
 * The menu version the stored session runs on (null: none, or no longer readable). A version that no longer
 * compiles is one the conversation cannot go on with: it is treated as gone (the customer's next message starts
 * afresh), and an error line tells the operator, where failing would keep the customer stuck on it for good.
 */
export async function activeMenu(deps: Pick<ConversationDeps, "menus" | "log">, state: CustomerState): Promise<MenuRef | null> {
  const want = needs(state.session).menu;
  if (want === null) return null;
  try {
    return await deps.menus.load(want.id, want.version);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "ERR_MENU_STORED_INVALID") throw error;
    deps.log?.({ level: "error", msg: "a conversation's menu version no longer compiles; it goes on as if that version were gone", code: error.code, error: error.message });
    return null;
  }
}

/** Reads the menus the engine asks for. */
async function menusFor(deps: ConversationDeps, state: CustomerState, event: InboundEvent): Promise<{ active: MenuRef | null; fresh: MenuRef | null }> {
  const active = await activeMenu(deps, state);
  const need = freshNeeded(state.session, event, active, state.optedOut);
  if (need === null) return { active, fresh: null };
  const fresh = (need.kind === "current" ? await deps.menus.current(need.menuId) : null) ?? (await deps.menus.resolveFor(event.business, state.session?.menuId || undefined));
  return { active, fresh };
}

/** Handles one verified inbound message. */
export async function handleInboundEvent(deps: ConversationDeps, event: InboundEvent): Promise<StepResult> {
  const deadlineAt = deps.now() + (deps.stepDeadlineMs ?? STEP_DEADLINE_MS);
  const memo = new Map<string, BackendResult>();
  const requests: RequestLog[] = [];
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const state = await deps.sessions.load(event.business, event.customer);
    const menus = await menusFor(deps, state, event);
    // One clock reading and one writer for every decision of this round: deciding again with a result is the same walk.
    const now = new Date(deps.now()).toISOString();
    const writer = deps.newId();
    const plan = await decideFetching(deps, (fetched) => decideInbound({ ...state, event, ...menus, now, writer, fetched }), deadlineAt, memo, requests);
    if (plan.outcome === "behind") {
      throw new AppError("ERR_SESSION_BEHIND", "the stored session is older than this message (KV not caught up yet); Vonage will redeliver");
    }
    const done = await commit(deps, plan, event.business, event.customer, state, deadlineAt);
    if (done === "lost") continue;
    if (done === "opted_out") return { outcome: "opted_out", menu: null, node: null, sent: [] };
    return resultOf(plan, done, requests);
  }
  throw new AppError("ERR_SESSION_CONTENDED", "session kept changing under concurrent webhooks; Vonage will redeliver");
}

/** Starts a menu for a customer on the business's initiative (replaces any conversation they had). */
export async function startMenu(deps: ConversationDeps, menuId: string, who: Who, options: { requestId?: string; endHandover?: boolean } = {}): Promise<StepResult> {
  const deadlineAt = deps.now() + (deps.stepDeadlineMs ?? STEP_DEADLINE_MS);
  // As a message from the business's own number is ignored (`own_number`), a start never messages it.
  if (who.customer === who.business) {
    throw new AppError("ERR_START_INVALID", '"to" is the business number itself, the same as "from": give the customer\'s number as "to"');
  }
  const ref = await deps.menus.current(menuId);
  if (ref === null) throw new AppError("ERR_MENU_NOT_FOUND", `menu "${quotedMenuId(menuId)}" does not exist; upload it first`);
  const problems = variableProblems(ref.menu, who.vars);
  if (problems.length > 0) throw new AppError("ERR_START_INVALID", `this start does not fit menu "${quotedMenuId(menuId)}": ${problems.join("; ")}`, { details: { problems } });
  // A request id names the conversation, so a rerun of the same start finds it begun and sends nothing.
  const conversation = options.requestId === undefined ? undefined : `req_${(await sha256Hex(`${options.requestId}\n${who.business}\n${who.customer}`)).slice(0, 32)}`;
  const memo = new Map<string, BackendResult>();
  const requests: RequestLog[] = [];
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const state = await deps.sessions.load(who.business, who.customer);
    const now = new Date(deps.now()).toISOString();
    const writer = deps.newId();
    const plan = await decideFetching(
      deps,
      (fetched) => decideStart({ ...state, ref, who, now, writer, fetched, ...defined({ conversation, endHandover: options.endHandover }) }),
      deadlineAt,
      memo,
      requests,
    );
    const refused = refusalOf(plan);
    if (refused !== null) throw refused;
    if (plan.outcome === "already_started") return { outcome: plan.outcome, menu: menuId, node: plan.node, sent: [] };
    const done = await commit(deps, plan, who.business, who.customer, state, deadlineAt);
    if (done === "opted_out") throw optedOutError();
    if (done !== "lost") return resultOf(plan, done, requests);
  }
  throw new AppError("ERR_SESSION_CONTENDED", "session kept changing under concurrent writes; try again");
}

/**
 * A failed delivery of the pending question is written to the session (see `decideStatus`); a 1340 may send the
 * menu's template in its place. Other statuses cost no KV access at all.
 */
export async function handleStatusEvent(deps: ConversationDeps, status: StatusEvent): Promise<"recorded" | "templated" | "ignored"> {
  if (status.status !== "rejected" && status.status !== "undeliverable") return "ignored";
  const deadlineAt = deps.now() + (deps.stepDeadlineMs ?? STEP_DEADLINE_MS);
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const state = await deps.sessions.load(status.business, status.customer);
    const active = await activeMenu(deps, state);
    const plan = decideStatus({ ...state, status, active, now: new Date(deps.now()).toISOString(), writer: deps.newId() });
    if (plan.session === null) return "ignored";
    const done = await commit(deps, plan, status.business, status.customer, state, deadlineAt);
    if (done === "lost") continue;
    return done !== "opted_out" && plan.outcome === "templated" ? "templated" : "recorded";
  }
  throw new AppError("ERR_SESSION_CONTENDED", "session kept changing; Vonage will redeliver the status");
}
