/**
 * Menus in the MENUS store, as immutable versions plus a pointer to the current one, and the bindings of
 * business numbers to menus. Compiled menus are cached per isolate: a version never changes once written.
 */
import { AppError, MenuInvalidError } from "../errors.js";
import type { MenuRef } from "../flow/engine.js";
import { type CompiledMenu, inCurrentFormat } from "../menus/compiled.js";
import type { CheckOptions } from "../menus/compile.js";
import type { KvEntry, KvStore } from "./kv.js";

export interface MenuPointer {
  id: string;
  /** The version new conversations start on. */
  current: number;
  /** The highest version ever published: a number is never given twice, even after a delete. */
  latest: number;
  updatedAt: string;
  /** Set by a delete: no new conversation starts on the menu; its history is kept so numbers are not reused. */
  deletedAt?: string;
}

export interface StoredVersion {
  /** The document as uploaded (what `GET` and `pull` give back). */
  menu: unknown;
  /** The compiled form, so that loading a version needs no validation. */
  compiled?: CompiledMenu;
  publishedAt: string;
  /** A random id of the publish that wrote it: without compare-and-set, a read-back tells which publish won. */
  publish?: string;
}

export const menuKeys = {
  pointer: (id: string) => `menu:${id}`,
  version: (id: string, version: number) => `menu:${id}@${version}`,
  binding: (number: string) => `binding:${number}`,
  defaultBinding: "binding:default",
};

/**
 * The menu compiler (and its zod schemas), loaded on first use: a webhook reads versions stored compiled, so a cold
 * isolate that only answers customers never evaluates it (the bundler makes a dynamic import a lazy module).
 */
const compiler = () => import("../menus/compile.js");

/** Immutable versions may be cached at the edge for long; pointers and bindings only briefly. */
const VERSION_CACHE_TTL = 3600;
const POINTER_CACHE_TTL = 30;

export interface MenuRepo {
  /** A menu version, compiled; null when it does not exist. */
  load(id: string, version: number): Promise<MenuRef | null>;
  /** The current version of a menu, or null. */
  current(id: string): Promise<MenuRef | null>;
  /**
   * The menu a new conversation with this business number starts: its binding, else the default. `likely` (the
   * menu the customer's last conversation ran) has its pointer read in the same operation as the bindings, so a
   * returning customer's new conversation costs one read.
   */
  resolveFor(business: string, likely?: string): Promise<MenuRef | null>;
  /** Validates and stores `doc` as the next version (never a number used before), and makes it current. */
  publish(doc: unknown, now: string, options?: CheckOptions): Promise<MenuRef>;
  pointer(id: string): Promise<MenuPointer | null>;
  /** The stored version as uploaded, or null. */
  document(id: string, version: number): Promise<StoredVersion | null>;
  list(): Promise<MenuPointer[]>;
  /** Stops new conversations on the menu; its versions stay readable for the conversations in progress. */
  remove(id: string, now: string): Promise<boolean>;
  bind(number: string | "default", menuId: string): Promise<void>;
  unbind(number: string | "default"): Promise<void>;
  bindings(): Promise<Array<{ number: string; menuId: string }>>;
}

export interface MenuRepoOptions {
  /** Random ids for publishes; the wait between writing a version and reading it back where KV has no compare-and-set. */
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
  settleMs?: number;
}

/** A deleted menu's pointer is kept (see `remove`) but names nothing new conversations start on. */
const live = (pointer: MenuPointer | null) => (pointer === null || pointer.deletedAt !== undefined ? null : pointer);

/** Publishes racing for the same number: each loser moves on to the next one. */
const PUBLISH_TRIES = 5;

export function menuRepo(kv: KvStore, options: MenuRepoOptions = {}): MenuRepo {
  const newId = options.newId ?? (() => crypto.randomUUID());
  const settle = () => (options.settleMs && options.sleep ? options.sleep(options.settleMs) : Promise.resolve());
  // Keyed by id@version; safe for the isolate's life because versions are immutable.
  const compiled = new Map<string, Promise<MenuRef | null>>();

  async function fetchVersion(id: string, version: number): Promise<MenuRef | null> {
    const stored = await kv.get<StoredVersion>(menuKeys.version(id, version), { cacheTtl: VERSION_CACHE_TTL });
    if (stored === null) return null;
    const ready = inCurrentFormat(stored.value.compiled);
    if (ready !== null) return { menu: ready, version };
    // Versions written by older releases (or seeded by hand) carry only the document: compile it once here. One
    // that this release's checks refuse is an operator's problem, not the caller's (see ERR_MENU_STORED_INVALID).
    try {
      return { menu: (await compiler()).parseMenu(stored.value.menu, `menu ${id}@${version}`, { allowLocalWebhooks: true }), version };
    } catch (error) {
      if (!(error instanceof MenuInvalidError)) throw error;
      const first = error.problems[0];
      const said = first === undefined ? "" : ` (${first.path}: ${first.message}${error.problems.length > 1 ? `, and ${error.problems.length - 1} more` : ""})`;
      throw new AppError("ERR_MENU_STORED_INVALID", `menu ${id}@${version} was stored by an older release and fails this release's checks${said}; fix it (wa-menu validate) and publish it again`, {
        details: { problems: error.problems },
      });
    }
  }

  /** The version a live pointer names, compiled; null for no pointer or a deleted menu. */
  async function currentOf(id: string, pointer: MenuPointer | null): Promise<MenuRef | null> {
    if (pointer === null) return null;
    const ref = await repo.load(id, pointer.current);
    // Eventual consistency: a pointer can be seen before the version it names; retrying later helps.
    if (ref === null) throw new AppError("ERR_MENU_NOT_READABLE_YET", `menu ${id}@${pointer.current} is not readable yet`);
    return ref;
  }

  const binding = (number: string) => (number === "default" ? menuKeys.defaultBinding : menuKeys.binding(number));

  const repo: MenuRepo = {
    load(id, version) {
      const key = `${id}@${version}`;
      let hit = compiled.get(key);
      if (hit === undefined) {
        hit = fetchVersion(id, version);
        compiled.set(key, hit);
        // Misses and failures are not remembered: the version may become visible a moment later.
        hit.then(
          (r) => r === null && compiled.delete(key),
          () => compiled.delete(key),
        );
      }
      return hit;
    },
    async pointer(id) {
      return live((await kv.get<MenuPointer>(menuKeys.pointer(id), { cacheTtl: POINTER_CACHE_TTL }))?.value ?? null);
    },
    async current(id) {
      return currentOf(id, await repo.pointer(id));
    },
    async resolveFor(business, likely) {
      // The number's own binding, the default and the likely menu's pointer in one read.
      const keys = [menuKeys.binding(business), menuKeys.defaultBinding, ...(likely === undefined ? [] : [menuKeys.pointer(likely)])];
      const [own, fallback, pointer] = await kv.getMany<unknown>(keys, { cacheTtl: POINTER_CACHE_TTL });
      const bound = ((own ?? fallback) as KvEntry<{ menuId: string }> | null)?.value.menuId;
      if (bound === undefined) return null;
      return bound === likely ? currentOf(bound, live((pointer as KvEntry<MenuPointer> | null)?.value ?? null)) : repo.current(bound);
    },
    async publish(doc, now, checks) {
      const menu = (await compiler()).parseMenu(doc, undefined, checks);
      const pointer = (await kv.get<MenuPointer>(menuKeys.pointer(menu.id)))?.value ?? null;
      const publish = newId();
      let version = (pointer?.latest ?? 0) + 1;
      for (let attempt = 1; ; attempt++) {
        // A version is written once: "only if absent" where the store can say so; elsewhere a read-back shows
        // whether a concurrent publish took the number, and then the next one is tried.
        const record: StoredVersion = { menu: doc, compiled: menu, publishedAt: now, publish };
        const taken = (await kv.get<StoredVersion>(menuKeys.version(menu.id, version))) !== null;
        let won = false;
        if (!taken && (await kv.put(menuKeys.version(menu.id, version), record, { ifVersion: null }))) {
          if (kv.atomic) won = true;
          else {
            await settle();
            won = (await kv.get<StoredVersion>(menuKeys.version(menu.id, version)))?.value.publish === publish;
          }
        }
        if (won) break;
        if (attempt >= PUBLISH_TRIES) throw new AppError("ERR_STORE_UNAVAILABLE", `menu ${menu.id}: other publishes kept taking the next version number; try again`);
        version++;
      }
      // The version first, then the pointer: a reader never sees a pointer to nothing for long.
      const latest = Math.max(version, pointer?.latest ?? 0);
      await kv.put(menuKeys.pointer(menu.id), { id: menu.id, current: version, latest, updatedAt: now } satisfies MenuPointer);
      return { menu, version };
    },
    async document(id, version) {
      return (await kv.get<StoredVersion>(menuKeys.version(id, version)))?.value ?? null;
    },
    async list() {
      // Every key: the versions share the pointers' prefix (menu:a@1 sorts before menu:b), so a capped list
      // would hide the menus after a thousand versions. The pointers then in bulk reads, not one operation each.
      const keys = (await kv.list("menu:", Number.POSITIVE_INFINITY)).filter((k) => !k.includes("@"));
      const pointers = await kv.getMany<MenuPointer>(keys);
      return pointers.flatMap((p) => (p && p.value.deletedAt === undefined ? [p.value] : []));
    },
    async remove(id, now) {
      const pointer = (await kv.get<MenuPointer>(menuKeys.pointer(id)))?.value;
      if (!pointer || pointer.deletedAt !== undefined) return false;
      // The pointer stays, marked: the next publish continues from `latest`, so a number is never reused and
      // a conversation still on an old version never finds another menu under it.
      await kv.put(menuKeys.pointer(id), { ...pointer, deletedAt: now } satisfies MenuPointer);
      return true;
    },
    async bind(number, menuId) {
      await kv.put(binding(number), { menuId });
    },
    async unbind(number) {
      await kv.delete(binding(number));
    },
    async bindings() {
      const keys = await kv.list("binding:");
      const values = await kv.getMany<{ menuId: string }>(keys);
      return keys.flatMap((k, i) => (values[i] ? [{ number: k.slice("binding:".length), menuId: values[i].value.menuId }] : []));
    },
  };
  return repo;
}
