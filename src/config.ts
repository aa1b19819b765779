/**
 * The worker's configuration, read from the runtime's environment and validated once per app: every setting
 * checked, every key decoded and imported, so nothing is parsed again per request.
 */
import { signingKey } from "./business-webhooks/sign.js";
import { ConfigError } from "./errors.js";
import { Checks } from "./plain-checks.js";
import { importPrivateKey } from "./vonage/private-key.js";
import { signatureKey } from "./vonage/signature.js";
import { describeIssues } from "./zod-issues.js";

/** The variables the worker reads, in the order their problems are reported. */
const KEYS = [
  "VONAGE_APPLICATION_ID",
  "VONAGE_PRIVATE_KEY",
  "VONAGE_SIGNATURE_SECRET",
  "VONAGE_API_URL",
  "ADMIN_TOKEN",
  "VONAGE_API_KEY",
  "ALLOW_LOCAL_WEBHOOKS",
  "SESSION_TTL_SECONDS",
  "WEBHOOK_MAX_AGE_SECONDS",
  "CLAIM_SETTLE_MS",
  "VONAGE_JWT_TTL_SECONDS",
  "COMPLETION_WEBHOOK_SECRET",
] as const;
type Key = (typeof KEYS)[number];

/** A setting's checks: each variable's first problem is reported, with its name, never its value. */
function settingChecks(input: Partial<Record<Key, unknown>>) {
  const checks = new Checks();
  const required = (key: Key, message: string, min = 1) => {
    const value = input[key];
    return checks.text(typeof value === "string" ? value.trim() : value, [key], { min, message });
  };
  const optional = (key: Key, rules: Array<[RegExp, string]>) => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") return checks.fail([key], "must be a string");
    const broken = rules.find(([pattern]) => !pattern.test(value));
    return broken === undefined ? value : checks.fail([key], broken[1]);
  };
  /** A whole number (from text, as the environment gives it), or `def` when unset; `valid` says what else it must be. */
  const whole = (key: Key, unit: string, def: number, valid: (n: number) => string | null) => {
    const value = input[key];
    if (value === undefined) return def;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) return checks.fail([key], `must be a whole number of ${unit}`);
    const problem = valid(n);
    return problem === null ? n : checks.fail([key], problem);
  };
  const atLeast = (min: number) => (n: number) => (n >= min ? null : `must be at least ${min}`);
  return { checks, required, optional, whole, atLeast };
}

/** `https://...` or `http://...`, as `new URL` reads it. */
function httpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

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
  const input: Partial<Record<Key, unknown>> = {};
  for (const key of KEYS) {
    const v = env[key];
    // Unset and empty mean the same; vars from wrangler.toml may be numbers already.
    if (v !== undefined && v !== null && v !== "") input[key] = typeof v === "number" ? String(v) : v;
  }
  const { checks, required, optional, whole, atLeast } = settingChecks(input);
  const applicationId = required("VONAGE_APPLICATION_ID", "is missing: the id of your Vonage application (dashboard, Applications)");
  const privateKey = required("VONAGE_PRIVATE_KEY", "is missing: the application's private key, set with `wrangler secret put VONAGE_PRIVATE_KEY < private.key` (on Deno: an environment variable)");
  const signatureSecret = required("VONAGE_SIGNATURE_SECRET", "is missing or shorter than 16 characters: the account's signature secret (dashboard, API settings)", 16);
  const apiUrl =
    input.VONAGE_API_URL === undefined
      ? "https://api.nexmo.com"
      : !httpUrl(input.VONAGE_API_URL)
        ? checks.fail(["VONAGE_API_URL"], "must be a URL such as https://api.nexmo.com")
        : // The endpoint pasted whole: the client adds /v1/messages, and every send would go to /v1/messages/v1/messages.
          /\/v1\/messages\/*$/i.test(input.VONAGE_API_URL as string)
          ? checks.fail(["VONAGE_API_URL"], "must be the API's base URL, such as https://api.nexmo.com, without /v1/messages (the worker adds it)")
          : (input.VONAGE_API_URL as string);
  // Without it the admin routes answer 404.
  const adminToken = optional("ADMIN_TOKEN", [
    [/^[\s\S]{16,}$/, "must be at least 16 characters (make one with: openssl rand -hex 24)"],
    [/^\S+$/, "must not contain spaces or line breaks (a pasted token often ends in a newline)"],
  ]);
  // When set, webhook JWTs must carry this `api_key` claim (the signature secret is per account, not per application).
  const apiKey = optional("VONAGE_API_KEY", [[/^\S+$/, "must not contain spaces"]]);
  // Development only: completion webhooks may go to this machine (the local simulator's receiver).
  const allowLocal = optional("ALLOW_LOCAL_WEBHOOKS", [[/^(true|false)$/, 'must be "true" or "false"']]);
  // How long a conversation lives without activity: WhatsApp's 24-hour customer-service window.
  const sessionTtlSeconds = whole("SESSION_TTL_SECONDS", "seconds", 86_400, atLeast(60));
  // Oldest webhook signature accepted (`iat` age).
  const webhookMaxAgeSeconds = whole("WEBHOOK_MAX_AGE_SECONDS", "seconds", 300, atLeast(10));
  // Workers KV only (no compare-and-set): how long a step waits between storing its claim and reading it back, so
  // that a concurrent webhook for the same customer that stored after it is seen and wins. Latency, not CPU.
  const claimSettleMs = whole("CLAIM_SETTLE_MS", "milliseconds", 100, (n) => (n < 0 ? "must be at least 0" : n > 2000 ? "must be at most 2000" : null));
  // How long one application JWT for the Messages API is used (its `exp` less `iat`): minted once per isolate and
  // sent until shortly before it expires. 0 mints a fresh token per request, as Vonage's SDKs do. Whether Vonage
  // accepts a reused token is undocumented, so a refused one turns reuse off on its own (see the client).
  const jwtTtlSeconds = whole("VONAGE_JWT_TTL_SECONDS", "seconds", 900, (n) =>
    n === 0 || (n >= 30 && n <= 86_400) ? null : "must be 0 (a fresh token per request) or 30 to 86400 seconds (Vonage's limits on a token's life)",
  );
  // Signs completion webhooks (Standard Webhooks); only needed by menus that name a webhook.
  const completionSecret = optional("COMPLETION_WEBHOOK_SECRET", [[/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, "must be whsec_ followed by at least 24 random bytes in base64"]]);
  if (
    !checks.ok ||
    applicationId === undefined ||
    privateKey === undefined ||
    signatureSecret === undefined ||
    apiUrl === undefined ||
    sessionTtlSeconds === undefined ||
    webhookMaxAgeSeconds === undefined ||
    claimSettleMs === undefined ||
    jwtTtlSeconds === undefined
  ) {
    throw new ConfigError(`configuration is invalid: ${describeIssues(checks, { path: (path) => String(path[0]), separator: " " })}`);
  }
  return {
    applicationId,
    privateKey,
    signatureSecret,
    apiUrl,
    adminToken: adminToken ?? null,
    sessionTtlSeconds,
    webhookMaxAgeSeconds,
    jwtTtlSeconds,
    completionSecret: completionSecret ?? null,
    claimSettleMs,
    apiKey: apiKey ?? null,
    allowLocalWebhooks: allowLocal === "true",
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
