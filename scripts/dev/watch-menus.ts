/**
 * While `npm start` runs, a menu file saved under the menus folder is checked as at start-up and, when it is new
 * or its document is not the current version's, published to the running worker through its admin API (as
 * `wa-menu push` does): save, then tap. Every problem is printed with its JSON path and nothing is published; the page is told too.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { MenuFileEvent } from "../../sim/workbench-api.js";
import type { WorkerClient } from "../../sim/worker-client.js";
import { checkMenuFile, hashOf, menuFiles, readRecord, writeRecord, type CheckedFile, type ExampleMenu } from "./seed-menus.js";

export type Publish = (id: string, doc: unknown) => Promise<{ ok: true; version: number } | { ok: false; problems: string[] }>;
/** The menu's current version on the worker and its document as uploaded, or null when it has none. */
export type Current = (id: string) => Promise<{ version: number; doc: unknown } | null>;

export interface WatchOptions {
  dir: string;
  /** The menus published at start-up, by file. */
  menus: ExampleMenu[];
  /** `seeded-menus.json`: what was published from which document; kept up to date, so a restart does not publish again. */
  recordPath: string;
  /** The document local KV gets for a file's (its placeholder webhooks pointed at the local receiver). */
  prepare: (doc: unknown) => unknown;
  /** What a saved file is compared with: a version pushed by hand since (wa-menu push) is current too. */
  current: Current;
  publish: Publish;
  /** A path as the terminal shows it. */
  show: (path: string) => string;
  say: (line: string) => void;
  /** What became of a changed file, and the menus the page offers to start from now on. */
  onResult: (event: MenuFileEvent, menus: Array<{ id: string; name: string }>) => void;
  /** Editors write a file in several steps; one change is handled once they are done. Default 150 ms. */
  settleMs?: number;
  /** Waits before a file that is not JSON is read again (setTimeout by default). */
  pause?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Reads of a file that is not JSON, a settle apart, before it is reported as it is. */
const MAX_REREADS = 20;
/** How long after a file was taken its writer's own later change events are not news (one save's events come within it). */
const SETTLED_QUIET_MS = 1_000;

export interface MenuWatcher {
  close(): void;
}

/** Publishes through the worker's admin API; its 422 lists every problem with its path. */
export function adminPublisher(worker: WorkerClient): Publish {
  return async (id, doc) => {
    const result = await worker.admin("PUT", `/menus/${encodeURIComponent(id)}`, doc);
    if (result.ok) return { ok: true, version: Number(result.body["version"]) };
    const problems = result.body?.["problems"];
    if (Array.isArray(problems)) return { ok: false, problems: problems.map((p: { path?: unknown; message?: unknown }) => `${String(p.path)}: ${String(p.message)}`) };
    return { ok: false, problems: [result.message] };
  };
}

/**
 * Reads the current version through the worker's admin API; a refusal other than "no such menu" is thrown. A menu
 * the list does not name is not asked for: the worker would log the 404 as a failed request, and a new file saved in
 * menus/ would print a warning in the terminal just before it is published.
 */
export function adminCurrent(worker: WorkerClient): Current {
  return async (id) => {
    const listed = await worker.admin("GET", "/menus");
    if (!listed.ok) throw new Error(`the worker did not list its menus: ${listed.message}`);
    if (!(listed.body["menus"] as { id: string }[]).some((m) => m.id === id)) return null;
    const result = await worker.admin("GET", `/menus/${encodeURIComponent(id)}`);
    if (result.ok) return { version: Number(result.body["version"]), doc: result.body["menu"] };
    if (result.status === 404) return null;
    throw new Error(`the worker did not say which version of "${id}" is current: ${result.message}`);
  };
}

/** A file an editor saves as a menu, not its swap or backup files. */
const isMenuFile = (name: string) => name.endsWith(".json") && !name.startsWith(".");

export function watchMenus(options: WatchOptions): MenuWatcher {
  const settleMs = options.settleMs ?? 150;
  const pause = options.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  /** Which file holds which menu, as last read. */
  const byFile = new Map(options.menus.map((m) => [m.file, { id: m.id, name: m.name }]));
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * The text a file was taken with after it was read again, and when: the change events of that same save, seen after
   * the read, are not news. A later save of the same text is (its publish may have failed, or another file was fixed).
   */
  const settledText = new Map<string, { text: string; at: number }>();
  // One file at a time: each publish reads and rewrites the record.
  let queue: Promise<void> = Promise.resolve();

  const list = () => [...byFile.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => ({ ...m }));

  function report(event: Omit<MenuFileEvent, "at" | "warnings" | "problems"> & Partial<MenuFileEvent>): void {
    options.onResult({ at: new Date(now()).toISOString(), problems: [], warnings: [], ...event }, list());
  }

  /**
   * The file as its writer left it. An editor that saves in place truncates the file, then writes it (maybe in parts),
   * and the watch reports the first of those changes: a file that is not JSON may have been read half-way, so it is
   * read again after a pause, and taken as it is once it did not change over one. Null: the file is as it was taken
   * after such a wait (the rest's own change, seen after the read that found it), so there is nothing new to say.
   */
  async function settled(path: string): Promise<CheckedFile | null> {
    let checked = await checkMenuFile(path);
    const taken = settledText.get(path);
    if (taken !== undefined && checked.text === taken.text && now() - taken.at < SETTLED_QUIET_MS) return null;
    settledText.delete(path);
    let reread = false;
    for (let n = 0; checked.notJson === true && n < MAX_REREADS; n++) {
      const before = checked.text;
      await pause(settleMs);
      reread = true;
      checked = await checkMenuFile(path);
      if (checked.text === before) break;
    }
    if (reread && checked.text !== undefined) settledText.set(path, { text: checked.text, at: now() });
    return checked;
  }

  async function handle(path: string, quietIfUnchanged: boolean): Promise<void> {
    const file = options.show(path);
    const checked = await settled(path);
    if (checked === null) return;
    if (checked.gone === true) {
      const gone = byFile.get(path);
      if (gone === undefined) return;
      byFile.delete(path);
      options.say(`${file}: removed; menu "${gone.id}" stays published in local KV (npx wa-menu has the commands to change that)`);
      report({ file, outcome: "removed", id: gone.id });
      return;
    }
    const menu = checked.menu;
    const problems = [...checked.problems];
    if (menu !== null) {
      const other = [...byFile.entries()].find(([f, m]) => f !== path && m.id === menu.id);
      if (other !== undefined) problems.push(`${path}: ${options.show(other[0])} already has the id "${menu.id}"; give this menu another id`);
    }
    const warnings = checked.warnings.map((w) => w.replace(path, file));
    if (menu === null || problems.length > 0) {
      const shown = problems.map((p) => p.replace(path, file));
      options.say(`${file}: not published, ${shown.length} problem${shown.length === 1 ? "" : "s"}:`);
      for (const p of shown) options.say(`  ${p}`);
      report({ file, outcome: "invalid", problems: shown, warnings, ...(menu === null ? {} : { id: menu.id }) });
      return;
    }

    const doc = options.prepare(menu.doc);
    const sha256 = hashOf(doc);
    const record = (await readRecord(options.recordPath)) ?? {};
    const known = record[menu.id];
    byFile.set(path, { id: menu.id, name: menu.name });
    // At start-up, a file as it was seeded is no news: a version pushed by hand since stays current, as the seeding keeps it.
    if (quietIfUnchanged && known !== undefined && known.sha256 === sha256) return;
    // A save is compared with the worker's current version, not with this watcher's record: a push since makes a new one.
    const current = await options.current(menu.id);
    if (current !== null && isDeepStrictEqual(current.doc, doc)) {
      if (known?.sha256 !== sha256 || known.version !== current.version) {
        await writeRecord(options.recordPath, { ...((await readRecord(options.recordPath)) ?? {}), [menu.id]: { sha256, version: current.version } });
      }
      if (quietIfUnchanged) return;
      options.say(`${file}: nothing to publish, the document is as "${menu.id}" version ${current.version} (the current one) has it`);
      report({ file, outcome: "unchanged", id: menu.id, version: current.version, warnings });
      return;
    }
    const published = await options.publish(menu.id, doc);
    if (!published.ok) {
      options.say(`${file}: the worker did not publish it:`);
      for (const p of published.problems) options.say(`  ${p}`);
      report({ file, outcome: "invalid", id: menu.id, problems: published.problems, warnings });
      return;
    }
    await writeRecord(options.recordPath, { ...((await readRecord(options.recordPath)) ?? {}), [menu.id]: { sha256, version: published.version } });
    options.say(`${file}: published "${menu.id}" as version ${published.version}`);
    for (const w of warnings) options.say(`  warning: ${w}`);
    report({ file, outcome: "published", id: menu.id, version: published.version, warnings });
  }

  const enqueue = (path: string, quiet: boolean) => {
    queue = queue
      .then(() => handle(path, quiet))
      .catch((e: unknown) => {
        const file = options.show(path);
        const why = e instanceof Error ? e.message : String(e);
        options.say(`${file}: could not be handled: ${why}`);
        report({ file, outcome: "invalid", problems: [why] });
      });
  };

  let watcher: FSWatcher | undefined = watch(options.dir, (_event, name) => {
    if (name === null || !isMenuFile(basename(name))) return;
    const path = join(options.dir, basename(name));
    clearTimeout(timers.get(path));
    timers.set(
      path,
      setTimeout(() => {
        timers.delete(path);
        enqueue(path, false);
      }, settleMs),
    );
  });
  watcher.on("error", (e) => options.say(`watching ${options.show(options.dir)} stopped: ${e.message}; restart npm start to watch again`));

  // A file saved between the start-up's seeding and now is published too; the others are not mentioned.
  void menuFiles(options.dir).then((paths) => {
    for (const path of paths) enqueue(path, true);
  });

  return {
    close() {
      watcher?.close();
      watcher = undefined;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
