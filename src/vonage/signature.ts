/** Verifies a Vonage signed webhook: HS256 JWT in `Authorization`, `payload_hash` bound to the raw body, fresh `iat`. */
import { errors as joseErrors, jwtVerify } from "jose";
import { AppError } from "../errors.js";
import { decodeUtf8Lenient } from "../utf8.js";
import { hmacKey, sha256Hex } from "../webcrypto.js";

export interface SignatureOptions {
  /** The account's signature secret as a key (`signatureKey`), imported once with the configuration. */
  key: CryptoKey;
  /** Oldest acceptable `iat`, in seconds before `now`. */
  maxAgeSeconds: number;
  /** How far in the future `iat` may be (clock skew), in seconds. */
  skewSeconds?: number;
  /** Receive time in ms since the epoch. */
  now: number;
  /** The application the worker serves: a token whose `application_id` claim names another is refused. */
  applicationId?: string;
  /** When set, the token's `api_key` claim must be this account's key. */
  apiKey?: string | null;
}

export interface VerifiedSignature {
  jti?: string;
  apiKey?: string;
  applicationId?: string;
  iat: number;
}

/** The HMAC key of the account's signature secret (Vonage dashboard, API settings): its UTF-8 bytes. */
export function signatureKey(secret: string): Promise<CryptoKey> {
  return hmacKey(secret, "verify");
}

const unauthorized = (code: "ERR_SIGNATURE_MISSING" | "ERR_SIGNATURE_INVALID" | "ERR_SIGNATURE_STALE" | "ERR_PAYLOAD_HASH", message: string, cause?: unknown) => new AppError(code, message, { cause });

/**
 * Checks the signature before the body is parsed. Throws a 401 AppError that says what is wrong.
 * The hash is compared with the raw bytes first; Vonage's own sample hashes the re-serialised JSON, so
 * that form is accepted too.
 */
export async function verifyWebhookSignature(authorization: string | undefined, rawBody: Uint8Array, options: SignatureOptions): Promise<VerifiedSignature> {
  if (!authorization) throw unauthorized("ERR_SIGNATURE_MISSING", "missing Authorization header: Vonage signs every webhook with a Bearer JWT");
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthorized("ERR_SIGNATURE_MISSING", "Authorization header is not a Bearer token");

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(match[1]!, options.key, {
      algorithms: ["HS256"],
      // Freshness is judged below from `iat`, with our own tolerance; Vonage sends no `exp`.
      currentDate: new Date(options.now),
    }));
  } catch (cause) {
    throw unauthorized("ERR_SIGNATURE_INVALID", whyRefused(cause), cause);
  }

  const iat = payload["iat"];
  if (typeof iat !== "number") throw unauthorized("ERR_SIGNATURE_INVALID", "token has no iat claim");
  const age = options.now / 1000 - iat;
  if (age > options.maxAgeSeconds) throw unauthorized("ERR_SIGNATURE_STALE", `token issued ${Math.round(age)} s ago; older than the ${options.maxAgeSeconds} s allowed`);
  if (age < -(options.skewSeconds ?? 60)) throw unauthorized("ERR_SIGNATURE_STALE", "token issued in the future; check the clock");

  const claimed = payload["payload_hash"];
  if (typeof claimed !== "string") throw unauthorized("ERR_PAYLOAD_HASH", "token has no payload_hash claim");
  const expected = claimed.toLowerCase();
  if ((await sha256Hex(rawBody)) !== expected && (await reserialisedHash(rawBody)) !== expected) {
    throw unauthorized("ERR_PAYLOAD_HASH", "payload_hash does not match the body: was the body changed on the way?");
  }

  // The signature secret is per account: a token signed for another application of the account is not ours.
  const application = payload["application_id"];
  if (options.applicationId !== undefined && application !== undefined && application !== options.applicationId) {
    throw unauthorized("ERR_SIGNATURE_INVALID", "token is for another Vonage application (application_id differs from VONAGE_APPLICATION_ID)");
  }
  if (options.apiKey != null && payload["api_key"] !== options.apiKey) {
    throw unauthorized("ERR_SIGNATURE_INVALID", "token's api_key claim is not VONAGE_API_KEY");
  }

  const out: VerifiedSignature = { iat };
  if (typeof payload["jti"] === "string") out.jti = payload["jti"];
  if (typeof payload["api_key"] === "string") out.apiKey = payload["api_key"];
  if (typeof payload["application_id"] === "string") out.applicationId = payload["application_id"];
  return out;
}

/**
 * What jose refused, said so that it points at the fix: only a signature that does not verify is the secret's fault;
 * a token whose signature verifies but whose claims do not hold (an `nbf` ahead of this worker's clock, an `iat` that
 * is not a number) is not, and neither is one signed with another algorithm.
 */
function whyRefused(cause: unknown): string {
  if (cause instanceof joseErrors.JWTExpired) return "token expired (its exp claim is past): check this worker's clock";
  if (cause instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = `the signature verifies, but the token's "${cause.claim}" claim`;
    return cause.reason === "check_failed" ? `${claim} does not hold at this worker's time: check its clock` : `${claim} is ${cause.reason === "missing" ? "missing" : "not valid"}`;
  }
  if (cause instanceof joseErrors.JWTInvalid) return "the signature verifies, but the token's payload is not a JSON object of claims";
  if (cause instanceof joseErrors.JOSEAlgNotAllowed) return "token is not signed with HS256, the algorithm Vonage signs webhooks with";
  return "signature does not verify with VONAGE_SIGNATURE_SECRET";
}

async function reserialisedHash(rawBody: Uint8Array): Promise<string | null> {
  try {
    return await sha256Hex(JSON.stringify(JSON.parse(decodeUtf8Lenient(rawBody))));
  } catch {
    return null;
  }
}
