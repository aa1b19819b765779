/** loadConfig: every setting checked and every key imported at once, with errors that say how to fix them. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { AppError } from "../../src/errors.js";
import { generateTestKeys } from "../support/keys.js";
import { testSecrets } from "../support/requests.js";

describe("loadConfig", async () => {
  const keys = await generateTestKeys();
  const secrets = testSecrets();
  const env = {
    VONAGE_APPLICATION_ID: secrets.applicationId,
    VONAGE_PRIVATE_KEY: keys.pkcs8Pem,
    VONAGE_SIGNATURE_SECRET: secrets.signatureSecret,
    COMPLETION_WEBHOOK_SECRET: secrets.completionSecret,
  };
  const failure = (overrides: Record<string, string>) =>
    loadConfig({ ...env, ...overrides }).then(
      () => null,
      (e: unknown) => e,
    );

  it("imports the private key, the signature secret and the completion secret as keys", async () => {
    const config = await loadConfig(env);
    expect(config.privateKey).toBeInstanceOf(CryptoKey);
    expect(config.signatureKey.usages).toEqual(["verify"]);
    expect(config.completionKey?.usages).toEqual(["sign"]);
    expect(config).toMatchObject({ apiUrl: "https://api.nexmo.com", adminToken: null, sessionTtlSeconds: 86_400, webhookMaxAgeSeconds: 300, jwtTtlSeconds: 900 });
  });

  it("refuses a key that is not a private key when it loads, saying how to set one, never showing it", async () => {
    const pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----";
    const error = await failure({ VONAGE_PRIVATE_KEY: pem });
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("ERR_PRIVATE_KEY");
    expect((error as AppError).message).toMatch(/holds a "PUBLIC KEY".*wrangler secret put VONAGE_PRIVATE_KEY/);
    expect((error as AppError).message).not.toContain("MIIB");
  });

  it("refuses a completion secret that is not base64 after all, with a way to make one", async () => {
    const error = await failure({ COMPLETION_WEBHOOK_SECRET: `whsec_${"A".repeat(33)}` });
    expect((error as AppError).code).toBe("ERR_CONFIG");
    expect((error as AppError).message).toMatch(/COMPLETION_WEBHOOK_SECRET must be whsec_.*randomBytes\(32\)/);
  });

  it("refuses a VONAGE_API_URL that is the messages endpoint itself, which would send every message to /v1/messages/v1/messages", async () => {
    for (const value of ["https://api.nexmo.com/v1/messages", "https://messages-sandbox.nexmo.com/v1/messages/"]) {
      const error = (await failure({ VONAGE_API_URL: value })) as AppError;
      expect(error.code).toBe("ERR_CONFIG");
      expect(error.message).toMatch(/VONAGE_API_URL must be the API's base URL, such as https:\/\/api\.nexmo\.com, without \/v1\/messages/);
    }
    // A base URL behind a path of its own (a proxy) is still taken.
    expect((await loadConfig({ ...env, VONAGE_API_URL: "https://proxy.example.com/vonage" })).apiUrl).toBe("https://proxy.example.com/vonage");
  });

  it("takes VONAGE_JWT_TTL_SECONDS as 0 or 30 to 86400 whole seconds, and says so otherwise", async () => {
    for (const [value, expected] of [
      ["0", 0],
      ["30", 30],
      ["86400", 86_400],
    ] as const) {
      expect((await loadConfig({ ...env, VONAGE_JWT_TTL_SECONDS: value })).jwtTtlSeconds).toBe(expected);
    }
    for (const value of ["29", "86401", "-1"]) {
      const error = (await failure({ VONAGE_JWT_TTL_SECONDS: value })) as AppError;
      expect(error.code).toBe("ERR_CONFIG");
      expect(error.message).toMatch(/VONAGE_JWT_TTL_SECONDS must be 0 \(a fresh token per request\) or 30 to 86400 seconds/);
    }
    for (const value of ["1.5", "15m"]) {
      expect(((await failure({ VONAGE_JWT_TTL_SECONDS: value })) as AppError).message).toMatch(/VONAGE_JWT_TTL_SECONDS must be a whole number of seconds$/);
    }
  });
});
