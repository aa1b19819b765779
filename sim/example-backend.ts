/**
 * A small business backend for the booking example (`menus/booking.json`): free delivery slots per postcode,
 * bookings that take a slot, and a receiver of the completion webhook. Every request must carry a Standard
 * Webhooks signature made with the completion secret, checked with the `standardwebhooks` package as a real
 * backend would; a request that fails the check is answered 401. The simulator mounts it under `/backend`, and the
 * tests reach it through the worker's `fetch` port, with faults they can switch on (`failNext`).
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";

/** Where `menus/booking.json` says its backend is; `npm start` points it at the simulator instead. */
export const EXAMPLE_BACKEND_ORIGIN = "https://backend.example.com";

export interface BackendSlot {
  id: string;
  label: string;
  note?: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The signature verified with the `standardwebhooks` package. */
  verified: boolean;
}

/** What the next requests get instead of a normal answer. */
export type BackendFault = "500" | "hang" | "oversized" | "malformed" | "redirect";

export interface ExampleBackend {
  /** The origin menus name (requests to it reach `handle`). */
  origin: string;
  requests: ReceivedRequest[];
  /** Completion webhooks received at `/completed`. */
  completions: Array<Record<string, unknown>>;
  /** The next `n` requests get `fault`. */
  failNext(fault: BackendFault, n?: number): void;
  /** Sets the free slots of a postcode (normalised: upper case, no spaces). */
  setSlots(postcode: string, slots: BackendSlot[]): void;
  slotsOf(postcode: string): BackendSlot[];
  handle(request: Request): Promise<Response>;
}

const normalise = (postcode: string) => postcode.toUpperCase().replace(/\s+/g, "");

/** Demo slots: how many depends on the postcode's first letter, so each case of the menu can be tried. */
function demoSlots(postcode: string): BackendSlot[] {
  const count = ({ E: 2, N: 3, S: 7, W: 25, Z: 0 } as Record<string, number>)[postcode[0] ?? ""] ?? 4;
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  return Array.from({ length: count }, (_, i) => {
    const hour = 8 + (i % 5) * 2;
    return { id: `slot-${postcode}-${i + 1}`, label: `${days[Math.floor(i / 5) % days.length]} ${hour}:00-${hour + 2}:00`, ...(i % 3 === 0 ? { note: "Van with tail lift" } : {}) };
  });
}

const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });

/** Waits until the request is given up (its signal aborts), as a backend that never answers. */
const hang = (signal: AbortSignal) =>
  new Promise<Response>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });

export function createExampleBackend(options: { secret: string; origin?: string }): ExampleBackend {
  const verifier = new Webhook(options.secret);
  const slots = new Map<string, BackendSlot[]>();
  const faults: BackendFault[] = [];
  let bookings = 0;
  const slotsOf = (postcode: string) => {
    const key = normalise(postcode);
    if (!slots.has(key)) slots.set(key, demoSlots(key));
    return slots.get(key)!;
  };

  const backend: ExampleBackend = {
    origin: options.origin ?? EXAMPLE_BACKEND_ORIGIN,
    requests: [],
    completions: [],
    failNext: (fault, n = 1) => void faults.push(...Array.from({ length: n }, () => fault)),
    setSlots: (postcode, list) => void slots.set(normalise(postcode), list),
    slotsOf,
    async handle(request) {
      const body = await request.text();
      const headers = Object.fromEntries(request.headers);
      let verified = true;
      try {
        verifier.verify(body, headers, { jsonParse: false });
      } catch (e) {
        if (!(e instanceof WebhookVerificationError)) throw e;
        verified = false;
      }
      const path = new URL(request.url).pathname.replace(/^\/backend(?=\/)/, "");
      backend.requests.push({ method: request.method, path, headers, body, verified });
      if (!verified) return json({ error: "bad signature" }, 401);

      const fault = faults.shift();
      switch (fault) {
        case "500":
          return json({ error: "down for maintenance" }, 500);
        case "hang":
          return hang(request.signal);
        case "oversized":
          return json({ slots: [], padding: "x".repeat(64 * 1024) });
        case "malformed":
          return new Response("<html>Bad gateway</html>", { status: 200, headers: { "Content-Type": "text/html" } });
        case "redirect":
          return new Response(null, { status: 302, headers: { Location: "http://169.254.169.254/" } });
        case undefined:
          break;
      }

      const input = (body === "" ? {} : JSON.parse(body)) as { postcode?: string; slot?: string };
      if (request.method === "POST" && path === "/slots") {
        const free = slotsOf(String(input.postcode ?? ""));
        const area = normalise(String(input.postcode ?? "")).slice(0, 2) || "?";
        return json({ area: `area ${area}`, count: free.length, slots: free });
      }
      if (request.method === "POST" && path === "/bookings") {
        const free = slotsOf(String(input.postcode ?? ""));
        const index = free.findIndex((s) => s.id === input.slot);
        if (index < 0) return json({ error: "that slot is no longer free" }, 409);
        free.splice(index, 1);
        return json({ reference: `BK-${String(++bookings).padStart(4, "0")}` }, 201);
      }
      if (request.method === "POST" && path === "/completed") {
        backend.completions.push(JSON.parse(body) as Record<string, unknown>);
        return new Response(null, { status: 204 });
      }
      return json({ error: `no route for ${request.method} ${path}` }, 404);
    },
  };
  return backend;
}

/** The example menus with the example backend's origin replaced (`npm start` serves it from the simulator). */
export function withLocalBackend<T extends { doc: unknown }>(menus: T[], origin: string): T[] {
  return menus.map((m) => {
    const text = JSON.stringify(m.doc);
    return text.includes(EXAMPLE_BACKEND_ORIGIN) ? { ...m, doc: JSON.parse(text.split(EXAMPLE_BACKEND_ORIGIN).join(origin)) as unknown } : m;
  });
}
