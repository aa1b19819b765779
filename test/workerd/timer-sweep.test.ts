/**
 * The sweep (`conversation/sweep.ts`) over the real Miniflare KV binding: what it queues, with which delay, and when
 * a record is removed. The whole path (a step the queue refuses, the Worker's scheduled() handler, the reminder
 * reaching the customer once) is in test/scenarios/timers.ts, `sweepScenarios`, on both runtimes.
 */
/// <reference types="vite/client" />
import { env } from "cloudflare:test";
import { beforeEach, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { remainingDelayMs, SWEEP_MAX, SWEEP_SCHEDULE, sweepTimers } from "../../src/conversation/sweep.js";
import type { TimerMessage } from "../../src/flow/types.js";
import { STRANDED_KEEP_SECONDS, STRANDED_PREFIX, strandedKey, strandedTimers } from "../../src/store/stranded-timers.js";
import { workersKv } from "../../src/store/workers-kv.js";
import { newCustomer } from "../scenarios/harness.js";

const kv = workersKv(env.SESSIONS, { sleep: async () => undefined });
let clock = Date.parse("2026-03-01T12:00:00Z");
const now = () => clock;
const stranded = strandedTimers(kv, { now });

beforeEach(async () => {
  for (const name of await kv.list("")) await kv.delete(name);
  clock = Date.parse("2026-03-01T12:00:00Z");
});

function timer(dueInMs: number, overrides: Partial<TimerMessage> = {}): TimerMessage {
  const asked = new Date(clock).toISOString();
  return {
    v: 1,
    business: newCustomer(),
    customer: newCustomer(),
    kind: "reminder",
    id: `reminder:c-${crypto.randomUUID()}:ask:${asked}:0`,
    conversation: "c-1",
    node: "ask",
    asked,
    count: 0,
    due: new Date(clock + dueInMs).toISOString(),
    ...overrides,
  };
}

/** A scheduler that records what it took, and what the store held at that moment; it refuses what `refuses` says. */
function recording(refuses: (message: TimerMessage) => boolean = () => false) {
  const taken: Array<{ body: TimerMessage; delayMs: number; stillKept: boolean }> = [];
  let calls = 0;
  return {
    taken,
    calls: () => calls,
    scheduler: {
      async schedule(body: unknown, delayMs: number) {
        calls++;
        const message = body as TimerMessage;
        if (refuses(message)) throw new Error("Queue send failed: 503");
        taken.push({ body: message, delayMs, stillKept: (await kv.get(await strandedKey(message))) !== null });
      },
    },
  };
}

it("the Cron Trigger in wrangler.toml runs on SWEEP_SCHEDULE, the schedule Deno.cron is given", () => {
  expect(/\[triggers\]\s*\ncrons = \["([^"]+)"\]/.exec(wranglerToml)?.[1]).toBe(SWEEP_SCHEDULE);
});

it("a kept timer is queued with what is left of its delay, and its record removed only once the queue took it", async () => {
  const soon = timer(10 * 60_000);
  const due = timer(-60_000);
  await stranded.keep(soon);
  await stranded.keep(due);
  clock += 60_000;
  const q = recording();
  const result = await sweepTimers({ stranded, scheduler: q.scheduler, now });
  expect(result).toEqual({ found: 2, requeued: 2, kept: 0, dropped: 0, unremoved: 0 });
  const byId = new Map(q.taken.map((t) => [t.body.id, t]));
  expect(byId.get(soon.id)).toEqual({ body: soon, delayMs: 9 * 60_000, stillKept: true });
  expect(byId.get(due.id)).toEqual({ body: due, delayMs: 0, stillKept: true });
  expect(await kv.list(STRANDED_PREFIX)).toEqual([]);
});

it("the same customer's same timer kept twice is one record, which expires a day after the timer is due", async () => {
  const t = timer(60 * 60_000);
  await stranded.keep(t);
  await stranded.keep(t);
  const { keys } = await env.SESSIONS.list({ prefix: STRANDED_PREFIX });
  expect(keys.map((k) => k.name)).toEqual([await strandedKey(t)]);
  // Miniflare's clock is the real one; the record's TTL is counted from the worker's.
  const ttl = (keys[0]!.expiration ?? 0) - Math.floor(Date.now() / 1000);
  expect(Math.abs(ttl - (3600 + STRANDED_KEEP_SECONDS))).toBeLessThan(5);
  expect((await strandedKey(t)).length).toBeLessThan(512);
});

it("a record the queue refuses stays for the next sweep, and does not hold up the others", async () => {
  const timers = [timer(60_000), timer(60_000), timer(60_000)];
  for (const t of timers) await stranded.keep(t);
  const refused = (await kv.list(STRANDED_PREFIX))[0];
  const q = recording((m) => m.id === timers.find((t) => refused?.includes(t.customer))?.id);
  const result = await sweepTimers({ stranded, scheduler: q.scheduler, now });
  expect(result).toEqual({ found: 3, requeued: 2, kept: 1, dropped: 0, unremoved: 0, error: "Queue send failed: 503" });
  expect(q.calls()).toBe(3);
  expect(await kv.list(STRANDED_PREFIX)).toEqual([refused]);
  const next = await sweepTimers({ stranded, scheduler: recording().scheduler, now });
  expect(next).toMatchObject({ found: 1, requeued: 1, kept: 0 });
});

it("a record of a shape no timer handler takes is removed without being queued", async () => {
  await kv.put(`${STRANDED_PREFIX}old`, { v: 0, kind: "reminder" });
  const q = recording();
  expect(await sweepTimers({ stranded, scheduler: q.scheduler, now })).toEqual({ found: 1, requeued: 0, kept: 0, dropped: 1, unremoved: 0 });
  expect(q.taken).toEqual([]);
  expect(await kv.list(STRANDED_PREFIX)).toEqual([]);
});

it(`one sweep takes at most ${SWEEP_MAX} records; the rest wait for the next`, async () => {
  for (let i = 0; i < SWEEP_MAX + 3; i++) await stranded.keep(timer(60_000));
  expect((await sweepTimers({ stranded, scheduler: recording().scheduler, now })).requeued).toBe(SWEEP_MAX);
  expect((await sweepTimers({ stranded, scheduler: recording().scheduler, now })).requeued).toBe(3);
});

it("what is left of a delay: none once due, none for a due date that does not parse", () => {
  expect(remainingDelayMs(timer(5_000), clock)).toBe(5_000);
  expect(remainingDelayMs(timer(-5_000), clock)).toBe(0);
  expect(remainingDelayMs(timer(0, { due: "soon" }), clock)).toBe(0);
});
