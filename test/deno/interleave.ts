/**
 * Forces webhooks to overlap without timing: once armed for `n` webhooks, the first `n` sends wait until each of
 * the `n` has either reached its send or finished. Sends come after the session is read and before it is
 * stored, so every armed webhook has read the same session before any of them writes.
 */
export interface Interleave {
  /** Wraps the fetch the worker sends with. */
  wrap(fetch: typeof globalThis.fetch): typeof globalThis.fetch;
  /** Starts holding the next `n` sends. */
  arm(n: number): void;
  /** Marks a webhook as arrived when it finishes, in case it ends without sending. */
  track(response: Promise<Response>): Promise<Response>;
}

export function interleave(): Interleave {
  let expected = 0;
  let arrived = 0;
  let held = 0;
  let release = () => {};
  let released = Promise.resolve();
  const arrive = () => {
    // A held webhook cannot finish before the release, so no webhook is counted twice before it.
    if (++arrived === expected) release();
  };
  return {
    wrap: (fetch) => async (input, init) => {
      if (held < expected) {
        held++;
        arrive();
        await released;
      }
      return fetch(input, init);
    },
    arm(n) {
      expected = n;
      arrived = 0;
      held = 0;
      released = new Promise<void>((resolve) => (release = resolve));
    },
    track: (response) =>
      response.finally(() => {
        if (arrived < expected) arrive();
      }),
  };
}
