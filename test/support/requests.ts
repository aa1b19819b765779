/** Requests a test sends to the app, the same on every runtime: signed webhooks, admin calls, fresh secrets. */
import { signWebhook } from "../../sim/vonage-webhooks.js";
import type { WebhookOptions } from "../scenarios/harness.js";

const ORIGIN = "https://worker.test";

function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Secrets made for one harness: nothing a test uses is committed. */
export function testSecrets() {
  return {
    applicationId: crypto.randomUUID(),
    signatureSecret: randomToken(),
    adminToken: randomToken(),
    completionSecret: `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`,
  };
}

/** A webhook as Vonage sends it, or broken the way `o` says (another secret, no header, a tampered body). */
export async function webhookRequest(path: string, payload: Record<string, unknown>, signatureSecret: string, o: WebhookOptions = {}): Promise<Request> {
  const signed = o.raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const authorization = o.authorization === undefined ? await signWebhook(signed, o.secret ?? signatureSecret, o) : o.authorization;
  if (authorization !== null) headers["Authorization"] = authorization;
  return new Request(`${ORIGIN}${path}`, { method: "POST", headers, body: o.tamper ? o.tamper(signed) : signed });
}

/** A call to `/admin` or `/flows` with the admin token. */
export function adminRequest(method: string, path: string, adminToken: string, body?: unknown): Request {
  return new Request(`${ORIGIN}${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export const plainRequest = (path: string, init?: RequestInit) => new Request(`${ORIGIN}${path}`, init);
