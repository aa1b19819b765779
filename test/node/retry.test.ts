/** The retry helper on a fake clock: attempts, which errors are retried, the waits, and the deadline. */
import { describe, expect, it } from "vitest";
import { exponential, retry, type RetryPolicy } from "../../src/retry.js";

class Passing extends Error {}

/** An operation that fails `failures` times with `error`, then answers `"done"`; and a clock that only sleeps move. */
function setup(failures: number, error: () => Error = () => new Passing("not yet")) {
  let clock = 1_000_000;
  const calls: number[] = [];
  const sleeps: number[] = [];
  const operation = async (n: number) => {
    calls.push(n);
    if (calls.length <= failures) throw error();
    return "done";
  };
  const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
    attempts: 4,
    delayMs: (n) => exponential(n, 100),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...overrides,
  });
  return { operation, policy, calls, sleeps, now: () => clock };
}

describe("retry", () => {
  it("answers the first success without waiting", async () => {
    const { operation, policy, calls, sleeps } = setup(0);
    await expect(retry(operation, policy())).resolves.toBe("done");
    expect(calls).toEqual([1]);
    expect(sleeps).toEqual([]);
  });

  it("tries again after the backoff the policy gives for each attempt", async () => {
    const { operation, policy, calls, sleeps } = setup(3);
    await expect(retry(operation, policy())).resolves.toBe("done");
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it("throws the last error once the attempts are used up", async () => {
    const { operation, policy, calls } = setup(9);
    await expect(retry(operation, policy({ attempts: 3 }))).rejects.toThrow("not yet");
    expect(calls).toEqual([1, 2, 3]);
  });

  it("throws an error the policy does not call retryable at once", async () => {
    const { operation, policy, calls, sleeps } = setup(1, () => new TypeError("final"));
    await expect(retry(operation, policy({ retryable: (e) => e instanceof Passing }))).rejects.toThrow(TypeError);
    expect(calls).toEqual([1]);
    expect(sleeps).toEqual([]);
  });

  it("hands the failed attempt's number and error to the backoff", async () => {
    const { operation, policy } = setup(2, () => Object.assign(new Passing("later"), { retryAfterMs: 30 }));
    const seen: Array<[number, unknown]> = [];
    const delayMs = (n: number, e: unknown) => {
      seen.push([n, (e as { retryAfterMs: number }).retryAfterMs]);
      return 0;
    };
    await retry(operation, policy({ delayMs }));
    expect(seen).toEqual([
      [1, 30],
      [2, 30],
    ]);
  });

  it("gives up rather than start an attempt after the deadline", async () => {
    const { operation, policy, calls, sleeps, now } = setup(9);
    const at = now() + 350;
    await expect(retry(operation, policy({ attempts: 10, deadline: { at, now } }))).rejects.toThrow("not yet");
    // Waits of 100 and 200 end by the deadline; the next one (400) would not.
    expect(sleeps).toEqual([100, 200]);
    expect(calls).toEqual([1, 2, 3]);
  });
});
