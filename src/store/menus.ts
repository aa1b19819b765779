/**
 * Menus in the MENUS store, as immutable versions plus a pointer to the current one, and the bindings of
 * business numbers to menus. Parsed menus are cached per isolate: a version never changes once written.
 */
import { AppError } from "../errors.js";
import type { MenuRef } from "../flow/engine.js";
import type { Menu } from "../menus/schema.js";
import { parseMenu } from "../menus/validate.js";
import type { KvStore } from "./kv.js";

export interface MenuPointer {
  id: string;
  /** The version new conversations start on. */
  current: number;
  /** The highest version ever published. */
  latest: number;
  updatedAt: string;
}

interface StoredVersion {
  menu: unknown;
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
  /** A menu version, parsed; null when it does not exist. */
  load(id: string, version: number): Promise<MenuRef | null>;
  /** The current version of a menu, or null. */
  current(id: string): Promise<MenuRef | null>;
  /** The menu a new conversation with this business number starts: its binding, else the default. */
  resolveFor(business: string): Promise<MenuRef | null>;
  /** Validates and stores `doc` as the next version, and makes it current. */
  publish(doc: unknown, now: string): Promise<MenuRef>;
  bind(number: string | "default", menuId: string): Promise<void>;
}

export function menuRepo(kv: KvStore): MenuRepo {
  // Keyed by id@version; safe for the isolate's life because versions are immutable.
  const parsed = new Map<string, Promise<MenuRef | null>>();

  async function fetchVersion(id: string, version: number): Promise<MenuRef | null> {
    const stored = await kv.get<StoredVersion>(menuKeys.version(id, version), { cacheTtl: VERSION_CACHE_TTL });
    if (stored === null) return null;
    // Stored versions were validated on the way in; parsing again here happens once per isolate.
    return { menu: parseMenu(stored.value.menu, `menu ${id}@${version}`), version };
  }

  const repo: MenuRepo = {
    load(id, version) {
      const key = `${id}@${version}`;
      let hit = parsed.get(key);
      if (hit === undefined) {
        hit = fetchVersion(id, version);
        parsed.set(key, hit);
        // Misses and failures are not remembered: the version may become visible a moment later.
        hit.then((r) => r === null && parsed.delete(key), () => parsed.delete(key));
      }
      return hit;
    },
    async current(id) {
      const pointer = await kv.get<MenuPointer>(menuKeys.pointer(id), { cacheTtl: POINTER_CACHE_TTL });
      if (pointer === null) return null;
      const ref = await repo.load(id, pointer.value.current);
      // Eventual consistency: a pointer can be seen before the version it names; retrying later helps.
      if (ref === null) throw new AppError("ERR_MENU_NOT_FOUND", 503, `menu ${id}@${pointer.value.current} is not readable yet`);
      return ref;
    },
    async resolveFor(business) {
      const bound =
        (await kv.get<{ menuId: string }>(menuKeys.binding(business), { cacheTtl: POINTER_CACHE_TTL })) ??
        (await kv.get<{ menuId: string }>(menuKeys.defaultBinding, { cacheTtl: POINTER_CACHE_TTL }));
      return bound === null ? null : repo.current(bound.value.menuId);
    },
    async publish(doc, now) {
      const menu: Menu = parseMenu(doc);
      const pointer = await kv.get<MenuPointer>(menuKeys.pointer(menu.id));
      const version = (pointer?.value.latest ?? 0) + 1;
      await kv.put(menuKeys.version(menu.id, version), { menu: doc, publishedAt: now } satisfies StoredVersion);
      await kv.put(menuKeys.pointer(menu.id), { id: menu.id, current: version, latest: version, updatedAt: now } satisfies MenuPointer);
      return { menu, version };
    },
    async bind(number, menuId) {
      await kv.put(number === "default" ? menuKeys.defaultBinding : menuKeys.binding(number), { menuId });
    },
  };
  return repo;
}
