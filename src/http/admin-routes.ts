/** The business's own API (Bearer ADMIN_TOKEN): menus and their versions, bindings, sessions, deliveries, starting flows. */
import { Hono } from "hono";
import { z } from "zod";
import { defined } from "../defined.js";
import { AppError, MenuInvalidError } from "../errors.js";
import { catchUp, VAR_NAME, VAR_VALUE_MAX, VARS_MAX } from "../flow/session.js";
import { checkMenu } from "../menus/compile.js";
import { menuIdSchema } from "../menus/schema.js";
import { startMenu } from "../conversation/step.js";
import { parseJson, phoneSchema } from "../vonage/webhooks.js";
import { describeIssues } from "../zod-issues.js";
import { requireAdmin } from "./admin-auth.js";
import { readBody } from "./body.js";
import { maskNumber } from "./deps.js";
import { withServices, type Services, type ServicesEnv } from "./wiring.js";

/** Menus of a thousand nodes fit easily; anything larger is a mistake. */
const MAX_MENU_BYTES = 1024 * 1024;

function bad(message: string, issues?: z.ZodError): AppError {
  const detail = issues ? `: ${describeIssues(issues, { separator: " " })}` : "";
  return new AppError("ERR_BODY_MALFORMED", `${message}${detail}`);
}

async function jsonBody(request: Request, limit = 64 * 1024): Promise<unknown> {
  return parseJson(await readBody(request, limit));
}

function param(value: string, schema: z.ZodType<string, string>, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw bad(`${what} "${value}" is not valid`);
  return parsed.data;
}

const startSchema = z.strictObject({
  to: phoneSchema,
  from: phoneSchema,
  /** The customer's name, for `{{profile.name}}` before they ever wrote (Vonage adds it to their messages). */
  profileName: z.string().trim().min(1).max(256).optional(),
  /** Values for the menu's declared variables, `{{vars.<name>}}`. */
  variables: z
    .record(z.string().regex(VAR_NAME), z.string().max(VAR_VALUE_MAX))
    .refine((v) => Object.keys(v).length <= VARS_MAX)
    .optional(),
});

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
    const parsed = startSchema.safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) {
      const problems = describeIssues(parsed.error, {
        path: (path) => path.join(".") || "body",
        message: (i) =>
          i.path[0] === "to"
            ? "must be the customer's number, digits only, country code first"
            : i.path[0] === "from"
              ? "must be your WhatsApp Business number, digits only, country code first"
              : i.path[0] === "profileName"
                ? "must be a name of 1 to 256 characters"
                : i.path[0] === "variables"
                  ? `must be an object of at most ${VARS_MAX} variables, names of letters, digits and '_' starting with a letter, string values of at most ${VAR_VALUE_MAX} characters`
                  : i.message,
      });
      throw new AppError("ERR_BODY_MALFORMED", `expected {"to": "<customer>", "from": "<business number>", "profileName"?: "<name>", "variables"?: {"<name>": "<value>"}}: ${problems}`);
    }
    const who = { business: parsed.data.from, customer: parsed.data.to, ...defined({ profileName: parsed.data.profileName, vars: parsed.data.variables }) };
    const result = await startMenu(c.var.services.conversation(c), c.req.param("menuId"), who);
    c.var.services.deps.log({ level: "info", msg: "start", customer: maskNumber(who.customer), menu: result.menu, node: result.node, outcome: result.outcome });
    return c.json({ outcome: result.outcome, node: result.node, message_uuids: result.sent });
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
    const report = checkMenu(doc, checks);
    if (report.menu === null) throw new MenuInvalidError(report.errors);
    if (report.menu.id !== id) throw new AppError("ERR_BODY_MALFORMED", `the document's id "${report.menu.id}" differs from "${id}" in the URL`);
    const { version } = await c.var.services.menus.publish(doc, now(c.var.services), checks);
    return c.json({ id, version, warnings: report.warnings }, 201);
  });

  app.get("/menus/:id", async (c) => {
    const { menus } = c.var.services;
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    const pointer = await menus.pointer(id);
    const asked = c.req.query("version");
    const version = asked === undefined ? pointer?.current : Number(asked);
    if (version === undefined || !Number.isInteger(version) || version < 1) {
      throw new AppError("ERR_NOT_FOUND", asked === undefined ? `menu "${id}" does not exist` : `version must be a positive whole number`);
    }
    const stored = await menus.document(id, version);
    if (stored === null) throw new AppError("ERR_NOT_FOUND", `menu "${id}" has no version ${version}`);
    return c.json({ id, version, current: pointer?.current ?? null, latest: pointer?.latest ?? null, publishedAt: stored.publishedAt, menu: stored.menu });
  });

  app.post("/menus/:id/rollback", async (c) => {
    const { menus } = c.var.services;
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    const parsed = z.strictObject({ version: z.int().min(1) }).safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw bad('expected {"version": <n>}', parsed.error);
    const stored = await menus.document(id, parsed.data.version);
    if (stored === null) throw new AppError("ERR_NOT_FOUND", `menu "${id}" has no version ${parsed.data.version}`);
    // Rolling back publishes the old document again as a new version: history only ever grows.
    const { version } = await menus.publish(stored.menu, now(c.var.services), { allowLocalWebhooks: c.var.services.config.allowLocalWebhooks });
    return c.json({ id, version, from: parsed.data.version }, 201);
  });

  app.delete("/menus/:id", async (c) => {
    const { menus } = c.var.services;
    const id = param(c.req.param("id"), menuIdSchema, "menu id");
    if ((await menus.pointer(id)) === null) throw new AppError("ERR_NOT_FOUND", `menu "${id}" does not exist`);
    const bound = (await menus.bindings()).filter((b) => b.menuId === id).map((b) => b.number);
    if (bound.length > 0) {
      throw new AppError("ERR_MENU_IN_USE", `menu "${id}" is bound to ${bound.join(", ")}; bind those numbers to another menu (or DELETE /admin/bindings/<number>) first`, {
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
    const number = c.req.param("number") === "default" ? "default" : param(c.req.param("number"), phoneSchema, "business number");
    const parsed = z.strictObject({ menuId: menuIdSchema }).safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw bad('expected {"menuId": "<menu id>"}', parsed.error);
    if ((await menus.pointer(parsed.data.menuId)) === null) throw new AppError("ERR_NOT_FOUND", `menu "${parsed.data.menuId}" does not exist; upload it first`);
    await menus.bind(number, parsed.data.menuId);
    return c.json({ number, menuId: parsed.data.menuId });
  });

  app.delete("/bindings/:number", async (c) => {
    const { menus } = c.var.services;
    const number = c.req.param("number") === "default" ? "default" : param(c.req.param("number"), phoneSchema, "business number");
    await menus.unbind(number);
    return c.body(null, 204);
  });

  app.get("/sessions/:business/:customer", async (c) => {
    const { sessions } = c.var.services;
    const business = param(c.req.param("business"), phoneSchema, "business number");
    const customer = param(c.req.param("customer"), phoneSchema, "customer number");
    const state = await sessions.load(business, customer);
    if (state.session === null && !state.optedOut) throw new AppError("ERR_NOT_FOUND", "no session for this customer");
    // The session as the engine sees it: the pending question's message_uuid and refusals come from the sent record.
    const { session } = catchUp(state.session, state.sent);
    return c.json({ session, optedOut: state.optedOut, sent: state.sent });
  });

  app.delete("/sessions/:business/:customer", async (c) => {
    const { sessions } = c.var.services;
    const clear = c.req.query("optOut");
    if (clear !== undefined && clear !== "clear") throw bad('optOut must be "clear" (to forget the customer\'s opt-out too) or left out');
    // The opt-out is the customer's decision: a reset keeps it unless the admin clears it explicitly.
    await sessions.delete(param(c.req.param("business"), phoneSchema, "business number"), param(c.req.param("customer"), phoneSchema, "customer number"), { clearOptOut: clear === "clear" });
    return c.body(null, 204);
  });

  app.get("/deliveries", async (c) => c.json({ deliveries: await c.var.services.deliveries.list() }));

  app.post("/deliveries/:id/retry", async (c) => {
    const result = await c.var.services.deliveries.retry(c.req.param("id"));
    if (!result.found) throw new AppError("ERR_NOT_FOUND", "no such delivery (delivered ones are removed)");
    return c.json(result, result.delivered ? 200 : 502);
  });

  return app;
}
