/** What a start sends besides the customer (`--var`, `--request-id`), and what to do when the worker refuses one. */
import { VAR_NAME, VAR_NAME_RULE, VAR_VALUE_MAX, VARS_MAX } from "../src/flow/session.js";
import { UsageError, type Flags } from "./command.js";
import { routeMissing, type WorkerAnswer } from "./worker.js";

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
    if (!VAR_NAME.test(name)) throw new UsageError(`--var ${pair}: "${name}" is not a variable name: ${VAR_NAME_RULE}`);
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

/** `--end-handover` as the body's `endHandover`: sent only when given, so an older worker never sees the field. */
export const endHandoverOf = (flags: Flags): true | undefined => (flags["end-handover"] === true ? true : undefined);

/** A refusal whose problems are about the start's variables: the worker lists each as `variables.<name>: ...`. */
function variableRefusal(answer: WorkerAnswer): boolean {
  const problems = answer.json["problems"];
  return Array.isArray(problems) && problems.some((p) => typeof p === "string" && p.startsWith("variables."));
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
    case "ERR_HANDED_OVER":
      return `A person is talking with them (${session} shows the handover): hand them back from your agent system, or pass --end-handover to start the menu anyway.`;
    case "ERR_START_INVALID":
      // The code also refuses a start to the business's own number: only the variables' problems get this hint.
      if (!variableRefusal(answer)) return undefined;
      return `Pass only the variables the menu declares, with --var name=value (its "variables" lists them: wa-menu pull ${menu}); to use a new one, declare it there and push the menu.`;
    case "ERR_MENU_NOT_FOUND":
      return 'wa-menu push <file> uploads it; a menu\'s id is its file\'s "id" (menus/cafe.json is "cafe").';
  }
  if (answer.status < 500) return undefined;
  return requestId === undefined
    ? "It may have reached them already; pass a --request-id, so that running the command again never messages them twice."
    : "Running the same command again is safe: with the same --request-id nothing is sent twice.";
}
