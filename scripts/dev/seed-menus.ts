/**
 * Loads the example menus (`menus/*.json`) into the local KV that `wrangler dev` serves, through the
 * worker's own menu store, so the layout is exactly the one the worker reads. A menu whose file changed is
 * published as a new version: versions stay immutable, as they are in production.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { getPlatformProxy } from "wrangler";
import { checkMenu } from "../../src/menus/compile.js";
import { menuRepo } from "../../src/store/menus.js";
import { workersKv, type KvNamespaceLike } from "../../src/store/workers-kv.js";
import { DevError } from "./dev-error.js";

export interface ExampleMenu {
  file: string;
  id: string;
  name: string;
  doc: unknown;
}

/** Reads and checks every menu file; throws one DevError that lists every problem of every file. */
export async function readExampleMenus(dir: string): Promise<{ menus: ExampleMenu[]; warnings: string[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const menus: ExampleMenu[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(path, "utf8")) as unknown;
    } catch (e) {
      problems.push(`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    const report = checkMenu(doc);
    for (const w of report.warnings) warnings.push(`${path} ${w.path}: ${w.message}`);
    if (report.menu === null) {
      for (const p of report.errors) problems.push(`${path} ${p.path}: ${p.message}`);
      continue;
    }
    if (menus.some((m) => m.id === report.menu!.id)) problems.push(`${path}: another file already has the id "${report.menu.id}"`);
    menus.push({ file: path, id: report.menu.id, name: report.menu.name ?? report.menu.id, doc });
  }
  if (problems.length > 0) {
    throw new DevError(`the example menus have problems; fix them (or move the file out of ${dir}) and start again:\n  ${problems.join("\n  ")}`);
  }
  if (menus.length === 0) throw new DevError(`no menu files (*.json) in ${dir}: put at least one menu there`);
  return { menus, warnings };
}

export interface SeedResult {
  /** `id@version` of each menu, and whether this start published it. */
  versions: Array<{ id: string; version: number; published: boolean }>;
  defaultMenu: string;
}

/**
 * Publishes each menu whose current version differs from its file, and binds `defaultMenu` as the menu for
 * every business number. `persistDir` is the folder given to `wrangler dev --persist-to`.
 */
export async function seedMenus(options: { configPath: string; persistDir: string; menus: ExampleMenu[]; defaultMenu: string }): Promise<SeedResult> {
  const proxy = await getPlatformProxy<{ MENUS: KvNamespaceLike }>({ configPath: options.configPath, persist: { path: join(options.persistDir, "v3") } });
  try {
    const repo = menuRepo(workersKv(proxy.env.MENUS, { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }));
    const now = new Date().toISOString();
    const versions: SeedResult["versions"] = [];
    for (const m of options.menus) {
      // Compared as uploaded: the file is the document, the compiled form follows from it.
      const pointer = await repo.pointer(m.id);
      const stored = pointer === null ? null : await repo.document(m.id, pointer.current);
      if (pointer !== null && stored !== null && isDeepStrictEqual(stored.menu, m.doc)) {
        versions.push({ id: m.id, version: pointer.current, published: false });
      } else {
        versions.push({ id: m.id, version: (await repo.publish(m.doc, now)).version, published: true });
      }
    }
    await repo.bind("default", options.defaultMenu);
    return { versions, defaultMenu: options.defaultMenu };
  } finally {
    await proxy.dispose();
  }
}
