/** `wa-menu start`: the business starts a menu for a customer (POST /flows/{menu}/start). */
import { defined } from "../src/defined.js";
import { BULK_MAX } from "../src/http/admin-routes.js";
import { TEMPLATE_NODE } from "../src/menus/compiled.js";
import { startMany } from "./bulk-start.js";
import { UsageError, type Command, type Run } from "./command.js";
import { CUSTOMERS_FILE_FORMAT } from "./customer-file.js";
import { endHandoverOf, parseVars, requestIdOf, startHint } from "./start-options.js";
import { askWorker, digits, plus, refusal } from "./worker.js";

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
      const where = node === null ? "the conversation has ended since" : `it waits for an answer to ${node === TEMPLATE_NODE ? "the template" : `"${node}"`}`;
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
  const body = defined({ to: customer, from: business, profileName: flags.name, variables: parseVars(flags.var), requestId, endHandover: endHandoverOf(flags) });
  const { target, answer } = await askWorker({ io, flags }, "POST", `/flows/${encodeURIComponent(menu)}/start`, body);
  if (answer.status !== 200) throw refusal(target, `start ${menu}`, answer, startHint(answer, menu, requestId, { business, customer }));
  const node = typeof answer.json["node"] === "string" ? answer.json["node"] : null;
  print(describeStart(answer.json["outcome"], node, menu, customer, requestId), { menu, from: business, to: customer, ...answer.json });
  return 0;
}

export const start: Command = {
  name: "start",
  group: "Customers on a worker",
  forms: [
    ["start <menu> --from <business> --to <customer> [...]", "start a menu for a customer: they get its first question"],
    ["start <menu> --from <business> --file <file> [...]", "start it for every customer in a CSV or JSON file"],
  ],
  details: `Starts <menu> for customers of your WhatsApp Business number <business>, replacing any conversation they had
with it. WhatsApp delivers a free-form question only within 24 hours of the customer's last message to you;
outside that window the worker sends the menu's approved "template" instead (the menu goes on when they answer
it), and refuses the start when the menu has none.

  --from NUMBER       your WhatsApp Business number, digits with the country code first
  --to NUMBER         the customer's number, the same way
  --name NAME         the customer's name, for {{profile.name}} before they ever wrote to you (with --to)
  --var name=value    a value for one of the menu's declared variables ({{vars.name}}); repeat it for more
  --request-id ID     names this start: running it again with the same ID messages nobody twice
  --file FILE         every customer in FILE, ${BULK_MAX} per call to the worker (its limit), one call after another
  --pace-ms N         the pause between those calls, in milliseconds (default 1000)
  --end-handover      start customers who are talking to a person too, ending that handover (the agent
                      endpoint gets handover.ended, reason "start"); without it their start is refused

A customers file is ${CUSTOMERS_FILE_FORMAT}
(an empty cell leaves it out). Every row is checked before anything is sent, and each bad one is reported with its line number. --var
values go to every customer; a file's own value wins.
With --file the request id defaults to a hash of the menu and the file's numbers, so running the same command
again is safe: nobody already started is messaged again, and an interrupted run continues where it stopped.
Corrected names or variables keep that id; pass a new --request-id to start everyone again.

Exit status 1 when the worker refuses a start (with --file: any customer's): the customer opted out, is outside
the 24-hour window of a menu without a template, is talking to a person (see --end-handover), or the variables do
not fit the menu; the message says which.`,
  options: ["from", "to", "name", "var", "request-id", "file", "pace-ms", "end-handover", "url", "token"],
  async run(run: Run) {
    const [menu, extra] = run.args;
    if (menu === undefined || extra !== undefined) throw new UsageError("start needs one menu id");
    const { from, to, file } = run.flags;
    if (from === undefined || (to === undefined) === (file === undefined)) {
      throw new UsageError(to !== undefined && file !== undefined ? "give --to <customer> or --file <file>, not both" : "start needs --from <business> and --to <customer> or --file <file>");
    }
    if (file !== undefined) {
      if (run.flags.name !== undefined) throw new UsageError("--name is for one customer (--to); a file gives each customer's name in its profileName");
      return startMany(run, menu, digits(from), file);
    }
    if (run.flags["pace-ms"] !== undefined) throw new UsageError("--pace-ms paces the calls of a --file start");
    return startOne(run, menu, digits(from), to!);
  },
};
