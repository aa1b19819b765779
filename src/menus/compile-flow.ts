/**
 * Compiling and checking the nodes that work with data (input, request, condition, dynamic questions), and the
 * checks over the whole graph they need: chains of nodes that run without waiting, and where variables are set
 * and read.
 */
import type { MenuProblem } from "../errors.js";
import { destinationProblem } from "../public-url.js";
import type { CompiledCondition, CompiledInput, CompiledMenu, CompiledNode, CompiledQuestion, CompiledRequest, ConditionTest, InputRule, Target } from "./compiled.js";
import { LIMITS, REQUEST_LIMITS } from "./limits.js";
import { exitsOf, followedBy, messagesOf, readsOf, setsOf, textsOf } from "./nodes.js";
import type { ConditionNode, Destination, DynamicQuestion, InputNode, RequestNode } from "./schema.js";
import { placeholdersIn } from "./words.js";
import { jsonPath } from "../zod-issues.js";

/** Backend requests one step may make (one after the other, inside the webhook's deadline). */
export const REQUESTS_PER_STEP = 2;

const toTarget = (d: Destination): Target => (typeof d === "string" ? { node: d } : d.webhook === undefined ? { text: d.text } : { text: d.text, webhook: d.webhook });

function ruleOf(v: InputNode["validate"]): InputRule {
  if (v === undefined) return { type: "text", minLength: 1, maxLength: 200 };
  switch (v.type) {
    case "text":
      return { type: "text", minLength: v.minLength ?? 1, maxLength: v.maxLength ?? 200 };
    case "number":
      return { type: "number", integer: v.integer ?? false, ...(v.min === undefined ? {} : { min: v.min }), ...(v.max === undefined ? {} : { max: v.max }) };
    case "date":
      return { type: "date", ...(v.min === undefined ? {} : { min: v.min }), ...(v.max === undefined ? {} : { max: v.max }) };
    case "regex":
      return { type: "regex", pattern: v.pattern, flags: v.flags ?? "" };
    case "location":
      return { type: "location", request: v.request ?? false };
    case "email":
    case "phone":
    case "choice":
      return v;
  }
}

export function buildInput(doc: InputNode): CompiledInput {
  const node: CompiledInput = { kind: "input", text: doc.text, var: doc.var, rule: ruleOf(doc.validate), next: toTarget(doc.next) };
  if (doc.reprompt !== undefined) node.reprompt = doc.reprompt;
  return node;
}

export function buildRequest(doc: RequestNode): CompiledRequest {
  const node: CompiledRequest = {
    kind: "request",
    method: doc.method ?? "POST",
    url: doc.url,
    save: doc.save ?? {},
    lists: Object.fromEntries(
      Object.entries(doc.lists ?? {}).map(([name, l]) => [name, { path: l.path, id: l.id, title: l.title, ...(l.description === undefined ? {} : { description: l.description }) }]),
    ),
    timeoutMs: doc.timeoutMs ?? REQUEST_LIMITS.timeoutDefaultMs,
    next: toTarget(doc.next),
    failure: doc.failure === undefined ? null : toTarget(doc.failure),
  };
  if (doc.body !== undefined) node.body = doc.body;
  return node;
}

export function buildCondition(doc: ConditionNode): CompiledCondition {
  return { kind: "condition", when: doc.when.map((w) => ({ test: w.if as ConditionTest, next: toTarget(w.next) })), else: toTarget(doc.else) };
}

export function buildDynamic(doc: DynamicQuestion): CompiledQuestion {
  const o = doc.options;
  const node: CompiledQuestion = {
    kind: "question",
    interactive: {
      type: "list",
      ...(doc.header === undefined ? {} : { header: { type: "text" as const, text: doc.header } }),
      body: { text: doc.text },
      ...(doc.footer === undefined ? {} : { footer: { text: doc.footer } }),
      action: { button: doc.button ?? "Choose", sections: [] },
    },
    options: [],
    dynamic: {
      list: o.from,
      next: toTarget(o.next),
      titles: o.titles ?? "clip",
      more: o.more ?? "More…",
      ...(o.empty === undefined ? {} : { empty: toTarget(o.empty) }),
      ...(doc.var === undefined ? {} : { var: doc.var }),
    },
  };
  if (doc.reprompt !== undefined) node.reprompt = doc.reprompt;
  return node;
}

/**
 * Why a pattern may not run on a customer's text, or null. JavaScript's engine backtracks, so the patterns that can
 * take exponential time (a quantified group that itself holds a quantifier, backreferences) are refused; answers
 * are at most 200 characters, which keeps the rest cheap.
 */
export function patternProblem(pattern: string, flags = ""): string | null {
  try {
    new RegExp(pattern, flags);
  } catch (e) {
    return `is not a valid regular expression (${e instanceof Error ? e.message : "syntax error"})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "uses a backreference, which can make matching slow; rewrite it without";
  // A group holding a quantifier, itself quantified: (a+)+, (\d*x?)*, (?:ab+){2,}.
  if (/\((?:[^()\\]|\\.)*[+*?}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,\d*\})/.test(pattern))
    return "quantifies a group that holds a quantifier (like (a+)+), which can make matching take very long; simplify it";
  return null;
}

/** A `YYYY-MM-DD` (as the schema has checked) that names a real day: not 2026-02-30 or 2026-13-01. */
const isCalendarDay = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
};

/** Problems of one data node that the schema cannot see: URLs, patterns, body size. */
export function checkDataNode(id: string, node: CompiledNode, allowLocal: boolean, errors: MenuProblem[]): void {
  const base = ["nodes", id];
  switch (node.kind) {
    case "input": {
      const r = node.rule;
      if (r.type === "regex") {
        const problem = patternProblem(r.pattern, r.flags);
        if (problem !== null) errors.push({ path: jsonPath([...base, "validate", "pattern"]), message: `pattern ${problem}` });
      }
      if (r.type === "text" && r.minLength > r.maxLength) errors.push({ path: jsonPath([...base, "validate"]), message: "minLength is more than maxLength" });
      if (r.type === "number" && r.min !== undefined && r.max !== undefined && r.min > r.max) errors.push({ path: jsonPath([...base, "validate"]), message: "min is more than max" });
      if (r.type === "date") {
        for (const bound of ["min", "max"] as const) {
          const day = r[bound];
          if (day !== undefined && day !== "today" && !isCalendarDay(day))
            errors.push({ path: jsonPath([...base, "validate", bound]), message: `${bound} "${day}" is not a day of the calendar; write a real date as YYYY-MM-DD, or "today"` });
        }
        // YYYY-MM-DD compares as text; "today" moves, so only two written dates can be seen to exclude every answer.
        if (r.min !== undefined && r.max !== undefined && r.min !== "today" && r.max !== "today" && r.min > r.max)
          errors.push({ path: jsonPath([...base, "validate"]), message: `min ${r.min} is after max ${r.max}, so no date would ever be accepted; swap them` });
      }
      return;
    }
    case "request": {
      const at = node.url.indexOf("{{");
      if (at >= 0 && !/^[a-z]+:\/\/[^/?#]+[/?#]/i.test(node.url.slice(0, at)))
        errors.push({ path: jsonPath([...base, "url"]), message: "placeholders may be used in the path and query only; the host must be written out" });
      else {
        // The host as written (a placeholder in it is refused above, not judged as the stand-in it would be checked as).
        const problem = destinationProblem(node.url.replace(/\{\{[^}]*\}\}/g, "x"), { allowLocal });
        if (problem !== null) errors.push({ path: jsonPath([...base, "url"]), message: `url ${problem}` });
      }
      if (node.body !== undefined && JSON.stringify(node.body).length > REQUEST_LIMITS.bodyMax)
        errors.push({ path: jsonPath([...base, "body"]), message: `body is more than ${REQUEST_LIMITS.bodyMax} characters of JSON` });
      if (node.body !== undefined && node.method === "GET") errors.push({ path: jsonPath([...base, "body"]), message: "a GET request has no body; use POST, or put the values in the URL's query" });
      if (Object.keys(node.save).length > REQUEST_LIMITS.savesMax) errors.push({ path: jsonPath([...base, "save"]), message: `at most ${REQUEST_LIMITS.savesMax} values are saved from one response` });
      if (Object.keys(node.lists).length > REQUEST_LIMITS.listsMax)
        errors.push({ path: jsonPath([...base, "lists"]), message: `at most ${REQUEST_LIMITS.listsMax} lists are saved from one response` });
      return;
    }
    case "condition":
      node.when.forEach((w, i) => {
        const problem = w.test.matches === undefined ? null : patternProblem(w.test.matches);
        if (problem !== null) errors.push({ path: jsonPath([...base, "when", i, "if", "matches"]), message: `matches ${problem}` });
      });
      return;
    case "question":
    case "text":
      return;
  }
}

/**
 * Nodes that run without waiting for the customer must end at a question, an input or a closing text: no loop,
 * at most `LIMITS.chainMax` messages and `REQUESTS_PER_STEP` requests on any path from one answer.
 */
export function chainProblems(menu: CompiledMenu, errors: MenuProblem[]): void {
  const nodes = menu.nodes;
  const cost = new Map<string, { messages: number; requests: number }>();
  const onPath = new Set<string>();
  const looped = new Set<string>();
  const visit = (id: string): { messages: number; requests: number } => {
    const known = cost.get(id);
    if (known) return known;
    const node = nodes[id];
    if (node === undefined) return { messages: 0, requests: 0 };
    if (onPath.has(id)) {
      const path = [...onPath];
      const kinds = path.every((n) => nodes[n]?.kind === "text")
        ? "text nodes"
        : path.some((n) => nodes[n]?.kind === "question")
          ? "nodes that do not wait (texts, conditions, requests, and a dynamic question whose list is empty)"
          : "nodes that do not wait (texts, conditions, requests)";
      if (!looped.has(id)) errors.push({ path: jsonPath(["nodes", id]), message: `${kinds} loop back to "${id}" without a question in between` });
      looped.add(id);
      return { messages: 0, requests: 0 };
    }
    onPath.add(id);
    let messages = 0;
    let requests = 0;
    // A dynamic question with an empty list does not wait: it goes on at once to its empty exit (else the fallback).
    const empty = node.kind === "question" && node.dynamic !== undefined ? (node.dynamic.empty ?? menu.settings.fallback ?? undefined) : undefined;
    for (const next of [...followedBy(node), ...(empty !== undefined && "node" in empty ? [empty.node] : [])]) {
      const c = visit(next);
      messages = Math.max(messages, c.messages);
      requests = Math.max(requests, c.requests);
    }
    // A closing text sent on at once counts as a message of the chain too.
    if (!["question", "input"].includes(node.kind) && exitsOf(node).some(([, t]) => "text" in t)) messages = Math.max(messages, 1);
    onPath.delete(id);
    // Shown, the dynamic question is the chain's one message; empty, it sends nothing itself.
    const own = { messages: empty === undefined ? messages + messagesOf(node) : Math.max(messages, messagesOf(node)), requests: requests + (node.kind === "request" ? 1 : 0) };
    cost.set(id, own);
    return own;
  };
  for (const id of Object.keys(nodes)) {
    const c = visit(id);
    if (c.messages > LIMITS.chainMax + 1) errors.push({ path: jsonPath(["nodes", id]), message: `more than ${LIMITS.chainMax} messages in a row from here; put a question in between` });
    if (c.requests > REQUESTS_PER_STEP)
      errors.push({ path: jsonPath(["nodes", id]), message: `more than ${REQUESTS_PER_STEP} requests in a row from here; one answer may lead to at most ${REQUESTS_PER_STEP}` });
  }
}

const varsIn = (text: string) => placeholdersIn(text).flatMap((p) => (p.startsWith("vars.") && p.split(".").length === 2 ? [p.slice(5)] : []));

/**
 * Where variables are set and read, as a forward pass over the graph from the start: a placeholder or a test naming
 * a variable that no path from the start sets before it is a warning, and so is a variable nothing reads (unless a
 * completion webhook carries the variables) and a request without a failure exit.
 */
export function lintData(menu: CompiledMenu, declared: string[], warnings: MenuProblem[]): Set<string> {
  const nodes = menu.nodes;
  const ids = Object.keys(nodes);
  // For every node, the variables (and lists, as "list:<name>") some path from the start may have set on arrival.
  const arrive = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  const start = arrive.get(menu.start);
  if (start) for (const v of declared) start.add(v);
  const sets = (id: string) => {
    const s = setsOf(nodes[id]!);
    return [...s.vars, ...s.lists.map((l) => `list:${l}`)];
  };
  let changed = true;
  for (let round = 0; changed && round <= ids.length + 1; round++) {
    changed = false;
    for (const id of ids) {
      const out = new Set([...arrive.get(id)!, ...sets(id)]);
      for (const next of exitsOf(nodes[id]!).flatMap(([, t]) => ("node" in t ? [t.node] : []))) {
        const target = arrive.get(next);
        if (target === undefined) continue;
        for (const v of out) {
          if (!target.has(v)) {
            target.add(v);
            changed = true;
          }
        }
      }
    }
  }
  const fallback = menu.settings.fallback;
  if (fallback && "node" in fallback) for (const v of ids.flatMap(sets)) arrive.get(fallback.node)?.add(v);

  const all = new Set([...ids.flatMap(sets), ...declared]);
  const read = new Set<string>();
  for (const [id, node] of Object.entries(nodes)) {
    const known = new Set([...arrive.get(id)!, ...(node.kind === "input" || node.kind === "question" ? [] : sets(id))]);
    for (const [path, text] of textsOf(id, node)) {
      for (const v of varsIn(text)) {
        read.add(v);
        // A request's own saves are set only after it is sent; its url and body read what came before.
        const before = node.kind === "request" ? arrive.get(id)! : known;
        // A name set nowhere is the placeholder check's to report ("names nothing").
        if (all.has(v) && !before.has(v)) warnings.push({ path: jsonPath(path), message: `placeholder {{vars.${v}}} names a variable that no path from the start sets before here` });
      }
    }
    const reads = readsOf(node);
    for (const l of reads.lists) {
      read.add(`list:${l}`);
      if (!arrive.get(id)!.has(`list:${l}`)) warnings.push({ path: jsonPath(["nodes", id]), message: `list "${l}" is set by no request on a path from the start to here` });
    }
    if (node.kind === "condition") {
      node.when.forEach((w, i) => {
        if (w.test.var === undefined) return;
        read.add(w.test.var);
        if (w.test.exists === undefined && !arrive.get(id)!.has(w.test.var))
          warnings.push({ path: jsonPath(["nodes", id, "when", i, "if", "var"]), message: `variable "${w.test.var}" is set on no path from the start to here` });
      });
    }
    if (node.kind === "request" && node.failure === null)
      warnings.push({ path: jsonPath(["nodes", id, "failure"]), message: `request "${id}" has no failure exit: a timeout or an error ends the conversation with texts.requestFailed` });
  }

  const carried = Object.values(nodes).some((n) => (n.kind === "text" && n.webhook !== undefined) || exitsOf(n).some(([, t]) => "webhook" in t && t.webhook !== undefined));
  for (const [id, node] of Object.entries(nodes)) {
    const s = setsOf(node);
    for (const v of s.vars)
      if (!read.has(v) && !carried) warnings.push({ path: jsonPath(["nodes", id]), message: `variable "${v}" is set here but nothing reads it (no placeholder, test or completion webhook)` });
    for (const l of s.lists)
      if (!read.has(`list:${l}`)) warnings.push({ path: jsonPath(["nodes", id, "lists", l]), message: `list "${l}" is saved here but no question shows it and no test counts it` });
  }
  return all;
}
