/**
 * Reads what a customer can tap in an interactive message as the Messages API received it, so a tap is
 * answered with the title and description the message itself showed, as WhatsApp does.
 */
import { isObject } from "./json.js";

export interface Choice {
  id: string;
  title: string;
  description?: string;
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The reply buttons or list rows, in the order shown; empty for anything else. */
export function choicesOf(interactive: unknown): Choice[] {
  if (!isObject(interactive) || !isObject(interactive["action"])) return [];
  const action = interactive["action"];
  const out: Choice[] = [];
  const add = (id: unknown, title: unknown, description?: unknown) => {
    const i = text(id);
    const t = text(title);
    if (i === undefined || t === undefined) return;
    const d = text(description);
    out.push(d === undefined ? { id: i, title: t } : { id: i, title: t, description: d });
  };
  if (interactive["type"] === "button" && Array.isArray(action["buttons"])) {
    for (const b of action["buttons"]) if (isObject(b) && isObject(b["reply"])) add(b["reply"]["id"], b["reply"]["title"]);
  } else if (interactive["type"] === "list" && Array.isArray(action["sections"])) {
    for (const s of action["sections"]) {
      if (!isObject(s) || !Array.isArray(s["rows"])) continue;
      for (const r of s["rows"]) if (isObject(r)) add(r["id"], r["title"], r["description"]);
    }
  }
  return out;
}

/** The text a reply quotes: the message's body. */
export function bodyTextOf(interactive: unknown): string {
  if (!isObject(interactive) || !isObject(interactive["body"])) return "";
  return text(interactive["body"]["text"]) ?? "";
}

export function isButtonMessage(interactive: unknown): boolean {
  return isObject(interactive) && interactive["type"] === "button";
}
