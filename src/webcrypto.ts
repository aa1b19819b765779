/** WebCrypto in the two shapes this worker needs, written once: SHA-256 digests and HMAC-SHA256 keys. */

const bytesOf = (data: Uint8Array | string) => (typeof data === "string" ? new TextEncoder().encode(data) : data) as Uint8Array<ArrayBuffer>;

export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytesOf(data)));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  let hex = "";
  for (const b of await sha256(data)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** An HMAC-SHA256 key over `secret` (a string counts as its UTF-8 bytes), usable for one purpose only. */
export function hmacKey(secret: Uint8Array | string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", bytesOf(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}
