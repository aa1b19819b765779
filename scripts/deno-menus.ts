/**
 * Publishes menu files into the Deno KV database the Deno entry uses, and binds numbers to menus:
 * `npm run menus:deno -- menus/cafe.json --bind default=cafe`. What `wrangler kv` does for Workers KV.
 */
import { MenuInvalidError } from "../src/errors.js";
import { denoKv, MENUS_NAMESPACE } from "../src/store/deno-kv.js";
import { menuRepo } from "../src/store/menus.js";
import { isTemplateFile, TEMPLATE_FILE_NOTE } from "../sim/template-file.js";

const USAGE = "usage: npm run menus:deno -- <menu.json>... [--bind <number|default>=<menu id>]...";

const files: string[] = [];
const binds: Array<[string, string]> = [];
for (let i = 0; i < Deno.args.length; i++) {
  const arg = Deno.args[i]!;
  if (arg === "--bind") {
    const [number, menuId] = (Deno.args[++i] ?? "").split("=");
    if (!number || !menuId) throw new Error(`--bind takes <number|default>=<menu id>\n${USAGE}`);
    binds.push([number, menuId]);
  } else files.push(arg);
}
if (files.length === 0 && binds.length === 0) {
  console.error(USAGE);
  Deno.exit(2);
}

const path = Deno.env.get("DENO_KV_PATH") || undefined;
const kv = await Deno.openKv(path);
const menus = menuRepo(denoKv(kv, { namespace: MENUS_NAMESPACE }));
try {
  for (const file of files) {
    try {
      const doc: unknown = JSON.parse(await Deno.readTextFile(file));
      if (isTemplateFile(doc)) {
        console.log(`${file}: ${TEMPLATE_FILE_NOTE}`);
        continue;
      }
      const { menu, version } = await menus.publish(doc, new Date().toISOString());
      console.log(`${file}: published menu "${menu.id}" version ${version}, now current`);
    } catch (e) {
      if (!(e instanceof MenuInvalidError)) throw e;
      console.error(`${file}: ${e.message}`);
      for (const p of e.problems) console.error(`  ${p.path}: ${p.message}`);
      Deno.exitCode = 1;
    }
  }
  for (const [number, menuId] of binds) {
    if ((await menus.current(menuId)) === null) throw new Error(`no menu "${menuId}" to bind ${number} to: publish it first`);
    await menus.bind(number === "default" ? "default" : number.replace(/^\+/, ""), menuId);
    console.log(`${number === "default" ? "numbers without a binding" : number} now start menu "${menuId}"`);
  }
} finally {
  kv.close();
}
console.log(`Deno KV: ${path ?? "Deno's default database"}`);
