/**
 * Forced interleavings and injected write failures for a harness's session store, on either runtime.
 * `arm(n)`: the next `n` reads of a session key each wait until all `n` have been made, so `n` webhooks decide
 * on the same stored session before any of them writes (the worst case for a store without compare-and-set).
 * `failPuts(prefix, times)`: the next `times` writes of keys starting with `prefix` throw, as KV does when down.
 */
export interface KvGate {
  arm(n: number): void;
  failPuts(prefix: string, times: number): void;
  /** Called by the wrapped store before each read and write. */
  beforeGet(key: string): Promise<void>;
  beforePut(key: string): void;
}

/** If fewer than `n` webhooks read (one ended early), the held reads go on after this long. */
const GIVE_UP_MS = 2_000;

export function kvGate(): KvGate {
  let expected = 0;
  let arrived = 0;
  let release = () => {};
  let released = Promise.resolve();
  const failing: Array<{ prefix: string; left: number }> = [];
  return {
    arm(n) {
      expected = n;
      arrived = 0;
      released = new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, GIVE_UP_MS);
      });
    },
    failPuts(prefix, times) {
      failing.push({ prefix, left: times });
    },
    async beforeGet(key) {
      if (!key.startsWith("session:") || arrived >= expected) return;
      if (++arrived === expected) release();
      await released;
    },
    beforePut(key) {
      const rule = failing.find((f) => f.left > 0 && key.startsWith(f.prefix));
      if (rule === undefined) return;
      rule.left--;
      throw new Error("KV PUT failed: 503 Service Unavailable (injected)");
    },
  };
}
