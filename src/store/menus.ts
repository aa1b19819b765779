/**
 * Menus in the MENUS store, as immutable versions plus a pointer to the current one, and the bindings of
 * business numbers to menus. Compiled menus are cached per isolate: a version never changes once written.
 */
import { AppError } from "../errors.js";
import type { MenuRef } from "../flow/engine.js";
import type { CompiledMenu } from "../menus/compiled.js";
import { parseMenu } from "../menus/compile.js";
import type { KvStore } from "./kv.js";

export interface MenuPointer {
  id: string;
  /** The version new conversations start on. */
  current: number;
  /** The highest version ever published. */
  latest: number;
  updatedAt: string;
}

export interface StoredVersion {
  /** The document as uploaded (what `GET` and `pull` give back). */
  menu: unknown;
  /** The compiled form, so that loading a version needs no validation. */
  compiled?: CompiledMenu;
  publishedAt: string;
}

export const menuKeys = {
  pointer: (id: string) => `menu:${id}`,
  version: (id: string, version: number) => `menu:${id}@${version}`,
  binding: (number: string) => `binding:${number}`,
  defaultBinding: "binding:default",
};

/** Immutable versions may be cached at the edge for long; pointers and bindings only briefly. */
const VERSION_CACHE_TTL = 3600;
const POINTER_CACHE_TTL = 30;

export interface MenuRepo {
  /** A menu version, compiled; null when it does not exist. */
  load(id: string, version: number): Promise<MenuRef | null>;
  /** The current version of a menu, or null. */
  current(id: string): Promise<MenuRef | null>;
  /** The menu a new conversation with this business number starts: its binding, else the default. */
  resolveFor(business: string): Promise<MenuRef | null>;
  /** Validates and stores `doc` as the next version, and makes it current. */
  publish(doc: unknown, now: string): Promise<MenuRef>;
  pointer(id: string): Promise<MenuPointer | null>;
  /** The stored version as uploaded, or null. */
  document(id: string, version: number): Promise<StoredVersion | null>;
  list(): Promise<MenuPointer[]>;
  /** Stops new conversations on the menu; its versions expire after `keepSeconds`, once no session can need them. */
  remove(id: string, keepSeconds: number): Promise<boolean>;
  bind(number: string | "default", menuId: string): Promise<void>;
  unbind(number: string | "default"): Promise<void>;
  bindings(): Promise<Array<{ number: string; menuId: string }>>;
}

export function menuRepo(kv: KvStore): MenuRepo {
  // Keyed by id@version; safe for the isolate's life because versions are immutable.
  const compiled = new Map<string, Promise<MenuRef | null>>();

  async function fetchVersion(id: string, version: number): Promise<MenuRef | null> {
    const stored = await kv.get<StoredVersion>(menuKeys.version(id, version), { cacheTtl: VERSION_CACHE_TTL });
    if (stored === null) return null;
    const ready = stored.value.compiled;
    // Versions written by older releases (or seeded by hand) carry only the document: compile it once here.
    return { menu: ready?.format === 1 ? ready : parseMenu(stored.value.menu, `menu ${id}@${version}`), version };
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
      return (await kv.get<MenuPointer>(menuKeys.pointer(id), { cacheTtl: POINTER_CACHE_TTL }))?.value ?? null;
    },
    async current(id) {
      const pointer = await repo.pointer(id);
      if (pointer === null) return null;
      const ref = await repo.load(id, pointer.current);
      // Eventual consistency: a pointer can be seen before the version it names; retrying later helps.
      if (ref === null) throw new AppError("ERR_MENU_NOT_READABLE_YET", `menu ${id}@${pointer.current} is not readable yet`);
      return ref;
    },
    async resolveFor(business) {
      const bound =
        (await kv.get<{ menuId: string }>(menuKeys.binding(business), { cacheTtl: POINTER_CACHE_TTL })) ?? (await kv.get<{ menuId: string }>(menuKeys.defaultBinding, { cacheTtl: POINTER_CACHE_TTL }));
      return bound === null ? null : repo.current(bound.value.menuId);
    },
    async publish(doc, now) {
      const menu = parseMenu(doc);
      const pointer = (await kv.get<MenuPointer>(menuKeys.pointer(menu.id)))?.value ?? null;
      const version = (pointer?.latest ?? 0) + 1;
      // The version first, then the pointer: a reader never sees a pointer to nothing for long.
      await kv.put(menuKeys.version(menu.id, version), { menu: doc, compiled: menu, publishedAt: now } satisfies StoredVersion);
      await kv.put(menuKeys.pointer(menu.id), { id: menu.id, current: version, latest: version, updatedAt: now } satisfies MenuPointer);
      return { menu, version };
    },
    async document(id, version) {
      return (await kv.get<StoredVersion>(menuKeys.version(id, version)))?.value ?? null;
    },
    async list() {
      const keys = (await kv.list("menu:")).filter((k) => !k.includes("@"));
      const pointers = await Promise.all(keys.map((k) => kv.get<MenuPointer>(k)));
      return pointers.flatMap((p) => (p ? [p.value] : []));
    },
    async remove(id, keepSeconds) {
      const pointer = (await kv.get<MenuPointer>(menuKeys.pointer(id)))?.value;
      if (!pointer) return false;
      await kv.delete(menuKeys.pointer(id));
      for (let v = 1; v <= pointer.latest; v++) {
        const stored = await kv.get<StoredVersion>(menuKeys.version(id, v));
        if (stored) await kv.put(menuKeys.version(id, v), stored.value, { ttlSeconds: keepSeconds });
      }
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
      const values = await Promise.all(keys.map((k) => kv.get<{ menuId: string }>(k)));
      return keys.flatMap((k, i) => (values[i] ? [{ number: k.slice("binding:".length), menuId: values[i].value.menuId }] : []));
    },
  };
  return repo;
}
