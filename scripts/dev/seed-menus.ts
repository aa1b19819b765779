/**
 * Loads the example menus (`menus/*.json`) into the local KV that `wrangler dev` serves, through the
 * worker's own menu store, so the layout is exactly the one the worker reads. A menu is published when it is
 * not there yet or its file changed since the last seeding, as a new version (versions stay immutable, as they
 * are in production); a version pushed by hand and a default bound by hand outlive a restart.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { getPlatformProxy } from "wrangler";
import { checkMenu } from "../../src/menus/compile.js";
import { menuRepo } from "../../src/store/menus.js";
import { workersKv, type KvNamespaceLike } from "../../src/store/workers-kv.js";
import { DevError } from "./dev-error.js";
import { TEMPLATES_FILE } from "./read-templates.js";

export interface ExampleMenu {
  file: string;
  id: string;
  name: string;
  doc: unknown;
}

/** One menu file, checked as the local worker checks an upload: its menu, or every problem it has. */
export interface CheckedFile {
  menu: ExampleMenu | null;
  problems: string[];
  warnings: string[];
  /** The file is not there (any more). */
  gone?: true;
  /** The file's text, when it could be read. */
  text?: string;
  /** The text is not JSON: a file being written may be read half-way (the watcher reads it again). */
  notJson?: true;
}

/**
 * Reads and checks one menu file. The local worker takes webhooks to this machine (ALLOW_LOCAL_WEBHOOKS), a
 * deployed one does not: such a webhook passes here with a warning saying so.
 */
export async function checkMenuFile(path: string): Promise<CheckedFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { menu: null, problems: [`${path}: the file is gone`], warnings: [], gone: true };
    return { menu: null, problems: [`${path}: cannot be read (${e instanceof Error ? e.message : String(e)})`], warnings: [] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (e) {
    return { menu: null, problems: [`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`], warnings: [], text, notJson: true };
  }
  const report = checkMenu(doc, { allowLocalWebhooks: true });
  const warnings = report.warnings.map((w) => `${path} ${w.path}: ${w.message}`);
  if (report.menu === null) return { menu: null, problems: report.errors.map((p) => `${path} ${p.path}: ${p.message}`), warnings, text };
  const deployed = checkMenu(doc);
  for (const p of deployed.errors) warnings.push(`${path} ${p.path}: a deployed worker refuses this (${p.message}); under npm start, https://example.com/<path> reaches the local receiver`);
  return { menu: { file: path, id: report.menu.id, name: report.menu.name ?? report.menu.id, doc }, problems: [], warnings, text };
}

/** The menu files of `dir`, in order. */
export async function menuFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => f.endsWith(".json") && f !== TEMPLATES_FILE)
    .sort()
    .map((f) => join(dir, f));
}

/** Reads and checks every menu file (all `*.json` but the templates); throws one DevError that lists every problem of every file. */
export async function readExampleMenus(dir: string): Promise<{ menus: ExampleMenu[]; warnings: string[] }> {
  const menus: ExampleMenu[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const path of await menuFiles(dir)) {
    const checked = await checkMenuFile(path);
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
    const menu = checked.menu;
    if (menu === null) continue;
    if (menus.some((m) => m.id === menu.id)) problems.push(`${path}: another file already has the id "${menu.id}"`);
    menus.push(menu);
  }
  if (problems.length > 0) {
    throw new DevError(`the example menus have problems; fix them (or move the file out of ${dir}) and start again:\n  ${problems.join("\n  ")}`);
  }
  if (menus.length === 0) throw new DevError(`no menu files (*.json) in ${dir}: put at least one menu there`);
  return { menus, warnings };
}

export interface SeedResult {
  /** `id@version` of each menu's current version, and whether this start published it. */
  versions: Array<{ id: string; version: number; published: boolean }>;
  /** The menu bound as the default after seeding, and whether this start bound it. */
  defaultMenu: string;
  bound: boolean;
}

/** What earlier starts (and the watcher) published, by menu id: a hash of the file's document and the version made from it. */
export type SeedRecord = Record<string, { sha256: string; version: number }>;

// Of the parsed document, not the bytes: a file only reformatted is no new version.
export const hashOf = (doc: unknown) => createHash("sha256").update(JSON.stringify(doc)).digest("hex");

export async function readRecord(path: string): Promise<SeedRecord | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as { menus?: SeedRecord };
    return typeof parsed.menus === "object" && parsed.menus !== null ? parsed.menus : null;
  } catch {
    // A record cut short (a start killed while writing it) only costs the comparison below; it is written anew.
    return null;
  }
}

export async function writeRecord(path: string, record: SeedRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${JSON.stringify({ menus: record }, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/**
 * Publishes each menu that local KV does not have yet or whose file changed since the last seeding (as told by
 * `recordPath`, which this rewrites), and binds `defaultMenu` as the default when no default is bound (or, with
 * `rebind`, when another one is). `persistDir` is the folder given to `wrangler dev --persist-to`.
 */
export async function seedMenus(options: { configPath: string; persistDir: string; recordPath: string; menus: ExampleMenu[]; defaultMenu: string; rebind?: boolean }): Promise<SeedResult> {
  const proxy = await getPlatformProxy<{ MENUS: KvNamespaceLike }>({ configPath: options.configPath, persist: { path: join(options.persistDir, "v3") } });
  try {
    const repo = menuRepo(workersKv(proxy.env.MENUS, { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }));
    const now = new Date().toISOString();
    const earlier = await readRecord(options.recordPath);
    const record: SeedRecord = { ...earlier };
    const versions: SeedResult["versions"] = [];
    for (const m of options.menus) {
      const sha256 = hashOf(m.doc);
      const pointer = await repo.pointer(m.id);
      let unchanged = false;
      if (pointer !== null) {
        const seeded = earlier?.[m.id];
        if (seeded !== undefined) {
          // Seeded before: only an edit of the file publishes, whatever was pushed since.
          unchanged = seeded.sha256 === sha256;
        } else {
          // No record of it (a dev folder from before records were kept): the current version as uploaded decides.
          const stored = await repo.document(m.id, pointer.current);
          unchanged = stored !== null && isDeepStrictEqual(stored.menu, m.doc);
          if (unchanged) record[m.id] = { sha256, version: pointer.current };
        }
      }
      if (unchanged) {
        versions.push({ id: m.id, version: pointer!.current, published: false });
        continue;
      }
      // As the local worker takes an upload: its webhooks may name the local receiver, its requests the example backend.
      const { version } = await repo.publish(m.doc, now, { allowLocalWebhooks: true });
      record[m.id] = { sha256, version };
      versions.push({ id: m.id, version, published: true });
    }
    await writeRecord(options.recordPath, record);

    const bound = (await repo.bindings()).find((b) => b.number === "default")?.menuId ?? null;
    if (bound === null || (options.rebind === true && bound !== options.defaultMenu)) {
      await repo.bind("default", options.defaultMenu);
      return { versions, defaultMenu: options.defaultMenu, bound: true };
    }
    return { versions, defaultMenu: bound, bound: false };
  } finally {
    await proxy.dispose();
  }
}
