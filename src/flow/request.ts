/**
 * Request nodes (pure): the request a walk needs (URL and body filled from the conversation's values, and a key
 * derived from the conversation and the step), and what its result does to the session.
 */
import type { CompiledRequest, ListMapping } from "../menus/compiled.js";
import { fillPlaceholders, type PlaceholderValues } from "../menus/words.js";
import { clip } from "./clip.js";
import { LIST_ITEMS_MAX, LIST_TEXT_MAX, LISTS_MAX, VAR_VALUE_MAX, setVars } from "./vars.js";
import type { FetchNeed, FetchResult, ListItem, Session } from "./types.js";

/** Ids of list items are echoed back by WhatsApp in taps: never clipped, so longer ones are left out. */
export const LIST_ID_MAX = 64;

const PLACEHOLDER = /\{\{[^}]*\}\}/g;

/** Fills every string of a JSON value. */
function fillJson(value: unknown, values: PlaceholderValues): unknown {
  if (typeof value === "string") return fillPlaceholders(value, values);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, values));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, values)]));
  return value;
}

/** The request node `id` as this session sends it. `inbound` is the message being handled (null: a business start). */
export function requestNeed(node: CompiledRequest, id: string, session: Session, values: PlaceholderValues, inbound: string | null): FetchNeed {
  const url = node.url.replace(PLACEHOLDER, (m) => encodeURIComponent(fillPlaceholders(m, values)));
  const step = (session.step ?? 0) + 1;
  const need: FetchNeed = { node: id, key: `${session.conversation ?? session.startedAt}/${step}/${id}/${inbound ?? "start"}`, method: node.method, url, timeoutMs: node.timeoutMs };
  if (node.method === "POST") need.body = JSON.stringify(fillJson(node.body ?? {}, values));
  return need;
}

/** The value at a dot path (`slots.0.id`); own properties only. */
export function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const scalar = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);

/** An array in the response as list items: bounded, ids unique, items without an id or title left out. */
function listOf(json: unknown, map: ListMapping): ListItem[] {
  const raw = at(json, map.path);
  if (!Array.isArray(raw)) return [];
  const items: ListItem[] = [];
  const ids = new Set<string>();
  for (const entry of raw) {
    if (items.length >= LIST_ITEMS_MAX) break;
    const id = scalar(at(entry, map.id))?.trim();
    const title = scalar(at(entry, map.title))?.trim();
    if (!id || !title || id.length > LIST_ID_MAX || ids.has(id)) continue;
    ids.add(id);
    const description = map.description === undefined ? undefined : scalar(at(entry, map.description))?.trim();
    items.push({ id, title: clip(title, LIST_TEXT_MAX), ...(description ? { description: clip(description, LIST_TEXT_MAX) } : {}) });
  }
  return items;
}

/** The session after a request's result: on success its saves and lists (a value the answer lacks is unset). */
export function applyResult(node: CompiledRequest, session: Session, result: FetchResult): { session: Session; ok: boolean } {
  if (!result.ok) return { session, ok: false };
  const saved: Record<string, string | undefined> = {};
  for (const [name, path] of Object.entries(node.save)) {
    const v = scalar(at(result.json, path));
    saved[name] = v === undefined ? undefined : clip(v, VAR_VALUE_MAX);
  }
  let next = setVars(session, saved);
  const listNames = Object.keys(node.lists);
  if (listNames.length > 0) {
    const lists: Record<string, ListItem[]> = { ...next.lists };
    for (const name of listNames) lists[name] = listOf(result.json, node.lists[name]!);
    // Bounded: the lists saved last are kept.
    const names = Object.keys(lists);
    for (const name of names.slice(0, Math.max(0, names.length - LISTS_MAX))) delete lists[name];
    next = { ...next, lists };
  }
  return { session: next, ok: true };
}
