/**
 * Where the worker may send a business's data (completion webhooks, agent endpoints, backend requests): https, and
 * a host that is not this machine, a private network or a cloud metadata address. Names are not resolved here
 * (Workers cannot), so the check is on what the URL says: `localhost` and private names, and numeric addresses in
 * every form the URL parser normalises (`2130706433`, `0x7f.1`, `[0:0:0:0:0:0:0:1]`, `[::ffff:127.0.0.1]`).
 */

/** What is wrong with `raw` as a destination, in words that say how to fix it; null when it may be used. */
export function destinationProblem(raw: string, options: { allowLocal?: boolean } = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL; write it as https://your-host/path";
  }
  const kind = hostKind(url.hostname);
  if (options.allowLocal && kind === "local") return url.protocol === "https:" || url.protocol === "http:" ? null : "must be an http(s) URL";
  if (url.protocol !== "https:" || !raw.toLowerCase().startsWith("https://")) {
    return `must be an https URL (it carries customers' answers), not ${url.protocol}//; to try a receiver on this machine, set ALLOW_LOCAL_WEBHOOKS=true on the worker`;
  }
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password; authenticate with the webhook signature instead";
  if (kind === "local") return `names ${url.hostname}, which is this machine; use a public host (for local testing set ALLOW_LOCAL_WEBHOOKS=true)`;
  if (kind === "private") return `names ${url.hostname}, a private, link-local or reserved address; use a public host`;
  if (kind === "unqualified") return `names ${url.hostname}, a name without a domain, which only a private network resolves; use the host's full public name (e.g. ${url.hostname}.example.com)`;
  return null;
}

/** This machine, a private or reserved place, a name only a local network resolves, or (as far as the URL says) the public internet. */
type HostKind = "local" | "private" | "unqualified" | "public";

function hostKind(host: string): HostKind {
  if (host.startsWith("[")) {
    const groups = ipv6(host.slice(1, -1));
    return groups === null ? "private" : v6Kind(groups);
  }
  const v4 = ipv4(host);
  if (v4 !== null) return v4Kind(v4);
  // A name may end in the root's dot (`localhost.`), which names the same host.
  const name = host.toLowerCase().replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost") || name === "localhost.localdomain") return "local";
  // Names kept for private networks: `.internal` (cloud metadata is metadata.google.internal), mDNS, home networks.
  if (/(^|\.)(internal|local|home\.arpa)$/.test(name)) return "private";
  // A single label (`backend`) is looked up in the resolver's search domains: the host's own network's names.
  return name.includes(".") ? "public" : "unqualified";
}

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m ? m.slice(1).map(Number) : null;
}

function v4Kind([a, b, c, d]: number[]): HostKind {
  if (a === 127 || (a === 0 && b === 0 && c === 0 && d === 0)) return "local";
  const reserved =
    a === 0 ||
    a === 10 ||
    (a === 100 && b! >= 64 && b! < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! < 32) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a! >= 224;
  return reserved ? "private" : "public";
}

/** The eight 16-bit groups of an IPv6 address (the parser's form, or with a dotted IPv4 tail); null if it is not one. */
function ipv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (dotted) {
    const v4 = dotted[2]!.split(".").map(Number);
    if (v4.some((n) => n > 255)) return null;
    s = `${dotted[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const part = (h: string) => (h === "" ? [] : h.split(":"));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(missing).fill("0"), ...tail];
  return all.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? all.map((g) => parseInt(g, 16)) : null;
}

/** An IPv4 address carried in two groups, as a mapped or 6to4 address writes it. */
const embedded = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];

function v6Kind(g: number[]): HostKind {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 7) && (g[7] === 0 || g[7] === 1)) return "local"; // :: and ::1
  // IPv4-mapped (::ffff:a.b.c.d, which the parser writes ::ffff:7f00:1): the IPv4 address it names.
  if (zeros(0, 5) && g[5] === 0xffff) return v4Kind(embedded(g[6]!, g[7]!));
  // 6to4 (2002:a.b.c.d::/48) reaches the IPv4 address it embeds.
  if (g[0] === 0x2002) return v4Kind(embedded(g[1]!, g[2]!)) === "public" ? "public" : "private";
  // Only 2000::/3 is global unicast. Everything else is reserved (::/8 with IPv4-compatible ::a.b.c.d, IPv4-translated
  // ::ffff:0:a.b.c.d and NAT64 64:ff9b::/96), unique-local fc00::/7, link-local fe80::/10, site-local or multicast.
  const global = g[0]! >= 0x2000 && g[0]! < 0x4000;
  // Inside it: Teredo 2001::/32 (a tunnel to an IPv4 address), benchmarking 2001:2::/48, ORCHID 2001:10::/28 and
  // 2001:20::/28, documentation 2001:db8::/32 and 3fff::/20.
  const special = (g[0] === 0x2001 && (g[1] === 0 || (g[1] === 2 && g[2] === 0) || g[1] === 0xdb8 || (g[1]! >= 0x10 && g[1]! < 0x30))) || (g[0] === 0x3fff && g[1]! < 0x1000);
  return global && !special ? "public" : "private";
}
