/**
 * Simulated time for the fault suite: a clock that only moves when the simulation says so (the product's
 * `sleep` moves it too, so its backoffs take no real time), and events run in time order, ties in seeded
 * random order so that deliveries due together arrive in any order.
 */
import type { Random } from "../../sim/random.js";

interface Scheduled {
  at: number;
  tie: number;
  run: () => Promise<void>;
}

export interface Timeline {
  now(): number;
  /** What the product gets as `sleep`: time passes, nothing waits. */
  sleep(ms: number): Promise<void>;
  at(time: number, run: () => Promise<void>): void;
  after(ms: number, run: () => Promise<void>): void;
  /** Runs events until none is left, or throws after `maxEvents` (a runaway simulation is a bug). */
  run(maxEvents: number): Promise<number>;
}

export function timeline(start: number, rng: Random): Timeline {
  let clock = start;
  const queue: Scheduled[] = [];
  const t: Timeline = {
    now: () => clock,
    sleep: async (ms) => {
      clock += Math.max(0, ms);
    },
    at(time, run) {
      const item = { at: time, tie: rng.next(), run };
      let i = queue.length;
      while (i > 0 && (queue[i - 1]!.at > item.at || (queue[i - 1]!.at === item.at && queue[i - 1]!.tie > item.tie))) i--;
      queue.splice(i, 0, item);
    },
    after: (ms, run) => t.at(clock + ms, run),
    async run(maxEvents) {
      let n = 0;
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (++n > maxEvents) throw new Error(`more than ${maxEvents} events: the simulation does not settle`);
        // The product's own sleeps may have moved the clock past an event that was due meanwhile.
        clock = Math.max(clock, next.at);
        await next.run();
      }
      return n;
    },
  };
  return t;
}
