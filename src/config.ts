/**
 * The worker's configuration, read from the runtime's environment and validated once per app: every setting
 * checked, every key decoded and imported, so nothing is parsed again per request.
 */
import * as z from "zod";
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
  ADMIN_TOKEN: z
    .string({ error: "must be a string" })
    .min(16, "must be at least 16 characters (make one with: openssl rand -hex 24)")
    .regex(/^\S+$/, "must not contain spaces or line breaks (a pasted token often ends in a newline)")
    .optional(),
  /** When set, webhook JWTs must carry this `api_key` claim (the signature secret is per account, not per application). */
  VONAGE_API_KEY: z.string({ error: "must be a string" }).regex(/^\S+$/, "must not contain spaces").optional(),
  /** Development only: completion webhooks may go to this machine (the local simulator's receiver). */
  ALLOW_LOCAL_WEBHOOKS: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("false"),
  /** How long a conversation lives without activity: WhatsApp's 24-hour customer-service window. */
  SESSION_TTL_SECONDS: seconds(86_400, 60),
  /** Oldest webhook signature accepted (`iat` age). */
  WEBHOOK_MAX_AGE_SECONDS: seconds(300, 10),
  /**
   * Workers KV only (no compare-and-set): how long a step waits between storing its claim and reading it back, so
   * that a concurrent webhook for the same customer that stored after it is seen and wins. Latency, not CPU.
   */
  CLAIM_SETTLE_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(0, "must be at least 0")
    .max(2000, "must be at most 2000")
    .default(100),
  /**
   * How long one application JWT for the Messages API is used (its `exp` less `iat`): minted once per isolate and
   * sent until shortly before it expires. 0 mints a fresh token per request, as Vonage's SDKs do. Whether Vonage
   * accepts a reused token is undocumented, so a refused one turns reuse off on its own (see the client).
   */
  VONAGE_JWT_TTL_SECONDS: z.coerce
    .number({ error: "must be a whole number of seconds" })
    .int("must be a whole number of seconds")
    .refine((n) => n === 0 || (n >= 30 && n <= 86_400), "must be 0 (a fresh token per request) or 30 to 86400 seconds (Vonage's limits on a token's life)")
    .default(900),
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
  jwtTtlSeconds: number;
  completionSecret: string | null;
  claimSettleMs: number;
  apiKey: string | null;
  allowLocalWebhooks: boolean;
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
    jwtTtlSeconds: c.VONAGE_JWT_TTL_SECONDS,
    completionSecret: c.COMPLETION_WEBHOOK_SECRET ?? null,
    claimSettleMs: c.CLAIM_SETTLE_MS,
    apiKey: c.VONAGE_API_KEY ?? null,
    allowLocalWebhooks: c.ALLOW_LOCAL_WEBHOOKS === "true",
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
  /** Life of a reused application JWT (s); 0: a fresh one per request. */
  jwtTtlSeconds: number;
  /** Signs completion webhooks; null when COMPLETION_WEBHOOK_SECRET is unset. */
  completionKey: CryptoKey | null;
  claimSettleMs: number;
  apiKey: string | null;
  allowLocalWebhooks: boolean;
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
    jwtTtlSeconds: s.jwtTtlSeconds,
    completionKey,
    claimSettleMs: s.claimSettleMs,
    apiKey: s.apiKey,
    allowLocalWebhooks: s.allowLocalWebhooks,
  };
}
