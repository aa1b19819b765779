/**
 * The test's clock and the timers the worker set, for the harnesses: the worker's scheduler records each timer with
 * when it is due by this clock; the test moves the clock and delivers what is due through the runtime's own
 * consumer (Workers `queue()`, Deno `listenQueue`). Nothing sleeps.
 */
import type { TimerMessage } from "../../src/flow/types.js";

export interface TestClock {
  now(): number;
  /** Moves the worker's clock forward (it starts at the real time and runs on with it). */
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

export interface SetTimer {
  body: TimerMessage;
  dueAt: number;
}

export interface TimerQueue {
  /** Every timer the worker set, delivered or not, in order. */
  readonly set: readonly SetTimer[];
  /** Timers not delivered yet. */
  pending(): SetTimer[];
  /** Delivers every pending timer due by the clock, oldest first, through the runtime's consumer; how many. */
  deliverDue(): Promise<number>;
  /** Delivers `body` (again: a duplicate, or late), whatever the clock says. */
  redeliver(body: TimerMessage): Promise<void>;
  /** While true, every send is refused (as a queue that is down), and nothing is recorded. */
  refusing: boolean;
  /** Sends refused so far. */
  readonly refused: number;
}

/** What a harness gives: the consumer that takes a delivered timer body. */
export function timerQueue(clock: TestClock, consume: (body: TimerMessage) => Promise<void>) {
  const set: SetTimer[] = [];
  const delivered = new Set<SetTimer>();
  let refused = 0;
  const record = (body: unknown, delayMs: number) => {
    if (queue.refusing) {
      refused++;
      throw new Error("Queue send failed: 503 (the test's queue refuses)");
    }
    set.push({ body: structuredClone(body) as TimerMessage, dueAt: clock.now() + delayMs });
  };
  const queue: TimerQueue = {
    set,
    pending: () => set.filter((t) => !delivered.has(t)),
    async deliverDue() {
      let n = 0;
      // A delivery may set the next timer: keep going while something is due.
      for (;;) {
        const due = queue.pending().filter((t) => t.dueAt <= clock.now());
        if (due.length === 0) return n;
        for (const t of due) {
          delivered.add(t);
          await consume(t.body);
          n++;
        }
      }
    },
    redeliver: (body) => consume(body),
    refusing: false,
    get refused() {
      return refused;
    },
  };
  return {
    queue,
    /** For a Queue binding's `send(body, {delaySeconds})`. */
    send: async (body: unknown, options?: { delaySeconds?: number }) => record(body, (options?.delaySeconds ?? 0) * 1000),
    /** For a `Scheduler`. */
    schedule: async (body: unknown, delayMs: number) => record(body, delayMs),
  };
}
