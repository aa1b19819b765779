/** `wa-menu start`: the business starts a menu for a customer (POST /flows/{menu}/start). */
import { defined } from "../src/defined.js";
import { VAR_NAME, VAR_VALUE_MAX, VARS_MAX } from "../src/flow/session.js";
import { UsageError, type Command, type Flags, type Run } from "./command.js";
import { askWorker, digits, plus, refusal, routeMissing, type WorkerAnswer } from "./worker.js";

/** What a request id may be, as the worker checks it. */
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** `--var name=value ...` as the worker takes them: each name once, within its limits; none given is undefined. */
export function parseVars(given: string[] | undefined): Record<string, string> | undefined {
  if (given === undefined || given.length === 0) return undefined;
  const vars: Record<string, string> = {};
  for (const pair of given) {
    const at = pair.indexOf("=");
    if (at < 0) throw new UsageError(`--var ${pair}: give name=value, e.g. --var table=12`);
    const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
    if (!VAR_NAME.test(name)) throw new UsageError(`--var ${pair}: "${name}" is not a variable name: letters, digits and '_', starting with a letter`);
    if (Object.hasOwn(vars, name)) throw new UsageError(`--var ${name} is given twice`);
    if (value.length > VAR_VALUE_MAX) throw new UsageError(`--var ${name}: the value has ${value.length} characters; the worker takes at most ${VAR_VALUE_MAX}`);
    vars[name] = value;
  }
  if (Object.keys(vars).length > VARS_MAX) throw new UsageError(`${given.length} --var options: the worker takes at most ${VARS_MAX} variables`);
  return vars;
}

export function requestIdOf(flags: Flags): string | undefined {
  const id = flags["request-id"];
  if (id !== undefined && !REQUEST_ID.test(id)) throw new UsageError(`--request-id ${id}: use 1 to 128 letters, digits or '_', '.', ':', '-'`);
  return id;
}

/** What to do about a refused start, by the worker's error code. */
export function startHint(answer: WorkerAnswer, menu: string, requestId: string | undefined, who?: { business: string; customer: string }): string | undefined {
  if (routeMissing(answer)) return "The worker has no such route: it is older than this CLI; deploy the current version.";
  const session = who === undefined ? "wa-menu session <business> <customer>" : `wa-menu session ${who.business} ${who.customer}`;
  switch (answer.json["error"]) {
    case "ERR_OPTED_OUT":
      return `They asked for no more messages: nothing reaches them until they write a start command to you (${session} shows it).`;
    case "ERR_OUTSIDE_WINDOW":
      return `${session} shows when they last wrote; after changing the menu, wa-menu push it again.`;
    case "ERR_START_INVALID":
      return `Pass the menu's variables with --var name=value (its "variables" lists them: wa-menu pull ${menu}).`;
    case "ERR_MENU_NOT_FOUND":
      return "Upload it first: wa-menu push <file>.";
  }
  if (answer.status < 500) return undefined;
  return requestId === undefined
    ? "It may have reached them already; pass a --request-id, so that running the command again never messages them twice."
    : "Running the same command again is safe: with the same --request-id nothing is sent twice.";
}

function describeStart(outcome: unknown, node: string | null, menu: string, customer: string, requestId: string | undefined): string {
  const started = `started "${menu}" for ${plus(customer)}`;
  switch (outcome) {
    case "started":
      return `${started}: sent its first question${node === null ? "" : ` ("${node}")`}; the menu goes on when they answer`;
    case "templated":
      return `${started}: sent the menu's approved template, because they have not written in the last 24 hours and WhatsApp delivers only templates outside that window; the menu goes on when they answer it`;
    case "completed":
      return `${started}: sent its messages; the menu ended there, with no question to answer`;
    case "already_started": {
      const where = node === null ? "the conversation has ended since" : `it waits for an answer to "${node}"`;
      return `"${menu}" was already started for ${plus(customer)} by request id ${requestId}: nothing sent again (${where})`;
    }
    default:
      return `${started}: the worker answered "${String(outcome)}"`;
  }
}

/** One customer: `--to`. */
async function startOne({ io, flags, print }: Run, menu: string, business: string, customerArg: string): Promise<number> {
  const customer = digits(customerArg);
  const requestId = requestIdOf(flags);
  const body = defined({ to: customer, from: business, profileName: flags.name, variables: parseVars(flags.var), requestId });
  const { target, answer } = await askWorker({ io, flags }, "POST", `/flows/${encodeURIComponent(menu)}/start`, body);
  if (answer.status !== 200) throw refusal(target, `start ${menu}`, answer, startHint(answer, menu, requestId, { business, customer }));
  const node = typeof answer.json["node"] === "string" ? answer.json["node"] : null;
  print(describeStart(answer.json["outcome"], node, menu, customer, requestId), { menu, from: business, to: customer, ...answer.json });
  return 0;
}

export const start: Command = {
  name: "start",
  group: "Customers on a worker",
  forms: [["start <menu> --from <business> --to <customer> [...]", "start a menu for a customer: they get its first question"]],
  details: `Starts <menu> for a customer of your WhatsApp Business number <business> (POST /flows/{menu}/start), replacing
any conversation they had with it. WhatsApp delivers a free-form question only within 24 hours of the customer's
last message to you; outside that window the worker sends the menu's approved "template" instead (the menu goes
on when they answer it), and refuses the start when the menu has none.

  --from NUMBER       your WhatsApp Business number, digits with the country code first
  --to NUMBER         the customer's number, the same way
  --name NAME         the customer's name, for {{profile.name}} before they ever wrote to you
  --var name=value    a value for one of the menu's declared variables ({{vars.name}}); repeat it for more
  --request-id ID     names this start: running it again with the same ID sends nothing twice

Exit status 1 when the worker refuses the start: the customer opted out, is outside the 24-hour window of a
menu without a template, or the variables do not fit the menu; the message says which and what to do.`,
  options: ["from", "to", "name", "var", "request-id", "url", "token"],
  async run(run: Run) {
    const [menu, extra] = run.args;
    if (menu === undefined || extra !== undefined) throw new UsageError("start needs one menu id");
    const { from, to } = run.flags;
    if (from === undefined || to === undefined) throw new UsageError("start needs --from <business> and --to <customer>");
    return startOne(run, menu, digits(from), to);
  },
};
