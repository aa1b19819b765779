/**
 * Where the worker may send a business's data (completion webhooks, later backend requests): https, and a host
 * that is not this machine, a private network or a cloud metadata address. Names are not resolved here (Workers
 * cannot), so the check is on what the URL says: `localhost` and numeric addresses in every form the URL parser
 * normalises (`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`).
 */

/** What is wrong with `raw` as a destination, in words that say how to fix it; null when it may be used. */
export function destinationProblem(raw: string, options: { allowLocal?: boolean } = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL; write it as https://your-host/path";
  }
  const local = isLocalHost(url.hostname);
  if (options.allowLocal && local) return url.protocol === "https:" || url.protocol === "http:" ? null : "must be an http(s) URL";
  if (url.protocol !== "https:" || !raw.toLowerCase().startsWith("https://")) {
    return `must be an https URL (it carries customers' answers), not ${url.protocol}//; to try a receiver on this machine, set ALLOW_LOCAL_WEBHOOKS=true on the worker`;
  }
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password; authenticate with the webhook signature instead";
  if (local) return `names ${url.hostname}, which is this machine; use a public host (for local testing set ALLOW_LOCAL_WEBHOOKS=true)`;
  if (isPrivateAddress(url.hostname)) return `names ${url.hostname}, a private, link-local or reserved address; use a public host`;
  return null;
}

function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || /^127\./.test(h) || h === "0.0.0.0" || h === "[::]";
}

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m ? m.slice(1).map(Number) : null;
}

function privateV4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! < 128) ||
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! < 32) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a! >= 224
  );
}

function isPrivateAddress(host: string): boolean {
  const v4 = ipv4(host);
  if (v4 !== null) return privateV4(v4);
  if (!host.startsWith("[")) return host.toLowerCase() === "metadata.google.internal";
  const v6 = host.slice(1, -1).toLowerCase();
  // IPv4-mapped (::ffff:a.b.c.d, which the parser writes as ::ffff:xxxx:xxxx).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return privateV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || /^ff/.test(v6) || v6.startsWith("64:ff9b:");
}
