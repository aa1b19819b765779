/** The simulator's clock control fires the worker's timers that the move made due, through the admin API, and no others. */
import { describe, expect, it } from "vitest";
import { createDueTimers } from "../../sim/due-timers.js";
import type { WorkerClient, WorkerResult } from "../../sim/worker-client.js";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const HOUR = 3_600_000;

/**
 * A worker whose customer waits on timers `every` ms apart, `times` of them, each set from the worker's own now (T0):
 * the question's `reminders` (all of them by default), then its timeout, a reminder timer too.
 */
function fakeWorker(every: number, times: number, reminders = times) {
  let fired = 0;
  const calls: string[] = [];
  const ok = (body: Record<string, unknown>): WorkerResult => ({ ok: true, status: 200, body });
  const worker: WorkerClient = {
    baseUrl: "http://worker.test",
    inbound: async () => ok({}),
    status: async () => ok({}),
    startFlow: async () => ok({}),
    async admin(method, path) {
      calls.push(`${method} ${path}`);
      if (method === "POST") {
        fired++;
        return ok({ outcome: fired > reminders ? "timed_out" : "reminded" });
      }
      const timers = fired < times ? [{ kind: "reminder", node: "ask", count: fired, due: new Date(T0 + every).toISOString() }] : [];
      return ok({ timers });
    },
  };
  return { worker, calls, fired: () => fired };
}

describe("due timers", () => {
  it("fires nothing the move did not reach, then the chain the move covers", async () => {
    const w = fakeWorker(HOUR, 3);
    const timers = createDueTimers({ worker: w.worker, business: "447700900000", now: () => T0 });
    expect(await timers.moved("447700900101", HOUR / 2)).toEqual([]);
    expect(w.fired()).toBe(0);
    // Another 2 hours: the customer's clock is 2.5 h on, so the reminders due at 1 h and 2 h fire, not the one at 3 h.
    expect(await timers.moved("447700900101", 2 * HOUR)).toEqual(['reminder 1 of "ask" came due', 'reminder 2 of "ask" came due']);
    expect(w.calls.filter((c) => c.startsWith("POST"))).toEqual(["POST /sessions/447700900000/447700900101/timer/fire", "POST /sessions/447700900000/447700900101/timer/fire"]);
  });

  it("tells the chat of each timer just before firing it, then what it did, or the worker's refusal", async () => {
    const w = fakeWorker(HOUR, 2, 1);
    const told: string[] = [];
    const timers = createDueTimers({ worker: w.worker, business: "447700900000", now: () => T0 });
    const firing = (timer: { node: string; count: number }) => {
      // Before the worker is asked to fire it: what the chat places here comes before the message the timer sends.
      told.push(`firing ${timer.node} #${timer.count} after ${w.calls.filter((c) => c.startsWith("POST")).length} fired`);
      return { fired: (what: string) => void told.push(`fired: ${what}`), failed: (message: string) => void told.push(`failed: ${message}`) };
    };
    await timers.moved("447700900101", 3 * HOUR, firing);
    expect(told).toEqual(["firing ask #0 after 0 fired", 'fired: reminder 1 of "ask" came due', "firing ask #1 after 1 fired", 'fired: "ask" went unanswered after its reminders: timed out']);

    // A worker that refuses to fire: the chat is told why, and nothing more is tried.
    const refusing = fakeWorker(HOUR, 2);
    const admin = refusing.worker.admin.bind(refusing.worker);
    refusing.worker.admin = async (method, path, body) => (method === "POST" ? { ok: false, status: 409, message: "The worker answered 409: no timer is pending" } : admin(method, path, body));
    const refused: string[] = [];
    const more = createDueTimers({ worker: refusing.worker, business: "447700900000", now: () => T0 });
    expect(await more.moved("447700900101", 3 * HOUR, () => ({ fired: (what) => void refused.push(what), failed: (message) => void refused.push(`failed: ${message}`) }))).toEqual([]);
    expect(refused).toEqual(["failed: The worker answered 409: no timer is pending"]);
  });

  it("says a timeout is one, not a reminder more than the question has", async () => {
    // One reminder, then the timeout: the worker's outcome for the second timer is `timed_out`.
    const w = fakeWorker(HOUR, 2, 1);
    const timers = createDueTimers({ worker: w.worker, business: "447700900000", now: () => T0 });
    expect(await timers.moved("447700900101", 3 * HOUR)).toEqual(['reminder 1 of "ask" came due', '"ask" went unanswered after its reminders: timed out']);
    expect(w.fired()).toBe(2);
  });
});
