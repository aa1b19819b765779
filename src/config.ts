/**
 * The worker's configuration, read from the runtime's environment and validated once per app: every setting
 * checked, every key decoded and imported, so nothing is parsed again per request.
 */
import { z } from "zod";
import { signingKey } from "./business-webhooks/sign.js";
import { ConfigError } from "./errors.js";
import { importPrivateKey } from "./vonage/private-key.js";
import { signatureKey } from "./vonage/signature.js";
import { describeIssues } from "./zod-issues.js";

const seconds = (def: number, min: number) => z.coerce.number({ error: "must be a whole number of seconds" }).int("must be a whole number of seconds").min(min, `must be at least ${min}`).default(def);
const required = (message: string, min = 1) => z.string({ error: message }).trim().min(min, message);

const configSchema = z.object({
  VONAGE_APPLICATION_ID: required("is missing: the id of your Vonage application (dashboard, Applications)"),
  VONAGE_PRIVATE_KEY: required("is missing: the application's private key, set with `wrangler secret put VONAGE_PRIVATE_KEY < private.key` (on Deno: an environment variable)"),
  VONAGE_SIGNATURE_SECRET: required("is missing or shorter than 16 characters: the account's signature secret (dashboard, API settings)", 16),
  VONAGE_API_URL: z.url({ protocol: /^https?$/, error: "must be a URL such as https://api.nexmo.com" }).default("https://api.nexmo.com"),
  /** Without it the admin routes answer 404. */
  ADMIN_TOKEN: z.string({ error: "must be a string" }).min(16, "must be at least 16 characters").optional(),
  /** How long a conversation lives without activity: WhatsApp's 24-hour customer-service window. */
  SESSION_TTL_SECONDS: seconds(86_400, 60),
  /** Oldest webhook signature accepted (`iat` age). */
  WEBHOOK_MAX_AGE_SECONDS: seconds(300, 10),
  /** Signs completion webhooks (Standard Webhooks); only needed by menus that name a webhook. */
  COMPLETION_WEBHOOK_SECRET: z
    .string({ error: "must be a string" })
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, "must be whsec_ followed by at least 24 random bytes in base64")
    .optional(),
});

/** The settings as checked text: what `loadConfig` turns into keys. */
export interface Settings {
  applicationId: string;
  privateKey: string;
  signatureSecret: string;
  apiUrl: string;
  adminToken: string | null;
  sessionTtlSeconds: number;
  webhookMaxAgeSeconds: number;
  completionSecret: string | null;
}

/** Parses the environment; throws a ConfigError that names every bad variable and never shows a value. */
export function parseConfig(env: Readonly<Record<string, unknown>>): Settings {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    // Unset and empty mean the same; vars from wrangler.toml may be numbers already.
    if (v !== undefined && v !== null && v !== "") input[key] = typeof v === "number" ? String(v) : v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`configuration is invalid: ${describeIssues(parsed.error, { path: (path) => String(path[0]), separator: " " })}`);
  }
  const c = parsed.data;
  return {
    applicationId: c.VONAGE_APPLICATION_ID,
    privateKey: c.VONAGE_PRIVATE_KEY,
    signatureSecret: c.VONAGE_SIGNATURE_SECRET,
    apiUrl: c.VONAGE_API_URL,
    adminToken: c.ADMIN_TOKEN ?? null,
    sessionTtlSeconds: c.SESSION_TTL_SECONDS,
    webhookMaxAgeSeconds: c.WEBHOOK_MAX_AGE_SECONDS,
    completionSecret: c.COMPLETION_WEBHOOK_SECRET ?? null,
  };
}

export interface Config {
  applicationId: string;
  /** Signs the Messages API's application JWTs (RS256). */
  privateKey: CryptoKey;
  /** Verifies Vonage's webhook signatures (HS256). */
  signatureKey: CryptoKey;
  apiUrl: string;
  adminToken: string | null;
  sessionTtlSeconds: number;
  webhookMaxAgeSeconds: number;
  /** Signs completion webhooks; null when COMPLETION_WEBHOOK_SECRET is unset. */
  completionKey: CryptoKey | null;
}

/**
 * Parses the environment and imports its keys. Rejects with the ConfigError of `parseConfig`, or an
 * ERR_PRIVATE_KEY / ERR_CONFIG error saying how to fix the key: a bad key is known on the first request,
 * not on the first send.
 */
export async function loadConfig(env: Readonly<Record<string, unknown>>): Promise<Config> {
  const s = parseConfig(env);
  const privateKey = await importPrivateKey(s.privateKey);
  const completionKey = s.completionSecret === null ? null : await signingKey(s.completionSecret);
  return {
    applicationId: s.applicationId,
    privateKey,
    signatureKey: await signatureKey(s.signatureSecret),
    apiUrl: s.apiUrl,
    adminToken: s.adminToken,
    sessionTtlSeconds: s.sessionTtlSeconds,
    webhookMaxAgeSeconds: s.webhookMaxAgeSeconds,
    completionKey,
  };
}
