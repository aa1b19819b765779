/** The commands that look after customers on a worker: starting a menu, a customer's session, failed webhook deliveries. */
import { CommandError, plural, UsageError, type Command, type Run } from "./command.js";
import { start } from "./start-command.js";
import { askWorker, digits, plus, refusal, routeMissing } from "./worker.js";

/** The fields of a stored session this command prints; the worker sends the whole record. */
interface SessionLike {
  menuId: string;
  menuVersion: number;
  profileName?: string;
  pending: { node: string; at: string; failed?: { status: string; code?: string; title?: string; detail?: string } } | null;
  answers: Array<{ node: string; title: string }>;
  attempts: number;
  startedAt: string;
  updatedAt: string;
}

/** WhatsApp's 24-hour window as the worker reports it beside the session. */
interface WindowLike {
  open: boolean;
  closesAt: string | null;
  lastInboundAt?: string;
  /** When a message was refused as outside the window (WhatsApp's 1340). */
  closedAt?: string;
}

/** A timer the conversation waits on, as the worker reports it (`timers`). */
interface TimerLike {
  /** The timer's own id (derived from the conversation), the same in the session and in a record the queue refused. */
  id?: string;
  kind: "reminder" | "handback";
  node: string;
  count: number;
  due: string;
}

/** A handover in progress, as the worker reports it (`handover`). */
interface HandoverLike {
  node: string;
  webhook: string;
  since: string;
  lastActivityAt: string;
}

function describeTimer(t: TimerLike): string {
  if (t.kind === "handback") return `hands back to the menu at ${t.due} unless someone writes (idle)`;
  const sent = t.count === 0 ? "no reminder sent yet" : `${plural(t.count, "reminder")} sent so far`;
  return `for "${t.node}" unanswered, due ${t.due} (${sent}): a reminder, or the timeout after the last one`;
}

/** Whether a question reaches the customer now, or only the menu's template does. */
function describeWindow(w: WindowLike): string {
  const wrote = w.lastInboundAt === undefined ? "they have not written to you" : `they last wrote ${w.lastInboundAt}`;
  if (w.open) return `open until ${w.closesAt}: questions reach them (${wrote})`;
  const why = w.closedAt === undefined ? wrote : `WhatsApp refused a message as outside it at ${w.closedAt}`;
  return `closed: only templates reach them (${why})`;
}

/** The fields of a stored webhook delivery (a completion or a handover event) this command prints. */
interface DeliveryLike {
  id: string;
  url: string;
  /** The exact JSON sent; its `type` says which event it is. */
  body?: string;
  createdAt: string;
  attempts: number;
  status: string;
  lastError?: string;
  customer: string;
  menuId: string;
}

/** The event a delivery carries ("menu.completed", "handover.message", ...), as its body names it. */
function eventOf(d: DeliveryLike): string {
  try {
    const type = (JSON.parse(d.body ?? "") as { type?: unknown }).type;
    if (typeof type === "string" && type !== "") return type;
  } catch {
    // No body (an older worker): every delivery was a completion then.
  }
  return "menu.completed";
}

function describeSession(
  s: SessionLike | null,
  optedOut: boolean,
  window: WindowLike | undefined,
  business: string,
  customer: string,
  extra: { timers?: TimerLike[]; stranded?: TimerLike[]; handover?: HandoverLike | null } = {},
): string[] {
  if (s === null) return [`${plus(customer)} with ${plus(business)}`, "  opted out  yes: nothing is sent until they write a start command (no conversation is stored)"];
  const who = s.profileName === undefined ? plus(customer) : `${s.profileName} (${plus(customer)})`;
  const rows: Array<[string, string]> = [["menu", `${s.menuId}, version ${s.menuVersion}`]];
  if (s.pending === null) rows.push(["waiting", "for nothing: the conversation has ended"]);
  else {
    const wrong = s.attempts > 0 ? `, ${plural(s.attempts, "answer")} that matched no option` : "";
    rows.push(["waiting", `for an answer to "${s.pending.node}" (asked ${s.pending.at}${wrong})`]);
    const f = s.pending.failed;
    if (f !== undefined) rows.push(["delivery", `that question did not reach them: ${[f.status, f.code, f.title, f.detail].filter(Boolean).join(", ")}`]);
  }
  if (extra.handover) rows.push(["handover", `with a person since ${extra.handover.since} (last message ${extra.handover.lastActivityAt}); their messages go to ${extra.handover.webhook}`]);
  const refused = (t: TimerLike) => (extra.stranded ?? []).some((r) => (r.id !== undefined && t.id !== undefined ? r.id === t.id : r.kind === t.kind && r.due === t.due));
  for (const t of extra.timers ?? []) rows.push(["timer", `${describeTimer(t)}${refused(t) ? "; the queue refused it, and the worker's sweep queues it again within five minutes" : ""}`]);
  if (window !== undefined) rows.push(["window", describeWindow(window)]);
  rows.push(["answers", s.answers.length === 0 ? "none yet" : s.answers.map((a) => `${a.node}: ${a.title}`).join(" · ")]);
  if (optedOut) rows.push(["opted out", "yes: nothing is sent until they write a start command"]);
  rows.push(["started", s.startedAt], ["updated", s.updatedAt]);
  return [`${who} with ${plus(business)}`, ...rows.map(([k, v]) => `  ${k.padEnd(10)} ${v}`)];
}

const session: Command = {
  name: "session",
  group: "Customers on a worker",
  forms: [
    ["session <business> <customer>", "show a customer's conversation: menu, pending question, answers, pending timer, handover"],
    ["session reset <business> <customer> [--clear-opt-out]", "forget it, so their next message starts afresh"],
  ],
  details: `<business> is your WhatsApp Business number, <customer> the customer's, digits with the country code first.
The "window" line says whether a question reaches them now (within 24 hours of their last message to you) or
only the menu's approved template does (see wa-menu start --help).
A reset forgets the conversation (DELETE /admin/sessions/...) and keeps their 24-hour window: the customer's
next typed message gets the first question of the menu bound to the number, and a tap on an older button is
told the conversation ended. The customer's opt-out stays: it is their decision. Only
--clear-opt-out forgets it too (DELETE ...?optOut=clear).`,
  options: ["url", "token", "clear-opt-out"],
  async run({ io, args, flags, print }: Run) {
    const reset = args[0] === "reset";
    const [businessArg, customerArg, extra] = reset ? args.slice(1) : args;
    if (businessArg === undefined || customerArg === undefined || extra !== undefined) {
      throw new UsageError(`session${reset ? " reset" : ""} needs a business number and a customer number`);
    }
    const [business, customer] = [digits(businessArg), digits(customerArg)];
    const path = `/admin/sessions/${encodeURIComponent(business)}/${encodeURIComponent(customer)}`;
    if (reset) {
      const clear = flags["clear-opt-out"] === true;
      const { target, answer } = await askWorker({ io, flags }, "DELETE", clear ? `${path}?optOut=clear` : path);
      if (answer.status !== 204) throw refusal(target, "session reset", answer);
      const kept = clear ? "" : " (an opt-out, if any, stays)";
      print(`reset ${plus(customer)} with ${plus(business)}: a conversation in progress, if any, is forgotten, and their next message starts afresh${kept}`, {
        business,
        customer,
        reset: true,
        optOutCleared: clear,
      });
      return 0;
    }
    const { target, answer } = await askWorker({ io, flags }, "GET", path);
    if (answer.status === 404 && !routeMissing(answer)) {
      print(`${plus(customer)} has no session with ${plus(business)}: their next message starts the menu bound to the number`, { session: null });
      return 0;
    }
    if (answer.status !== 200) throw refusal(target, "session", answer);
    const stored = (answer.json["session"] ?? null) as SessionLike | null;
    // An older worker sends no window: then there is no line for it.
    const window = (answer.json["window"] ?? undefined) as WindowLike | undefined;
    // Workers without timers or handover send neither field.
    const waits = {
      timers: (answer.json["timers"] ?? []) as TimerLike[],
      stranded: (answer.json["strandedTimers"] ?? []) as TimerLike[],
      handover: (answer.json["handover"] ?? null) as HandoverLike | null,
    };
    print(describeSession(stored, answer.json["optedOut"] === true, window, business, customer, waits), answer.json);
    return 0;
  },
};

function describeDeliveries(list: DeliveryLike[]): string[] {
  if (list.length === 0) return ["no webhook deliveries are waiting: every one was delivered"];
  const lines = [`${plural(list.length, "webhook delivery", "webhook deliveries")} not delivered:`];
  for (const d of list) {
    const state = d.status === "pending" ? "being attempted now" : `failed after ${plural(d.attempts, "attempt")}: ${d.lastError ?? "no reason recorded"}`;
    lines.push(`  ${d.id}  ${state}`, `    ${eventOf(d)} for menu ${d.menuId}, customer ${plus(d.customer)}, at ${d.createdAt}`, `    to ${d.url}`);
  }
  lines.push("Retry one with: wa-menu deliveries retry <id>");
  return lines;
}

const deliveries: Command = {
  name: "deliveries",
  group: "Customers on a worker",
  forms: [
    ["deliveries", "list webhooks to the business (completions, handover events) that were not delivered"],
    ["deliveries retry <id>", "try one of them again now"],
  ],
  details: `A finished conversation's answers go to the completion webhook its closing node names (menu.completed); a
handover's events (handover.started, handover.message, ...) to its agent webhook. Each is listed with its event.
A delivery that every attempt failed stays listed until a retry delivers it (then it is removed). A retry that
fails again exits 1 with the receiver's answer.`,
  options: ["url", "token"],
  async run({ io, args, flags, print }: Run) {
    if (args[0] === "retry") {
      const [, id, extra] = args;
      if (id === undefined || extra !== undefined) throw new UsageError("deliveries retry needs one delivery id (wa-menu deliveries lists them)");
      const { target, answer } = await askWorker({ io, flags }, "POST", `/admin/deliveries/${encodeURIComponent(id)}/retry`);
      if (answer.status === 502 && answer.json["delivered"] === false) {
        const reason = String(answer.json["error"] ?? "no reason given");
        throw new CommandError(`${id}: still not delivered: ${reason}`, { id, found: true, delivered: false, reason });
      }
      if (answer.status !== 200) throw refusal(target, `deliveries retry ${id}`, answer);
      print(`${id}: delivered, and removed from the list`, { id, ...answer.json });
      return 0;
    }
    if (args.length > 0) throw new UsageError(`deliveries takes no arguments, or: retry <id> (not "${args.join(" ")}")`);
    const { target, answer } = await askWorker({ io, flags }, "GET", "/admin/deliveries");
    if (answer.status !== 200) throw refusal(target, "deliveries", answer);
    print(describeDeliveries(answer.json["deliveries"] as DeliveryLike[]), answer.json);
    return 0;
  },
};

export const customerCommands: Command[] = [start, session, deliveries];
