/**
 * How the simulator talks to the worker, as Vonage and the business's backend would: signed inbound and
 * status webhooks, and `POST /flows/{menuId}/start` with the admin token. Every failure comes back as a
 * sentence a user can act on, never as a thrown error, so the page can show it and carry on.
 */
import { clip } from "../src/flow/clip.js";
import { signWebhook } from "./vonage-webhooks.js";

export interface WorkerClientOptions {
  /** The worker's base URL, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  signatureSecret: string;
  adminToken: string;
  applicationId: string;
  fetch?: typeof fetch;
  /** Added to "the worker did not answer" messages: how to bring it back in this setup. */
  unreachableHint?: string;
  /** Per-request limit; the worker itself may retry the Messages API for several seconds. */
  timeoutMs?: number;
}

/** A refusal carries the worker's JSON body when it sent one (e.g. a menu's `problems`). */
export type WorkerResult = { ok: true; status: number; body: Record<string, unknown> } | { ok: false; status: number | null; message: string; body?: Record<string, unknown> };

export interface WorkerClient {
  readonly baseUrl: string;
  inbound(payload: Record<string, unknown>): Promise<WorkerResult>;
  status(payload: Record<string, unknown>): Promise<WorkerResult>;
  startFlow(menuId: string, business: string, customer: string, profileName?: string): Promise<WorkerResult>;
  /** The admin API with the admin token, as the business's own tools call it: `path` is under `/admin`. */
  admin(method: "GET" | "PUT" | "DELETE" | "POST", path: string, body?: unknown): Promise<WorkerResult>;
}

/** The worker's own error text (`{"error","message"}`), or a short excerpt of whatever it answered. */
function explain(status: number, text: string): string {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (typeof json["message"] === "string") return `${status}: ${json["message"]}`;
  } catch {
    // not JSON: fall through to the excerpt
  }
  return `${status}${text.trim() === "" ? "" : `: ${clip(text.trim(), 200)}`}`;
}

export function createWorkerClient(options: WorkerClientOptions): WorkerClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const hint = options.unreachableHint === undefined ? "" : ` ${options.unreachableHint}`;

  async function call(path: string, init: RequestInit): Promise<WorkerResult> {
    let res: Response;
    try {
      res = await doFetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      const why = cause instanceof Error && cause.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : "connection failed";
      return { ok: false, status: null, message: `The worker at ${baseUrl} did not answer (${why}).${hint}` };
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      const refused = { ok: false as const, status: res.status, message: `The worker answered ${explain(res.status, text)}` };
      try {
        const json = JSON.parse(text) as unknown;
        if (typeof json === "object" && json !== null && !Array.isArray(json)) return { ...refused, body: json as Record<string, unknown> };
      } catch {
        // not JSON: the message says what it was
      }
      return refused;
    }
    let body: Record<string, unknown> = {};
    try {
      if (text !== "") body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // 2xx without JSON (the status route answers 204): nothing to read
    }
    return { ok: true, status: res.status, body };
  }

  async function webhook(path: string, payload: Record<string, unknown>): Promise<WorkerResult> {
    // Signed over the exact bytes sent, as Vonage does.
    const body = JSON.stringify(payload);
    const authorization = await signWebhook(body, options.signatureSecret, { applicationId: options.applicationId });
    return call(path, { method: "POST", headers: { Authorization: authorization, "Content-Type": "application/json" }, body });
  }

  return {
    baseUrl,
    inbound: (payload) => webhook("/webhooks/inbound", payload),
    status: (payload) => webhook("/webhooks/status", payload),
    startFlow: (menuId, business, customer, profileName) =>
      call(`/flows/${encodeURIComponent(menuId)}/start`, {
        method: "POST",
        headers: { Authorization: `Bearer ${options.adminToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(profileName === undefined ? { to: customer, from: business } : { to: customer, from: business, profileName }),
      }),
    admin: (method, path, body) =>
      call(`/admin${path}`, {
        method,
        headers: { Authorization: `Bearer ${options.adminToken}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}
