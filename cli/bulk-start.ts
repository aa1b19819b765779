/**
 * `wa-menu start <menu> --file`: a menu for every customer of a file, BULK_MAX per call to the worker
 * (POST /flows/{menu}/start/bulk), one call after another. Every call carries the same request id, so running
 * the command again messages nobody twice and continues where an interrupted run stopped.
 */
import { defined } from "../src/defined.js";
import { BULK_MAX } from "../src/http/admin-routes.js";
import { sha256Hex } from "../src/webcrypto.js";
import { CommandError, plural, UsageError, unreadable, type Flags, type Run } from "./command.js";
import { CUSTOMERS_FILE_FORMAT, parseCustomers, type CustomerRow, type FileProblem } from "./customer-file.js";
import { endHandoverOf, parseVars, requestIdOf, startHint } from "./start-options.js";
import { callWorker, findWorker, plus, refusal, type WorkerAnswer } from "./worker.js";

/** One customer's result, as the worker reports it. */
interface BulkResult {
  index: number;
  customer: string;
  outcome: "started" | "opted_out" | "refused";
  via?: "question" | "template";
  already?: true;
  node?: string | null;
  reason?: string;
  retry?: boolean;
}

/** A result with the file's line, and its index in the whole file rather than in its call. */
type LineResult = BulkResult & { line: number };

const DEFAULT_PACE_MS = 1000;

function paceOf(flags: Flags): number {
  const given = flags["pace-ms"];
  if (given === undefined) return DEFAULT_PACE_MS;
  if (!/^[0-9]{1,6}$/.test(given)) throw new UsageError(`--pace-ms ${given}: give the pause between calls in milliseconds (0 to 999999)`);
  return Number(given);
}

/**
 * The menu and the file's customer numbers, hashed: the same command gives the same id, and so does the file with
 * names or variables corrected (a rerun after a fix messages nobody twice). Other customers make another id.
 */
async function derivedRequestId(menu: string, rows: CustomerRow[]): Promise<string> {
  const numbers = rows.map((r) => r.to).sort();
  return `bulk-${(await sha256Hex([menu, ...numbers].join("\n"))).slice(0, 32)}`;
}

function badFile(file: string, problems: FileProblem[]): CommandError {
  const lines = problems.map((p) => (p.line === 0 ? `${file}: ${p.message}` : `${file}:${p.line}: ${p.message}`));
  return new CommandError(`${file}: ${plural(problems.length, "problem")}; nothing was sent:\n${lines.join("\n")}`, { file, problems });
}

function resultLine(r: LineResult, width: number): string {
  const said =
    r.outcome === "opted_out"
      ? "opted out: nothing sent"
      : r.outcome === "refused"
        ? `refused: ${r.reason ?? "no reason given"}${r.retry === true ? " (running the command again may get past this)" : ""}`
        : r.already === true
          ? "already started by this request id: nothing sent again"
          : r.via === "template"
            ? "started: sent the template (outside the 24-hour window)"
            : "started: sent the first question";
  return `  line ${String(r.line).padEnd(width)}  ${r.customer}  ${said}`;
}

function tally(results: LineResult[]) {
  const count = (test: (r: LineResult) => boolean) => results.filter(test).length;
  return {
    started: count((r) => r.outcome === "started"),
    opted_out: count((r) => r.outcome === "opted_out"),
    refused: count((r) => r.outcome === "refused"),
    template: count((r) => r.outcome === "started" && r.via === "template" && r.already !== true),
    already: count((r) => r.already === true),
    retry: count((r) => r.outcome === "refused" && r.retry === true),
  };
}

function summary(file: string, total: number, t: ReturnType<typeof tally>, requestId: string): string[] {
  const how = [t.template > 0 ? `${t.template} with the template` : "", t.already > 0 ? `${t.already} already by this request id` : ""].filter(Boolean).join(", ");
  const lines = [`${file}: ${plural(total, "customer")}: ${t.started} started${how === "" ? "" : ` (${how})`}, ${t.opted_out} opted out, ${t.refused} refused`];
  if (t.retry > 0) lines.push(`${plural(t.retry, "refusal")} may pass on a rerun: running the same command again is safe (request id ${requestId}).`);
  // The derived id is the same for the same menu and numbers: a new campaign to the same file needs an id of its own.
  if (t.already > 0) lines.push(`${plural(t.already, "customer")} got nothing new: request id ${requestId} had started them already. To start them again (a new campaign), pass a new --request-id.`);
  return lines;
}

export async function startMany({ io, flags, print }: Run, menu: string, business: string, file: string): Promise<number> {
  const shared = parseVars(flags.var);
  const pace = paceOf(flags);
  const given = requestIdOf(flags);
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    throw unreadable(file, e, { holds: `it is your customers: ${CUSTOMERS_FILE_FORMAT}` });
  }
  const { rows, problems } = parseCustomers(file, text);
  if (problems.length > 0) throw badFile(file, problems);
  const requestId = given ?? (await derivedRequestId(menu, rows));
  const target = await findWorker(io, flags);
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const say = (line: string) => {
    if (!flags.json) io.out(line);
  };

  const from = given === undefined ? ", derived from the menu and the file's numbers" : "";
  say(`starting "${menu}" for ${plural(rows.length, "customer")} from ${plus(business)}, ${BULK_MAX} per call (request id ${requestId}${from})`);
  const results: LineResult[] = [];
  const width = String(rows.at(-1)!.line).length;
  const about = () => {
    const { started, opted_out, refused } = tally(results);
    return { menu, from: business, file, requestId, customers: rows.length, started, opted_out, refused, results };
  };
  for (let first = 0; first < rows.length; first += BULK_MAX) {
    if (first > 0 && pace > 0) await sleep(pace);
    const part = rows.slice(first, first + BULK_MAX);
    const lines = `lines ${part[0]!.line}-${part.at(-1)!.line}`;
    const customers = part.map((r) => defined({ to: r.to, profileName: r.profileName, variables: r.variables }));
    let answer: WorkerAnswer;
    try {
      const body = defined({ from: business, requestId, variables: shared, customers, endHandover: endHandoverOf(flags) });
      answer = await callWorker(io, target, "POST", `/flows/${encodeURIComponent(menu)}/start/bulk`, body);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      throw interrupted(`${file}: the call for ${lines} failed: ${e.message}`, first, part[0]!, requestId, about());
    }
    if (answer.status >= 500) {
      const said = typeof answer.json["message"] === "string" ? answer.json["message"] : `HTTP ${answer.status}`;
      throw interrupted(`${file}: the call for ${lines} failed: the worker answered ${answer.status}: ${said}`, first, part[0]!, requestId, { ...about(), status: answer.status });
    }
    if (answer.status !== 200) {
      const done = first === 0 ? "Nothing was sent." : `The ${plural(first, "customer")} before line ${part[0]!.line} were handled; once that is fixed, running the same command again is safe.`;
      const hint = [startHint(answer, menu, requestId), done].filter(Boolean).join("\n");
      const refused = refusal(target, `${file}: the call for ${lines}`, answer, hint);
      throw new CommandError(refused.message, { ...about(), ...refused.detail });
    }
    const got = answer.json["results"];
    if (!Array.isArray(got)) throw new CommandError(`${file}: the worker's answer for ${lines} lists no results: is it older than this CLI?`, about());
    for (const r of got as BulkResult[]) {
      const result = { ...r, index: first + r.index, line: part[r.index]?.line ?? 0 };
      results.push(result);
      say(resultLine(result, width));
    }
  }
  const t = tally(results);
  print(summary(file, rows.length, t, requestId), about());
  return t.refused > 0 ? 1 : 0;
}

/** A call that failed as a whole (network, 5xx): what was done stays done, and a rerun continues. */
function interrupted(message: string, done: number, at: CustomerRow, requestId: string, detail: Record<string, unknown>): CommandError {
  const before = done === 0 ? "" : `The ${plural(done, "customer")} before line ${at.line} were handled. `;
  const rerun = `Running the same command again is safe: with request id ${requestId} nobody already started is messaged twice, and it continues where it left off.`;
  return new CommandError(`${message}\n${before}${rerun}`, detail);
}
