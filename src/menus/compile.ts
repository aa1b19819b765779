/**
 * Validates a menu document once, when it is uploaded or first loaded, and compiles it for the engine:
 * schema and WhatsApp limits, shorthand rendered, routing checked, advice (warnings) collected.
 */
import { MenuInvalidError, type MenuProblem } from "../errors.js";
import { shapeProblem } from "./shape.js";
import {
  COMPILED_FORMAT,
  DEFAULT_COMMANDS,
  DEFAULT_TEXTS,
  MORE_ID,
  stopWords,
  type CompiledMenu,
  type CompiledNode,
  type CompiledOption,
  type CompiledReminders,
  type CompiledTemplate,
  type Target,
} from "./compiled.js";
import { destinationProblem } from "../public-url.js";
import { LIMITS, VARS_MAX, charLength } from "./limits.js";
import { buildCondition, buildDynamic, buildInput, buildRequest, chainProblems, checkDataNode, lintData } from "./compile-flow.js";
import { exitsOf, setsOf, successors, textsOf } from "./nodes.js";
import { unreachable } from "../unreachable.js";
import {
  menuSchema,
  type Destination,
  type DynamicQuestion,
  type Interactive,
  type MenuNodeDoc,
  type RawQuestion,
  type RemindersDoc,
  type Settings,
  type ShorthandQuestion,
  type TemplateDoc,
} from "./schema.js";
import { normaliseWords, placeholdersIn } from "./words.js";
import { issueList, jsonPath } from "../zod-issues.js";

export interface MenuReport {
  menu: CompiledMenu | null;
  /** Hard errors: the menu is refused while there is one. */
  errors: MenuProblem[];
  /** Advice: the menu works, but something in it is probably a mistake. */
  warnings: MenuProblem[];
}

/** Own keys only: a reply id such as "toString" must not find a member of Object.prototype. */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

const toTarget = (d: Destination): Target => (typeof d === "string" ? { node: d } : d.webhook === undefined ? { text: d.text } : { text: d.text, webhook: d.webhook });

/** Reply buttons when every option fits one (3 at most, titles of 20, no descriptions); a list otherwise. */
export function renderShorthand(q: ShorthandQuestion): Interactive {
  const fitsButtons = q.options.length <= LIMITS.buttonsMax && q.options.every((o) => charLength(o.title) <= LIMITS.buttonTitle && o.description === undefined);
  const header = q.header === undefined ? {} : { header: { type: "text" as const, text: q.header } };
  const footer = q.footer === undefined ? {} : { footer: { text: q.footer } };
  if (fitsButtons) {
    return { type: "button", ...header, body: { text: q.text }, ...footer, action: { buttons: q.options.map((o) => ({ type: "reply" as const, reply: { id: o.id, title: o.title } })) } };
  }
  const rows = q.options.map((o) => (o.description === undefined ? { id: o.id, title: o.title } : { id: o.id, title: o.title, description: o.description }));
  return { type: "list", ...header, body: { text: q.text }, ...footer, action: { button: q.button ?? "Choose", sections: [{ rows }] } };
}

function optionsOfInteractive(i: Interactive): Array<{ id: string; title: string; description?: string | undefined }> {
  if (i.type === "button") return i.action.buttons.map((b) => ({ id: b.reply.id, title: b.reply.title }));
  return i.action.sections.flatMap((s) => s.rows);
}

interface Built {
  node: CompiledNode;
  /** Reply ids named in `next` that no option offers (raw questions only). */
  strayNext: string[];
  missingNext: string[];
}

const isDynamic = (doc: RawQuestion | ShorthandQuestion | DynamicQuestion): doc is DynamicQuestion => "options" in doc && !Array.isArray(doc.options);

function build(doc: MenuNodeDoc): Built {
  switch (doc.type) {
    case "text": {
      const node: CompiledNode = { kind: "text", text: doc.text };
      if (doc.next !== undefined) node.next = doc.next;
      if (doc.webhook !== undefined) node.webhook = doc.webhook;
      return { node, strayNext: [], missingNext: [] };
    }
    case "question":
      return isDynamic(doc) ? { node: buildDynamic(doc), strayNext: [], missingNext: [] } : buildQuestion(doc);
    case "input":
      return { node: buildInput(doc), strayNext: [], missingNext: [] };
    case "request":
      return { node: buildRequest(doc), strayNext: [], missingNext: [] };
    case "condition":
      return { node: buildCondition(doc), strayNext: [], missingNext: [] };
    case "handover": {
      // The webhook falls back to settings.handover.webhook (filled in by `checkMenu`).
      const node: CompiledNode = { kind: "handover", webhook: doc.webhook ?? "" };
      if (doc.text !== undefined) node.text = doc.text;
      return { node, strayNext: [], missingNext: [] };
    }
    default:
      return unreachable(doc);
  }
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "10m" -> 600000 (the schema has checked the shape). */
export function durationMs(text: string): number {
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS];
}

/** Shortest wait between reminders: a queue delivery and a customer's reading take seconds. */
export const REMINDER_MIN_MS = 10_000;
/** Longest: a timer chained beyond a week would outlive most sessions (SESSION_TTL_SECONDS) anyway. */
export const REMINDER_MAX_MS = 7 * 86_400_000;

/** Reminders as written over a base (the menu's, for a question's own). */
function buildReminders(doc: RemindersDoc, base: CompiledReminders | null, timedOut: string): CompiledReminders {
  return {
    afterMs: doc.after === undefined ? (base?.afterMs ?? 3_600_000) : durationMs(doc.after),
    times: doc.times ?? base?.times ?? 1,
    text: doc.text === undefined ? (base?.text ?? null) : doc.text === "repeat" ? null : doc.text,
    timeout: doc.timeout === undefined ? (base?.timeout ?? { text: timedOut }) : toTarget(doc.timeout),
  };
}

function buildQuestion(doc: RawQuestion | ShorthandQuestion): Built {
  const shorthand = "options" in doc;
  const interactive = shorthand ? renderShorthand(doc) : doc.interactive;
  const missingNext: string[] = [];
  const options: CompiledOption[] = [];
  for (const o of optionsOfInteractive(interactive)) {
    const authored = shorthand ? doc.options.find((x) => x.id === o.id) : undefined;
    const dest = authored ? authored.next : shorthand ? undefined : own(doc.next, o.id);
    if (dest === undefined) {
      missingNext.push(o.id);
      continue;
    }
    const synonyms = authored ? (authored.synonyms ?? []) : shorthand ? [] : (own(doc.synonyms, o.id) ?? []);
    const option: CompiledOption = { id: o.id, title: o.title, next: toTarget(dest), words: [...new Set([o.title, ...synonyms].map(normaliseWords))] };
    if (o.description !== undefined) option.description = o.description;
    options.push(option);
  }
  const offered = new Set(optionsOfInteractive(interactive).map((o) => o.id));
  const strayNext = shorthand ? [] : Object.keys(doc.next).filter((id) => !offered.has(id));
  const node: CompiledNode = { kind: "question", interactive, options };
  if (doc.reprompt !== undefined) node.reprompt = doc.reprompt;
  // Own reminders are resolved against the menu's in `checkMenu`; false is "none here".
  if (doc.reminders === false) node.reminders = null;
  return { node, strayNext, missingNext };
}

function buildTemplate(t: TemplateDoc, start: string): CompiledTemplate {
  const options = (t.buttons ?? []).map((b): CompiledOption => ({ id: b.id, title: b.text, next: toTarget(b.next), words: [...new Set([b.text, ...(b.synonyms ?? [])].map(normaliseWords))] }));
  return {
    kind: "template",
    name: t.name,
    language: t.language,
    form: t.form ?? (options.length > 0 ? "custom" : "template"),
    parameters: t.parameters ?? [],
    options,
    next: t.next === undefined ? { node: start } : toTarget(t.next),
  };
}

/** Checks a menu document and compiles it; never throws. */
export interface CheckOptions {
  /** Development only: webhooks may name this machine (ALLOW_LOCAL_WEBHOOKS). */
  allowLocalWebhooks?: boolean;
  /** False when the worker has no COMPLETION_WEBHOOK_SECRET: a menu that sends signed webhooks or requests is warned. */
  canSign?: boolean;
}

export function checkMenu(input: unknown, options: CheckOptions = {}): MenuReport {
  // Before anything that recurses over the document: the schema, the route checks, the compiler.
  const shape = shapeProblem(input);
  if (shape !== null) return { menu: null, errors: [shape], warnings: [] };
  const parsed = menuSchema.safeParse(input);
  if (!parsed.success) {
    // Every problem in one pass: the routes are checked on the raw document too, so a menu with a wrong title
    // and a dangling destination says both at once.
    const errors = issueList(parsed.error);
    const seen = new Set(errors.map((e) => e.path));
    return { menu: null, errors: [...errors, ...rawRouteProblems(input).filter((e) => !seen.has(e.path))], warnings: [] };
  }
  const doc = parsed.data;
  const errors: MenuProblem[] = [];
  const warnings: MenuProblem[] = [];
  const nodes: Record<string, CompiledNode> = {};
  const exists = (id: string) => Object.hasOwn(doc.nodes, id);

  const settings = doc.settings ?? {};
  const commands = settings.commands ?? {};
  const texts = settings.texts ?? {};
  const words = (name: keyof typeof DEFAULT_COMMANDS) => (commands[name] ?? DEFAULT_COMMANDS[name]).map(normaliseWords);
  const menu: CompiledMenu = {
    format: COMPILED_FORMAT,
    id: doc.id,
    start: doc.start,
    variables: Object.fromEntries(Object.entries(doc.variables ?? {}).map(([name, v]) => [name, { required: v.required === true }])),
    nodes,
    settings: {
      staleTaps: settings.staleTaps ?? "reprompt",
      maxAttempts: settings.maxAttempts ?? 3,
      fallback: settings.fallback === undefined ? null : toTarget(settings.fallback),
      commands: {
        restart: words("restart"),
        back: words("back"),
        stop: stopWords(words("stop")),
        start: words("start"),
        // The agent command exists only where a handover is configured.
        agent: (commands.agent ?? (settings.handover === undefined ? [] : ["agent"])).map(normaliseWords),
      },
      texts: {
        reprompt: texts.reprompt ?? DEFAULT_TEXTS.reprompt,
        movedOn: texts.movedOn ?? DEFAULT_TEXTS.movedOn,
        giveUp: texts.giveUp ?? DEFAULT_TEXTS.giveUp,
        stopped: texts.stopped ?? DEFAULT_TEXTS.stopped,
        ended: texts.ended ?? DEFAULT_TEXTS.ended,
        notAnAnswer: texts.notAnAnswer ?? DEFAULT_TEXTS.notAnAnswer,
        timedOut: texts.timedOut ?? DEFAULT_TEXTS.timedOut,
        invalidInput: texts.invalidInput ?? DEFAULT_TEXTS.invalidInput,
        requestFailed: texts.requestFailed ?? DEFAULT_TEXTS.requestFailed,
        noBack: texts.noBack ?? DEFAULT_TEXTS.noBack,
      },
      reminders: null,
      handover:
        settings.handover === undefined
          ? null
          : {
              webhook: settings.handover.webhook ?? null,
              idleMs: settings.handover.idle === undefined ? 3_600_000 : durationMs(settings.handover.idle),
              text: settings.handover.text ?? "A person will answer you here shortly.",
            },
    },
  };
  const timedOut = menu.settings.texts.timedOut;
  const checkReminders = (r: CompiledReminders, path: PropertyKey[]) => {
    if (r.afterMs < REMINDER_MIN_MS || r.afterMs > REMINDER_MAX_MS) errors.push({ path: jsonPath([...path, "after"]), message: `reminders wait between 10s and 7d; this is ${r.afterMs / 1000}s` });
    checkTarget(r.timeout, [...path, "timeout"]);
  };
  if (settings.reminders !== undefined) menu.settings.reminders = buildReminders(settings.reminders, null, timedOut);
  if (commands.agent !== undefined && settings.handover === undefined)
    errors.push({ path: "$.settings.commands.agent", message: "the agent command needs settings.handover (at least its webhook) to hand customers over to" });
  if (menu.settings.handover !== null && menu.settings.handover.webhook === null && menu.settings.commands.agent.length > 0)
    errors.push({ path: "$.settings.handover", message: "settings.handover needs a webhook for the agent command: the https URL of your agent endpoint" });
  if (doc.name !== undefined) menu.name = doc.name;
  if (settings.timezone !== undefined && settings.timezone !== "UTC") menu.settings.timeZone = settings.timezone;

  /** Where the menu first sends something signed (a webhook, a backend request). */
  let signed: PropertyKey[] | undefined;
  const checkWebhook = (url: string | undefined, path: PropertyKey[]) => {
    if (url !== undefined) signed ??= [...path, "webhook"];
    const problem = url === undefined ? null : destinationProblem(url, { allowLocal: options.allowLocalWebhooks === true });
    if (problem !== null) errors.push({ path: jsonPath([...path, "webhook"]), message: `webhook ${problem}` });
  };
  const checkTarget = (t: Target, path: PropertyKey[]) => {
    if ("node" in t && !exists(t.node)) errors.push({ path: jsonPath(path), message: `destination node "${t.node}" does not exist` });
    if ("text" in t) checkWebhook(t.webhook, path);
  };
  if (!exists(doc.start)) errors.push({ path: "$.start", message: `start node "${doc.start}" does not exist` });
  if (doc.template !== undefined) {
    menu.template = buildTemplate(doc.template, doc.start);
    for (const [i, o] of menu.template.options.entries()) checkTarget(o.next, ["template", "buttons", i, "next"]);
    if (doc.template.next !== undefined) checkTarget(menu.template.next, ["template", "next"]);
    const buttons = doc.template.buttons ?? [];
    buttons.forEach((b, i) => {
      if (buttons.findIndex((x) => x.id === b.id) !== i) errors.push({ path: jsonPath(["template", "buttons", i, "id"]), message: `template button id "${b.id}" is used twice` });
      if (buttons.findIndex((x) => x.text === b.text) !== i) errors.push({ path: jsonPath(["template", "buttons", i, "text"]), message: `template button text "${b.text}" is used twice` });
    });
  }
  if (menu.settings.fallback) checkTarget(menu.settings.fallback, ["settings", "fallback"]);
  if (menu.settings.reminders !== null) checkReminders(menu.settings.reminders, ["settings", "reminders"]);
  if (menu.settings.handover !== null) checkWebhook(menu.settings.handover.webhook ?? undefined, ["settings", "handover"]);

  const commandWords = new Map<string, string>();
  for (const [name, list] of Object.entries(menu.settings.commands)) for (const w of list) commandWords.set(w, name);
  /** A word a customer would type to choose something, that acts as a command instead: then it could never choose it. */
  const commandClash = (word: string, what: string, kind: "option" | "value", path: PropertyKey[]) => {
    const command = commandWords.get(word);
    if (command !== undefined)
      errors.push({ path: jsonPath(path), message: `${kind} "${what}" would be read as the ${command} command "${word}"; rename the ${kind} or change settings.commands.${command}` });
  };
  const idsSeen = new Map<string, string>();

  for (const [id, docNode] of Object.entries(doc.nodes)) {
    const { node, strayNext, missingNext } = build(docNode);
    nodes[id] = node;
    const base = ["nodes", id];
    for (const option of missingNext) {
      errors.push(noDestination(base, option));
    }
    for (const stray of strayNext)
      warnings.push({ path: jsonPath([...base, "next", stray]), message: `"${stray}" is not the id of any button or row of this question, so this destination is never used` });
    if (node.kind === "handover") {
      node.webhook ||= menu.settings.handover?.webhook ?? "";
      if (node.webhook === "") errors.push({ path: jsonPath([...base, "webhook"]), message: "a handover needs a webhook: name the agent endpoint here or in settings.handover.webhook" });
      else checkWebhook(node.webhook, base);
      continue;
    }
    if (node.kind === "text") {
      checkWebhook(node.webhook, base);
      if (node.next !== undefined && !exists(node.next)) errors.push({ path: jsonPath([...base, "next"]), message: `destination node "${node.next}" does not exist` });
      if (node.next !== undefined && node.webhook !== undefined) errors.push({ path: jsonPath([...base, "webhook"]), message: "a webhook belongs on a closing text (one without next)" });
      continue;
    }
    if (node.kind !== "question" || node.dynamic !== undefined) {
      for (const [path, target] of exitsOf(node)) checkTarget(target, [...base, ...path]);
      checkDataNode(id, node, options.allowLocalWebhooks === true, errors);
      if (node.kind === "input" && node.rule.type === "choice") {
        // As for option titles: a value typed as a command acts as the command, so typing it could never choose it.
        node.rule.values.forEach((value, i) => {
          commandClash(normaliseWords(value), value, "value", [...base, "validate", "values", i]);
        });
      }
      continue;
    }
    const shorthand = "options" in docNode && Array.isArray(docNode.options);
    if ("reminders" in docNode && docNode.reminders !== undefined && docNode.reminders !== false) {
      node.reminders = buildReminders(docNode.reminders, menu.settings.reminders, timedOut);
      checkReminders(node.reminders, [...base, "reminders"]);
    }
    node.options.forEach((o, i) => {
      const where = shorthand ? [...base, "options", i] : [...base, "next", o.id];
      checkTarget(o.next, shorthand ? [...where, "next"] : where);
      if (o.id === MORE_ID) errors.push({ path: jsonPath(where), message: `option id "${MORE_ID}" is reserved for the More… row of dynamic questions; choose another id` });
      for (const w of o.words) commandClash(w, o.title, "option", where);
      // Sent as written: a customer would see the braces, and a title is also what they tap and type.
      for (const [field, value] of [
        ["title", o.title],
        ["description", o.description ?? ""],
      ] as const) {
        const p = placeholdersIn(value)[0];
        if (p !== undefined)
          errors.push({
            path: jsonPath(where),
            message: `option ${field} "${value}" holds the placeholder {{${p}}}, which is sent as written: placeholders are filled in a question's text, header and footer only; write the ${field} out`,
          });
      }
      const other = idsSeen.get(o.id);
      if (other !== undefined && other !== id)
        warnings.push({ path: jsonPath(where), message: `reply id "${o.id}" is also used by question "${other}"; a late tap on one looks like an answer to the other` });
      else idsSeen.set(o.id, id);
    });
    const authored = shorthand ? (docNode as ShorthandQuestion).options : [];
    if (shorthand) {
      const seen = new Map<string, number>();
      authored.forEach((o, i) => {
        const key = normaliseWords(o.title);
        if (seen.has(key)) errors.push({ path: jsonPath([...base, "options", i, "title"]), message: `option title "${o.title}" is used twice in this question` });
        if (authored.findIndex((x) => x.id === o.id) !== i) errors.push({ path: jsonPath([...base, "options", i, "id"]), message: `option id "${o.id}" is used twice in this question` });
        seen.set(key, i);
      });
    }
  }
  // A conversation holds VARS_MAX variables, the declared ones included: a name beyond that would never be set, so
  // an answer or a saved value would be lost without a word (empty in texts, missing from the completion).
  const names = new Set(Object.keys(menu.variables));
  for (const [id, node] of Object.entries(nodes)) {
    for (const v of setsOf(node).vars) {
      if (names.has(v)) continue;
      names.add(v);
      if (names.size === VARS_MAX + 1)
        errors.push({
          path: jsonPath(["nodes", id]),
          message: `variable "${v}" is one more than a conversation holds: the menu declares ${Object.keys(menu.variables).length} and its inputs, requests and dynamic questions set more, at most ${VARS_MAX} names in all; reuse a name or save fewer values`,
        });
    }
  }
  if (errors.length > 0) return { menu: null, errors, warnings };

  lintFlow(menu, warnings, errors, settingTexts(doc));
  const request = Object.entries(doc.nodes).find(([, n]) => n.type === "request");
  if (request !== undefined) signed ??= ["nodes", request[0], "url"];
  if (options.canSign === false && signed !== undefined) {
    warnings.push({
      path: jsonPath(signed),
      message:
        "this worker has no COMPLETION_WEBHOOK_SECRET, so the menu's webhooks and backend requests cannot be signed: each fails (completions wait in GET /admin/deliveries, requests take their failure exit) until you set it (whsec_ and 24+ random bytes in base64)",
    });
  }
  return { menu: errors.length === 0 ? menu : null, errors, warnings };
}

/** Destinations that name no node, read from a document that did not pass the schema (whatever of it is readable). */
/** A button or row of a question whose `next` does not say where it leads. */
const noDestination = (node: PropertyKey[], option: string): MenuProblem => ({
  path: jsonPath([...node, "next"]),
  message: `option "${option}" has no destination; add "${option}": "<node id>" or {"text": "..."}`,
});

/** The reply ids of a question's buttons or rows, as written (those that are strings). */
function rawReplyIds(interactive: unknown): string[] {
  const action = (interactive as { action?: { buttons?: unknown; sections?: unknown } } | null)?.action;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const buttons = list(action?.buttons).map((b) => (b as { reply?: { id?: unknown } } | null)?.reply?.id);
  const rows = list(action?.sections).flatMap((section) => list((section as { rows?: unknown } | null)?.rows).map((r) => (r as { id?: unknown } | null)?.id));
  return [...buttons, ...rows].filter((id): id is string => typeof id === "string");
}

function rawRouteProblems(input: unknown): MenuProblem[] {
  const doc = input as { start?: unknown; nodes?: unknown } | null;
  if (typeof doc !== "object" || doc === null || typeof doc.nodes !== "object" || doc.nodes === null) return [];
  const nodes = doc.nodes as Record<string, unknown>;
  const problems: MenuProblem[] = [];
  const check = (dest: unknown, path: PropertyKey[]) => {
    if (typeof dest === "string" && !Object.hasOwn(nodes, dest)) problems.push({ path: jsonPath(path), message: `destination node "${dest}" does not exist` });
  };
  if (typeof doc.start === "string" && !Object.hasOwn(nodes, doc.start)) problems.push({ path: "$.start", message: `start node "${doc.start}" does not exist` });
  for (const [id, node] of Object.entries(nodes)) {
    if (typeof node !== "object" || node === null) continue;
    const { next, options, interactive } = node as { next?: unknown; options?: unknown; interactive?: unknown };
    if (Array.isArray(options)) for (const [i, o] of options.entries()) check((o as { next?: unknown } | null)?.next, ["nodes", id, "options", i, "next"]);
    if (typeof next === "string") check(next, ["nodes", id, "next"]);
    else if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      for (const [reply, dest] of Object.entries(next)) check(dest, ["nodes", id, "next", reply]);
      if (interactive !== undefined) for (const reply of new Set(rawReplyIds(interactive))) if (!Object.hasOwn(next, reply)) problems.push(noDestination(["nodes", id], reply));
    }
  }
  return problems;
}

/** A reminders' texts as written, with their paths: its text (unless "repeat") and an inline timeout text. */
function reminderTexts(r: RemindersDoc | false | undefined, path: PropertyKey[]): Array<[PropertyKey[], string]> {
  if (r === undefined || r === false) return [];
  return [
    ...(r.text === undefined || r.text === "repeat" ? [] : [[[...path, "text"], r.text] as [PropertyKey[], string]]),
    ...(typeof r.timeout === "object" ? [[[...path, "timeout"], r.timeout.text] as [PropertyKey[], string]] : []),
  ];
}

/**
 * The texts outside the nodes that are sent with placeholders filled, as written (a question's own reminders are
 * merged with the menu's once compiled, which would report the menu's text at every question): the reminders, the
 * settings' texts, the fallback's closing text and the handover text.
 */
function settingTexts(doc: { settings?: Settings | undefined; nodes: Record<string, MenuNodeDoc> }): Array<[PropertyKey[], string]> {
  const settings = doc.settings ?? {};
  const fallback = settings.fallback;
  return [
    ...reminderTexts(settings.reminders, ["settings", "reminders"]),
    ...Object.entries(settings.texts ?? {}).flatMap(([name, t]): Array<[PropertyKey[], string]> => (typeof t === "string" ? [[["settings", "texts", name], t]] : [])),
    ...(typeof fallback === "object" ? [[["settings", "fallback"], fallback.text] as [PropertyKey[], string]] : []),
    ...(settings.handover?.text === undefined ? [] : [[["settings", "handover", "text"], settings.handover.text] as [PropertyKey[], string]]),
    ...Object.entries(doc.nodes).flatMap(([id, n]) => ("reminders" in n ? reminderTexts(n.reminders, ["nodes", id, "reminders"]) : [])),
  ];
}

/** Checks that need the whole graph: text chains end, nodes are reachable, placeholders name real nodes. */
function lintFlow(menu: CompiledMenu, warnings: MenuProblem[], errors: MenuProblem[], settingTexts: Array<[PropertyKey[], string]>) {
  const nodes = menu.nodes;
  chainProblems(menu, errors);

  const reached = new Set<string>();
  const queue = [menu.start];
  if (menu.settings.fallback && "node" in menu.settings.fallback) queue.push(menu.settings.fallback.node);
  for (const t of [...(menu.template?.options.map((o) => o.next) ?? []), ...(menu.template ? [menu.template.next] : [])]) if ("node" in t) queue.push(t.node);
  while (queue.length > 0) {
    const cur = queue.pop()!;
    if (reached.has(cur)) continue;
    reached.add(cur);
    queue.push(...successors(nodes[cur]!));
  }
  for (const id of Object.keys(nodes)) {
    if (!reached.has(id)) warnings.push({ path: jsonPath(["nodes", id]), message: `node "${id}" cannot be reached from the start node` });
  }

  const templateTexts: Array<[PropertyKey[], string]> = [
    ...(menu.template?.parameters ?? []).map((p, i): [PropertyKey[], string] => [["template", "parameters", i], p]),
    ...(menu.template?.options ?? []).flatMap((o, i): Array<[PropertyKey[], string]> => ("text" in o.next ? [[["template", "buttons", i, "next"], o.next.text]] : [])),
  ];
  // Variables a node sets (inputs, request saves, dynamic questions) count, and so do the menu's declared ones.
  const vars = lintData(menu, Object.keys(menu.variables), warnings);
  for (const [path, text] of [...settingTexts, ...Object.entries(nodes).flatMap(([id, node]) => textsOf(id, node)), ...templateTexts]) {
    for (const p of placeholdersIn(text)) {
      const parts = p.split(".");
      const ok =
        p === "profile.name" ||
        (parts[0] === "vars" && parts.length === 2 && vars.has(parts[1]!)) ||
        (parts[0] === "answers" && parts.length >= 3 && ["id", "title"].includes(parts[parts.length - 1]!) && Object.hasOwn(nodes, parts.slice(1, -1).join(".")));
      if (!ok && parts[0] === "vars")
        warnings.push({
          path: jsonPath(path),
          message: `placeholder {{${p}}} names a variable the menu does not declare and no input, request or dynamic question sets; add "${parts.slice(1).join(".")}" to the menu's "variables"`,
        });
      else if (!ok) warnings.push({ path: jsonPath(path), message: `placeholder {{${p}}} names nothing; use {{answers.<node>.title}}, {{answers.<node>.id}}, {{vars.<name>}} or {{profile.name}}` });
    }
  }
}

/** Compiles a menu document or throws a MenuInvalidError listing every problem. */
export function parseMenu(input: unknown, source?: string, options: CheckOptions = {}): CompiledMenu {
  const report = checkMenu(input, options);
  if (report.menu === null) throw new MenuInvalidError(report.errors, source);
  return report.menu;
}
