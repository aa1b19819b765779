/** Signs outgoing webhooks the Standard Webhooks way: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
import { base64ToBytes, bytesToBase64 } from "../base64.js";
import { ConfigError } from "../errors.js";
import { hmacKey } from "../webcrypto.js";

/** Parses a `whsec_<base64>` secret into its key bytes, or throws saying how to make one. */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim());
  if (match) {
    try {
      const bytes = base64ToBytes(match[1]!);
      if (bytes.length >= 24) return bytes;
    } catch {
      // Not base64 after all (a length no encoder produces): the same advice below.
    }
  }
  throw new ConfigError(
    "COMPLETION_WEBHOOK_SECRET must be whsec_ followed by at least 24 random bytes in base64; make one with: " + `node -e "console.log('whsec_'+require('crypto').randomBytes(32).toString('base64'))"`,
  );
}

/** The signing key of a `whsec_...` secret, imported once with the configuration. */
export function signingKey(secret: string): Promise<CryptoKey> {
  return hmacKey(secretBytes(secret), "sign");
}

/** The three headers for one delivery of `body`. The same id on every retry lets the receiver deduplicate. */
export async function signWebhook(key: CryptoKey, id: string, timestampSeconds: number, body: string): Promise<Record<string, string>> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`)));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${bytesToBase64(mac)}`,
  };
}
