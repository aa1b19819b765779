/** The business's own API (Bearer ADMIN_TOKEN): menus and their versions, bindings, sessions, deliveries, starting flows. */
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import type { core } from "zod/mini";
import "../zod-english.js";
import { defined } from "../defined.js";
import { AppError, MenuInvalidError } from "../errors.js";
import { catchUp, dueOf, VAR_NAME, VAR_NAME_RULE, VAR_VALUE_MAX, VARS_MAX, waitingTimer, windowClosesAt, windowOpen } from "../flow/session.js";
import { checkMenu } from "../menus/compile.js";
import { charLength } from "../menus/limits.js";
import { menuIdSchema } from "../menus/schema.js";
import { startMenu } from "../conversation/step.js";
import { resetCustomer } from "../conversation/reset.js";
import { timerMessage } from "../conversation/timers.js";
import { normalisePhone, parseJson, PHONE } from "../vonage/webhooks.js";
import { maskedExcerpt, quotedMenuId } from "../log-mask.js";
import { describeIssues } from "../zod-issues.js";
import { requireAdmin } from "./admin-auth.js";
import { readBody } from "./body.js";
import { maskNumber } from "./deps.js";
import { agentRoutes } from "./agent-routes.js";
import { withServices, type Services, type ServicesEnv } from "./wiring.js";

/** A phone number as the webhooks take it: digits only, country code first, a leading `+` dropped. */
const phoneSchema = z.pipe(z.pipe(z.string(), z.transform(normalisePhone)), z.string().check(z.regex(PHONE.pattern, PHONE.message)));

/** Menus of a thousand nodes fit easily; anything larger is a mistake. */
const MAX_MENU_BYTES = 1024 * 1024;

export function bad(message: string, issues?: z.core.$ZodError): AppError {
  const detail = issues ? `: ${describeIssues(issues, { separator: " " })}` : "";
  return new AppError("ERR_BODY_MALFORMED", `${message}${detail}`);
}

/** The JSON body of a business's call: UTF-8 only, so that no text it holds is changed on the way in. */
export async function jsonBody(request: Request, limit = 64 * 1024): Promise<unknown> {
  return parseJson(await readBody(request, limit), { utf8: "strict" });
}

/** The `:business` and `:customer` of a session route, checked. */
export const sessionOf = (c: { req: { param(name: string): string } }) => ({
  business: phoneParam(c.req.param("business"), "business number"),
  customer: phoneParam(c.req.param("customer"), "customer number"),
});

/**
 * A path parameter, checked: a value that breaks the rule is a 400 that quotes it (clipped, and masked as a log line
 * shows a route: a number put where a menu or delivery id goes is not returned whole) and says the rule.
 */
export function param(value: string, schema: z.ZodMiniType<string, string>, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const quoted = maskedExcerpt(value, 80);
    throw bad(`${what} "${quoted}" is not valid: ${parsed.error.issues[0]?.message ?? "see the reference"}`);
  }
  return parsed.data;
}

/** A phone number in a path; a wrong one is quoted masked, as a log line would show it (`+44-****-**0123`). */
const phoneParam = (value: string, what: string) => param(value, phoneSchema, what);

/** What `deliveries.enqueue` names a delivery (`GET /admin/deliveries` lists them). */
const deliveryIdSchema = z.string().check(z.regex(/^msg_[0-9a-f]{32}$/, "delivery ids are msg_ and 32 hex digits, as GET /admin/deliveries lists them"));

/**
 * A start's variables. zod's record leaves a `__proto__` key out of what it returns (as a guard for the prototype),
 * so such a name is refused on the body as sent: passed through, the start would go ahead without it, unsaid.
 */
const variablesSchema = z.optional(
  z.pipe(
    z.unknown().check(z.refine((v) => typeof v !== "object" || v === null || !Object.hasOwn(v, "__proto__"))),
    // Characters as the engine and WhatsApp count them (code points): an emoji is one, not two of JavaScript's.
    z.record(z.string().check(z.regex(VAR_NAME)), z.string().check(z.refine((v) => charLength(v) <= VAR_VALUE_MAX))).check(z.refine((v) => Object.keys(v).length <= VARS_MAX)),
  ),
);
const requestIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/));

/** One customer of a start: who, and what the menu's texts and template may use. */
const customerStart = {
  to: phoneSchema,
  /** The customer's name, for `{{profile.name}}` before they ever wrote (Vonage adds it to their messages). */
  profileName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(256))),
  /** Values for the menu's declared variables, `{{vars.<name>}}`. */
  variables: variablesSchema,
};

const startSchema = z.strictObject({
  ...customerStart,
  from: phoneSchema,
  /** Names this start: sending the same request again starts nothing twice. */
  requestId: z.optional(requestIdSchema),
  /** A customer talking to a person is started anyway, their handover ended (by default such a start is a 409). */
  endHandover: z.optional(z.boolean()),
});

/** A version asked for that is not stored, with the versions that are (numbered from 1, never reused). */
function noVersion(id: string, version: number, pointer: { latest: number } | null): AppError {
  const there = pointer === null ? "no such menu is published (GET /admin/menus lists those that are)" : pointer.latest === 1 ? "its only version is 1" : `its versions are 1 to ${pointer.latest}`;
  return new AppError("ERR_NOT_FOUND", `menu "${quotedMenuId(id)}" has no version ${version}: ${there}`);
}

/** Customers one bulk call starts: within a Workers Free invocation's 50 subrequests (a start sends one or two messages). */
export const BULK_MAX = 20;

const bulkSchema = z.strictObject({
  from: phoneSchema,
  requestId: requestIdSchema,
  /** Shared by every customer; a customer's own variables win. */
  variables: variablesSchema,
  customers: z.array(z.strictObject(customerStart)).check(z.minLength(1), z.maxLength(BULK_MAX)),
  endHandover: z.optional(z.boolean()),
});

/** What is wrong with a start's `variables` (at `path` in `body`), in figures: how many, how long, which name. */
function variablesProblem(issue: core.$ZodIssue, body: unknown): string | undefined {
  // A start's variables, or a bulk start's customer's (`customers.<i>.variables`); not a variable named "variables".
  const path = issue.path;
  const at = path[0] === "variables" ? 0 : path[0] === "customers" && path[2] === "variables" ? 2 : -1;
  if (at === -1) return undefined;
  const value = issue.path.reduce<unknown>((v, key) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined), body);
  const name = issue.path[at + 1];
  if (name === undefined) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    if (Object.hasOwn(value, "__proto__")) return `names __proto__, which is no variable name: names are ${VAR_NAME_RULE}`;
    return `has ${Object.keys(value).length} variables; at most ${VARS_MAX}`;
  }
  if (issue.code === "invalid_key") return `is no variable name: names are ${VAR_NAME_RULE}`;
  if (typeof value !== "string") return `must be a string, in quotes (values are text of at most ${VAR_VALUE_MAX} characters)`;
  return `is ${charLength(value)} characters long; a value is at most ${VAR_VALUE_MAX}`;
}

const FIELD_RULES: Record<string, string> = {
  to: "must be the customer's number, digits only, country code first, without a leading 0 or 00",
  from: "must be your WhatsApp Business number, digits only, country code first, without a leading 0 or 00",
  profileName: "must be a name of 1 to 256 characters",
  variables: `must be an object of at most ${VARS_MAX} variables, names of ${VAR_NAME_RULE}, string values of at most ${VAR_VALUE_MAX} characters`,
  requestId: "must be 1 to 128 letters, digits or '_', '.', ':', '-'",
  endHandover: "must be true or false",
  customers: `must be a list of 1 to ${BULK_MAX} customers, each {"to", "profileName"?, "variables"?}`,
};

/** The body of a start, or a 400 that names each field's rule. */
function parseStart<T extends z.ZodMiniType>(schema: T, body: unknown, expected: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error, {
    path: (path) => path.join(".") || "body",
    message: (i) => {
      const variables = variablesProblem(i, body);
      if (variables !== undefined) return variables;
      const own = FIELD_RULES[String(i.path.at(-1))];
      // A number sent as a JSON number (447700900123, not "447700900123") is digits only, as the rule asks: say what is wrong.
      if (own !== undefined && i.code === "invalid_type" && i.expected === "string") return `must be a string, in quotes; it ${own}`;
      return own ?? FIELD_RULES[String(i.path[0])] ?? i.message;
    },
  });
  throw new AppError("ERR_BODY_MALFORMED", `expected ${expected}: ${problems}`);
}

/** How a start ended for one customer of a bulk start. */
type BulkOutcome = { outcome: "started"; via: "question" | "template"; already?: true; node: string | null } | { outcome: "opted_out" } | { outcome: "refused"; reason: string; retry: boolean };

/** A customer's timers waiting for the sweep that the session view lists: one conversation sets one at a time. */
const STRANDED_VIEW_MAX = 10;

/** Errors a rerun of the same bulk start may get past. */
const PASSING = new Set(["ERR_SESSION_CONTENDED", "ERR_VONAGE_UNAVAILABLE", "ERR_STORE_UNAVAILABLE", "ERR_MENU_NOT_READABLE_YET"]);

/** The business's routes: the services first (a bad configuration fails them), then the token they configure. */
function businessRoutes(services: () => Promise<Services>): Hono<ServicesEnv> {
  const app = new Hono<ServicesEnv>();
  app.use(
    "*",
    withServices(services),
    requireAdmin<ServicesEnv>((c) => c.var.services.config.adminToken),
  );
  return app;
}

/** `POST /flows/{menuId}/start`: the business starts a menu for a customer. */
export function flowRoutes(services: () => Promise<Services>): Hono<ServicesEnv> {
  const app = businessRoutes(services);
  app.post("/:menuId/start", async (c) => {
    const body = parseStart(
      startSchema,
      await jsonBody(c.req.raw),
      '{"to": "<customer>", "from": "<business number>", "profileName"?: "<name>", "variables"?: {"<name>": "<value>"}, "requestId"?: "<id>", "endHandover"?: true}',
    );
    const menuId = param(c.req.param("menuId"), menuIdSchema, "menu id");
    const who = { business: body.from, customer: body.to, ...defined({ profileName: body.profileName, vars: body.variables }) };
    const result = await startMenu(c.var.services.conversation(c), menuId, who, defined({ requestId: body.requestId, endHandover: body.endHandover }));
    c.var.services.deps.log({ level: "info", msg: "start", customer: maskNumber(who.customer), menu: result.menu, node: result.node, outcome: result.outcome });
    // A message the Messages API refused for good (422) is named: the start did not reach the customer.
    return c.json({ outcome: result.outcome, node: result.node, message_uuids: result.sent, ...defined({ refused: result.refused }) });
  });

  /**
   * `POST /flows/{menuId}/start/bulk`: one menu for a list of customers, one after another (each customer's keys
   * are their own, and the sends go out at the pace they are answered). Safe to rerun with the same `requestId`.
   */
  app.post("/:menuId/start/bulk", async (c) => {
    const body = parseStart(
      bulkSchema,
      await jsonBody(c.req.raw),
      `{"from": "<business number>", "requestId": "<id>", "variables"?: {...}, "customers": [{"to": "<customer>", "profileName"?, "variables"?}, ...] (at most ${BULK_MAX}), "endHandover"?: true}`,
    );
    const menuId = param(c.req.param("menuId"), menuIdSchema, "menu id");
    const deps = c.var.services.conversation(c);
    const results: Array<{ index: number; customer: string } & BulkOutcome> = [];
    for (const [index, one] of body.customers.entries()) {
      const vars = { ...body.variables, ...one.variables };
      const who = { business: body.from, customer: one.to, ...defined({ profileName: one.profileName, vars: Object.keys(vars).length > 0 ? vars : undefined }) };
      let outcome: BulkOutcome;
      try {
        const r = await startMenu(deps, menuId, who, defined({ requestId: body.requestId, endHandover: body.endHandover }));
        if (r.refused !== undefined) outcome = { outcome: "refused", reason: r.refused, retry: false };
        else outcome = { outcome: "started", via: r.outcome === "templated" ? "template" : "question", node: r.node, ...(r.outcome === "already_started" ? { already: true as const } : {}) };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        // A menu that does not exist fails every customer alike: the whole call says so.
        if (error.code === "ERR_MENU_NOT_FOUND") throw error;
        outcome = error.code === "ERR_OPTED_OUT" ? { outcome: "opted_out" } : { outcome: "refused", reason: error.message, retry: PASSING.has(error.code) };
      }
      c.var.services.deps.log({ level: "info", msg: "bulk start", customer: maskNumber(one.to), menu: menuId, outcome: outcome.outcome });
      results.push({ index, customer: maskNumber(one.to), ...outcome });
    }
    const count = (o: BulkOutcome["outcome"]) => results.filter((r) => r.outcome === o).length;
    return c.json({ requestId: body.requestId, started: count("started"), opted_out: count("opted_out"), refused: count("refused"), results });
  });
  return app;
}

export function adminRoutes(services: () => Promise<Services>): Hono<ServicesEnv> {
  const app = businessRoutes(services);
  const now = (s: Services) => new Date(s.deps.now()).toISOString();

  app.get("/menus", async (c) => c.json({ menus: await c.var.services.menus.list() }));

  app.put("/menus/:id", async (c) => {
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    const doc = await jsonBody(c.req.raw, MAX_MENU_BYTES);
    if (typeof doc === "object" && doc !== null && !Array.isArray(doc) && (doc as { id?: unknown }).id === undefined) (doc as { id: string }).id = id;
    const checks = { allowLocalWebhooks: c.var.services.config.allowLocalWebhooks };
    const report = checkMenu(doc, { ...checks, canSign: c.var.services.config.completionKey !== null });
    if (report.menu === null) throw new MenuInvalidError(report.errors);
    if (report.menu.id !== id) throw new AppError("ERR_BODY_MALFORMED", `the document's id "${quotedMenuId(report.menu.id)}" differs from "${quotedMenuId(id)}" in the URL`);
    const { version } = await c.var.services.menus.publish(doc, now(c.var.services), checks);
    return c.json({ id, version, warnings: report.warnings }, 201);
  });

  app.get("/menus/:id", async (c) => {
    const { menus } = c.var.services;
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    const pointer = await menus.pointer(id);
    const asked = c.req.query("version");
    // Digits only: Number() would read "0x10" as version 16 and "1e1" as 10, and hand back a version nobody asked for.
    if (asked !== undefined && !/^[1-9][0-9]{0,15}$/.test(asked)) throw bad(`version "${maskedExcerpt(asked, 20)}" is not valid: give a version number (1, 2, ...), as GET /admin/menus lists them`);
    const version = asked === undefined ? pointer?.current : Number(asked);
    if (version === undefined) throw new AppError("ERR_NOT_FOUND", `menu "${quotedMenuId(id)}" does not exist`);
    const stored = await menus.document(id, version);
    if (stored === null) throw noVersion(id, version, pointer);
    return c.json({ id, version, current: pointer?.current ?? null, latest: pointer?.latest ?? null, publishedAt: stored.publishedAt, menu: stored.menu });
  });

  app.post("/menus/:id/rollback", async (c) => {
    const { menus } = c.var.services;
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    const parsed = z.strictObject({ version: z.int().check(z.gte(1)) }).safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw bad('expected {"version": <n>}', parsed.error);
    const stored = await menus.document(id, parsed.data.version);
    if (stored === null) throw noVersion(id, parsed.data.version, await menus.pointer(id));
    // Rolling back publishes the old document again as a new version: history only ever grows.
    const { version } = await menus.publish(stored.menu, now(c.var.services), { allowLocalWebhooks: c.var.services.config.allowLocalWebhooks });
    return c.json({ id, version, from: parsed.data.version }, 201);
  });

  app.delete("/menus/:id", async (c) => {
    const { menus } = c.var.services;
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    if ((await menus.pointer(id)) === null) throw new AppError("ERR_NOT_FOUND", `menu "${quotedMenuId(id)}" does not exist`);
    const bound = (await menus.bindings()).filter((b) => b.menuId === id).map((b) => b.number);
    if (bound.length > 0) {
      throw new AppError("ERR_MENU_IN_USE", `menu "${quotedMenuId(id)}" is bound to ${bound.join(", ")}; bind those numbers to another menu (or DELETE /admin/bindings/<number>) first`, {
        details: { bindings: bound },
      });
    }
    await menus.remove(id, now(c.var.services));
    // Conversations already on the menu finish on their version; its versions and their numbers are kept.
    return c.json({ id, deleted: true, note: "conversations in progress finish on the version they started; publishing this id again continues the version numbers" });
  });

  app.get("/bindings", async (c) => c.json({ bindings: await c.var.services.menus.bindings() }));

  app.put("/bindings/:number", async (c) => {
    const { menus } = c.var.services;
    const number = c.req.param("number") === "default" ? "default" : phoneParam(c.req.param("number"), "business number");
    const parsed = z.strictObject({ menuId: menuIdSchema }).safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw bad('expected {"menuId": "<menu id>"}', parsed.error);
    if ((await menus.pointer(parsed.data.menuId)) === null) throw new AppError("ERR_NOT_FOUND", `menu "${quotedMenuId(parsed.data.menuId)}" does not exist; upload it first`);
    await menus.bind(number, parsed.data.menuId);
    return c.json({ number, menuId: parsed.data.menuId });
  });

  app.delete("/bindings/:number", async (c) => {
    const { menus } = c.var.services;
    const number = c.req.param("number") === "default" ? "default" : phoneParam(c.req.param("number"), "business number");
    await menus.unbind(number);
    return c.body(null, 204);
  });

  app.get("/sessions/:business/:customer", async (c) => {
    const { sessions, stranded } = c.var.services;
    const { business, customer } = sessionOf(c);
    const state = await sessions.load(business, customer);
    if (state.session === null && !state.optedOut) throw new AppError("ERR_NOT_FOUND", "no session for this customer");
    // The session as the engine sees it: the pending question's message_uuid and refusals come from the sent record.
    const { session } = catchUp(state.session, state.sent);
    // WhatsApp's 24-hour window: whether a free-form message reaches the customer now, or only a template does.
    const closesAt = windowClosesAt(session);
    const window = { open: windowOpen(session, now(c.var.services)), closesAt, ...defined({ lastInboundAt: session?.lastInboundAt, closedAt: session?.windowClosedAt }) };
    // What the conversation waits on besides the customer: its timer, and a person while handed over. A timer the
    // queue refused waits for the sweep (within five minutes), and is shown as such.
    const waiting = (await stranded.list(STRANDED_VIEW_MAX, { business, customer })).flatMap((e) => timerMessage(e.body) ?? []);
    // When it acts: an idle hand-back's moves with every message, though the stored timer keeps its first due time.
    const timer = waitingTimer(session);
    const timers = session === null || timer === undefined ? [] : [{ ...timer, due: new Date(dueOf(session, timer)).toISOString() }];
    return c.json({ session, optedOut: state.optedOut, sent: state.sent, window, timers, strandedTimers: waiting, handover: session?.handover ?? null });
  });

  app.delete("/sessions/:business/:customer", async (c) => {
    const clear = c.req.query("optOut");
    if (clear !== undefined && clear !== "clear") throw bad('optOut must be "clear" (to forget the customer\'s opt-out too) or left out');
    // The opt-out is the customer's decision: a reset keeps it unless the admin clears it explicitly.
    await resetCustomer(c.var.services.conversation(c), sessionOf(c), { clearOptOut: clear === "clear" });
    return c.body(null, 204);
  });

  app.get("/deliveries", async (c) => c.json({ deliveries: await c.var.services.deliveries.list() }));

  app.post("/deliveries/:id/retry", async (c) => {
    const result = await c.var.services.deliveries.retry(param(c.req.param("id"), deliveryIdSchema, "delivery id"));
    if (!result.found) throw new AppError("ERR_NOT_FOUND", "no such delivery (delivered ones are removed)");
    return c.json(result, result.delivered ? 200 : 502);
  });

  agentRoutes(app);
  return app;
}
