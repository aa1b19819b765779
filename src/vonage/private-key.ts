/** Imports the Vonage application's private key, as users paste it: PKCS#8 or PKCS#1 PEM, real or literal `\n`. */
import { base64ToBytes } from "../base64.js";
import { AppError } from "../errors.js";

const HELP =
  "VONAGE_PRIVATE_KEY must be the application's RSA private key in PEM form " +
  "(-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----), as downloaded from the Vonage dashboard. " +
  "Set it with: wrangler secret put VONAGE_PRIVATE_KEY < private.key (on Deno: an environment variable of that name)";

const keyError = (message: string, cause?: unknown) => new AppError("ERR_PRIVATE_KEY", `${message}. ${HELP}`, { cause });

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const len = derLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/** AlgorithmIdentifier for rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, plus version 0. */
const PKCS8_PREFIX = new Uint8Array([0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);

/** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, the only form WebCrypto imports. */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  const octet = derTlv(0x04, pkcs1);
  const inner = new Uint8Array(PKCS8_PREFIX.length + octet.length);
  inner.set(PKCS8_PREFIX);
  inner.set(octet, PKCS8_PREFIX.length);
  return derTlv(0x30, inner);
}

/** Undoes what secret stores do to PEM: quotes, literal `\n`, CRLF, leading blank lines. */
export function normalisePem(input: string): string {
  let s = input.trim();
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) s = s.slice(1, -1).trim();
  return s.replace(/\\r\\n|\\n|\\r/g, "\n").replace(/\r\n?/g, "\n");
}

/** PKCS#8 DER bytes of the key, whichever form was pasted. Throws an error saying how to fix the key. */
export function privateKeyDer(input: string): Uint8Array {
  const pem = normalisePem(input);
  if (pem === "") throw keyError("VONAGE_PRIVATE_KEY is empty");
  const armour = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  let label = "PRIVATE KEY";
  let body = pem;
  if (armour) {
    label = armour[1]!;
    body = armour[2]!;
  } else if (pem.includes("-----")) {
    throw keyError("VONAGE_PRIVATE_KEY has a broken PEM armour (BEGIN and END lines do not match)");
  }
  if (label === "ENCRYPTED PRIVATE KEY") throw keyError("VONAGE_PRIVATE_KEY is encrypted; decrypt it first: openssl pkcs8 -topk8 -nocrypt -in key.pem");
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") throw keyError(`VONAGE_PRIVATE_KEY holds a "${label}", not an RSA private key`);
  let der: Uint8Array;
  try {
    der = base64ToBytes(body.replace(/\s+/g, ""));
  } catch (cause) {
    throw keyError("VONAGE_PRIVATE_KEY is not valid base64 between its BEGIN and END lines", cause);
  }
  if (der.length < 64 || der[0] !== 0x30) throw keyError("VONAGE_PRIVATE_KEY does not contain a DER-encoded key");
  return label === "RSA PRIVATE KEY" ? pkcs1ToPkcs8(der) : der;
}

/**
 * The RS256 signing key. Imported when the configuration is loaded, once per app, so a key that is
 * not one is reported on the first request rather than on the first send.
 */
export async function importPrivateKey(input: string): Promise<CryptoKey> {
  const der = privateKeyDer(input);
  try {
    return await crypto.subtle.importKey("pkcs8", der as Uint8Array<ArrayBuffer>, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  } catch (cause) {
    throw keyError("VONAGE_PRIVATE_KEY could not be imported as an RSA key", cause);
  }
}
