/**
 * Under `npm start`, a menu's webhooks to a documentation host (example.com, example.net, example.org, their
 * subdomains, or a name under .example: reserved, so no real receiver can be there) go to the local receiver
 * instead. The menu files stay as they deploy; only the copy published to local KV names the receiver, with the
 * path and query kept, so `https://example.com/hooks/orders` arrives at `<receiver>/hooks/orders`.
 */

export const PLACEHOLDER_HOSTS = "example.com, example.net, example.org (or a subdomain) or a name under .example";

export function isPlaceholderHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  return /(^|\.)example\.(com|net|org)$/.test(h) || h === "example" || h.endsWith(".example");
}

/** The local URL for a placeholder `url`, or null when it names a real host (then it is left as it is). */
function localUrl(url: string, receiverUrl: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!isPlaceholderHost(parsed.hostname)) return null;
  return `${receiverUrl.replace(/\/+$/, "")}${parsed.pathname}${parsed.search}`;
}

/**
 * A copy of a menu document whose placeholder webhooks name `receiverUrl`. Every `"webhook"` member is looked
 * at, wherever the format puts one (closing texts, text nodes, the fallback), so a new place needs no change here.
 */
export function pointWebhooksAt(doc: unknown, receiverUrl: string): { doc: unknown; rewritten: number } {
  let rewritten = 0;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== "object" || value === null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const local = key === "webhook" && typeof member === "string" ? localUrl(member, receiverUrl) : null;
      if (local !== null) rewritten++;
      copy[key] = local ?? walk(member);
    }
    return copy;
  };
  return { doc: walk(doc), rewritten };
}
