/**
 * Setting a step's timer (`arm` in conversation/step.ts): the scheduler (a Cloudflare Queue's send, Deno KV's
 * enqueue) is tried again when it fails for a moment, within the step's deadline; what still fails is kept for the
 * sweep (`timer-stranded:` records), and logged.
 */
import { expect, it } from "vitest";
import { ARM_ATTEMPTS, arm, type ConversationDeps } from "../../src/conversation/step.js";
import type { Plan, TimerMessage } from "../../src/flow/types.js";

const message: TimerMessage = {
  v: 1,
  business: "441234500001",
  customer: "441234500002",
  id: "t-1",
  kind: "reminder",
  conversation: "c-1",
  node: "pick",
  asked: "2026-01-01T00:00:00Z",
  count: 0,
  due: "2026-01-01T01:00:00Z",
};
const plan = { outcome: "advanced", session: null, perform: null, node: "pick", schedule: { message, delayMs: 3_600_000 } } as unknown as Plan;

function setup(failures: number, options: { keepFails?: boolean } = {}) {
  const calls: Array<[TimerMessage, number]> = [];
  const sleeps: number[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const kept: TimerMessage[] = [];
  let clock = 1_000_000;
  const deps = {
    stranded: {
      async keep(body: TimerMessage) {
        if (options.keepFails) throw new Error("KV write failed");
        kept.push(body);
      },
    },
    scheduler: {
      async schedule(body: TimerMessage, delayMs: number) {
        calls.push([body, delayMs]);
        if (calls.length <= failures) throw new Error("Queue send failed: 500");
      },
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    log: (line: Record<string, unknown>) => void logs.push(line),
  } as unknown as ConversationDeps;
  return { deps, calls, sleeps, logs, kept, now: () => clock };
}

it("a scheduler that fails for a moment is tried again: the timer is set, nothing is logged", async () => {
  const t = setup(ARM_ATTEMPTS - 1);
  await arm(t.deps, plan, t.now() + 9_000);
  expect(t.calls).toEqual(Array.from({ length: ARM_ATTEMPTS }, () => [message, 3_600_000]));
  expect(t.sleeps).toEqual([100, 200]);
  expect(t.logs).toEqual([]);
  expect(t.kept).toEqual([]);
});

it("a scheduler that keeps failing is given up on after the last attempt: the timer is kept for the sweep, with one line", async () => {
  const t = setup(Number.POSITIVE_INFINITY);
  await arm(t.deps, plan, t.now() + 9_000);
  expect(t.calls).toHaveLength(ARM_ATTEMPTS);
  expect(t.kept).toEqual([message]);
  expect(t.logs).toEqual([{ level: "warn", msg: "a timer could not be set; it is kept for the sweep", kind: "reminder", error: "Queue send failed: 500" }]);
});

it("a timer that cannot be kept either is lost, with one error line that says so", async () => {
  const t = setup(Number.POSITIVE_INFINITY, { keepFails: true });
  await arm(t.deps, plan, t.now() + 9_000);
  expect(t.logs).toEqual([
    { level: "error", msg: "a timer could not be set, nor kept for the sweep; the conversation goes on without it", kind: "reminder", error: "Queue send failed: 500", keepError: "KV write failed" },
  ]);
});

it("no attempt starts after the step's deadline", async () => {
  const t = setup(Number.POSITIVE_INFINITY);
  await arm(t.deps, plan, t.now() + 50);
  expect(t.calls).toHaveLength(1);
  expect(t.kept).toEqual([message]);
  expect(t.logs).toHaveLength(1);
});
