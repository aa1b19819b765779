/** Fresh RSA key pairs for every test run: no key is ever committed. */
import { exportPKCS8, generateKeyPair } from "jose";

export interface TestKeys {
  publicKey: CryptoKey;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`), as WebCrypto wants it. */
  pkcs8Pem: string;
  /** The same key as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), as older Vonage dashboards gave it. */
  pkcs1Pem: string;
}

function pem(label: string, der: Uint8Array): string {
  let bin = "";
  for (const b of der) bin += String.fromCharCode(b);
  const lines = btoa(bin).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Reads a DER length at `at`; returns [length, offset of the content]. */
function derLength(der: Uint8Array, at: number): [number, number] {
  const first = der[at]!;
  if (first < 0x80) return [first, at + 1];
  let len = 0;
  for (let i = 1; i <= (first & 0x7f); i++) len = (len << 8) | der[at + i]!;
  return [len, at + 1 + (first & 0x7f)];
}

/** PrivateKeyInfo -> the RSAPrivateKey inside its OCTET STRING. */
function pkcs8ToPkcs1(der: Uint8Array): Uint8Array {
  let [, at] = derLength(der, 1); // outer SEQUENCE
  let [len, start] = derLength(der, at + 1); // version INTEGER
  at = start + len;
  [len, start] = derLength(der, at + 1); // AlgorithmIdentifier SEQUENCE
  at = start + len;
  [len, start] = derLength(der, at + 1); // OCTET STRING
  return der.slice(start, start + len);
}

export async function generateTestKeys(): Promise<TestKeys> {
  const pair = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const pkcs8Pem = await exportPKCS8(pair.privateKey);
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  return { publicKey: pair.publicKey, pkcs8Pem, pkcs1Pem: pem("RSA PRIVATE KEY", pkcs8ToPkcs1(der)) };
}
