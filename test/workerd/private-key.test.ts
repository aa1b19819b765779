import { SignJWT, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { importPrivateKey, privateKeyDer } from "../../src/vonage/private-key.js";
import { generateTestKeys } from "../support/keys.js";

describe("the Vonage private key, as users paste it", async () => {
  const keys = await generateTestKeys();
  const forms: Array<[string, string]> = [
    ["PKCS#8", keys.pkcs8Pem],
    ["PKCS#1", keys.pkcs1Pem],
    ["PKCS#8 with literal \\n", keys.pkcs8Pem.replace(/\n/g, "\\n")],
    ["PKCS#1 with literal \\n and quotes", `"${keys.pkcs1Pem.replace(/\n/g, "\\n")}"`],
    ["PKCS#8 with CRLF and a leading newline", `\n${keys.pkcs8Pem.replace(/\n/g, "\r\n")}`],
  ];

  it.each(forms)("%s imports and signs JWTs that verify with the public key", async (_, pem) => {
    const key = await importPrivateKey(pem);
    const token = await new SignJWT({ application_id: "app" }).setProtectedHeader({ alg: "RS256" }).setIssuedAt().sign(key);
    const { payload } = await jwtVerify(token, keys.publicKey, { algorithms: ["RS256"] });
    expect(payload["application_id"]).toBe("app");
  });

  it("PKCS#1 is wrapped into the same PKCS#8 bytes WebCrypto exports", () => {
    expect(privateKeyDer(keys.pkcs1Pem)).toEqual(privateKeyDer(keys.pkcs8Pem));
  });

  it.each([
    ["", /is empty/],
    ["-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", /holds a "PUBLIC KEY", not an RSA private key/],
    ["-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----", /is encrypted; decrypt it first/],
    ["-----BEGIN PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", /broken PEM armour/],
    ["-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----", /not valid base64/],
    ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", /does not contain a DER-encoded key/],
  ])("%j fails with a message that says how to fix it", async (pem, reason) => {
    await expect(importPrivateKey(pem)).rejects.toThrow(reason);
    await expect(importPrivateKey(pem)).rejects.toThrow(/wrangler secret put VONAGE_PRIVATE_KEY/);
  });

  it("a DER that is not an RSA key is refused at import, with the same advice", async () => {
    const ec = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])) as CryptoKeyPair;
    const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", ec.privateKey)) as ArrayBuffer);
    const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----`;
    await expect(importPrivateKey(pem)).rejects.toThrow(/could not be imported as an RSA key/);
  });
});
