import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../sim/vonage-webhooks.js";
import { AppError } from "../../src/errors.js";
import { HTTP_ERRORS } from "../../src/http/errors.js";
import { signatureKey, verifyWebhookSignature } from "../../src/vonage/signature.js";

const secret = "a-signature-secret-of-32-chars!!";
const now = 1_750_000_000_000;
const options = { key: await signatureKey(secret), maxAgeSeconds: 300, now };
const bytes = (s: string) => new TextEncoder().encode(s);

async function verify(body: string, auth: string | undefined, o = options) {
  return verifyWebhookSignature(auth, bytes(body), o).then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? `${HTTP_ERRORS[e.code].status} ${e.code}` : `unexpected ${String(e)}`),
  );
}

describe("Vonage webhook signatures", () => {
  const body = '{"message_uuid":"x", "text": "hi"}';
  const iat = now / 1000;

  it("accepts a token over the raw bytes, and one over the re-serialised JSON as Vonage's sample computes it", async () => {
    expect(await verify(body, await signWebhook(body, secret, { iat }))).toBe("ok");
    expect(await verify(body, await signWebhook(body, secret, { iat, hashOf: JSON.stringify(JSON.parse(body)) }))).toBe("ok");
  });

  it("judges freshness from iat with the configured tolerance, both ways", async () => {
    expect(await verify(body, await signWebhook(body, secret, { iat: iat - 299 }))).toBe("ok");
    expect(await verify(body, await signWebhook(body, secret, { iat: iat - 301 }))).toBe("401 ERR_SIGNATURE_STALE");
    expect(await verify(body, await signWebhook(body, secret, { iat: iat + 59 }))).toBe("ok");
    expect(await verify(body, await signWebhook(body, secret, { iat: iat + 120 }))).toBe("401 ERR_SIGNATURE_STALE");
    expect(await verify(body, await signWebhook(body, secret, { iat: iat - 900 }), { ...options, maxAgeSeconds: 1000 })).toBe("ok");
  });

  it("refuses other algorithms, secrets and bodies", async () => {
    expect(await verify(body, await signWebhook(body, "another-secret-another-secret!!", { iat }))).toBe("401 ERR_SIGNATURE_INVALID");
    expect(await verify(body.replace("hi", "ho"), await signWebhook(body, secret, { iat }))).toBe("401 ERR_PAYLOAD_HASH");
    const [h, p] = (await signWebhook(body, secret, { iat })).slice(7).split(".");
    const none = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${p}.`;
    expect(await verify(body, `Bearer ${none}`)).toBe("401 ERR_SIGNATURE_INVALID");
    expect(await verify(body, `Bearer ${h}.${p}.AAAA`)).toBe("401 ERR_SIGNATURE_INVALID");
    expect(await verify(body, undefined)).toBe("401 ERR_SIGNATURE_MISSING");
  });

  it("blames the secret only for a signature that does not verify: a claim that fails says which, another algorithm says so", async () => {
    const reason = (auth: string) =>
      verifyWebhookSignature(auth, bytes(body), options).then(
        () => "ok",
        (e: unknown) => (e instanceof AppError ? e.message : String(e)),
      );
    const payload = (await signWebhook(body, secret, { iat })).slice(7).split(".")[1]!;
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const signed = async (extra: Record<string, unknown>, alg = "HS256") =>
      `Bearer ${await new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg }).sign(new TextEncoder().encode(alg === "HS256" ? secret : `${secret}${secret}`))}`;
    expect(await reason(await signed({ nbf: iat + 3600 }))).toBe(`the signature verifies, but the token's "nbf" claim does not hold at this worker's time: check its clock`);
    expect(await reason(await signed({ iat: String(iat) }))).toBe(`the signature verifies, but the token's "iat" claim is not valid`);
    expect(await reason(await signed({}, "HS512"))).toBe("token is not signed with HS256, the algorithm Vonage signs webhooks with");
    expect(await reason(await signWebhook(body, "another-secret-another-secret!!", { iat }))).toBe("signature does not verify with VONAGE_SIGNATURE_SECRET");
  });
});
