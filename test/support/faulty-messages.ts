/**
 * Puts seeded random failures in front of the fake Messages API: 500s, 429s with Retry-After, and requests
 * that never answer (the fake's `hang`). The fake itself answers them, through `failNext`. A hang ends when
 * the client's timeout fires; the test cannot wait those seconds, so it fires that timeout at once with
 * the same TimeoutError that `AbortSignal.timeout` raises.
 */
import type { FakeMessagesApi, Fault } from "../../sim/messages-api.js";
import type { Random } from "../../sim/random.js";

export interface ApiFaultRates {
  error500: number;
  throttled429: number;
  timeout: number;
}

export interface FaultyMessages {
  fetch: typeof fetch;
  enabled: boolean;
  readonly counts: { error500: number; throttled429: number; timeout: number; requests: number };
}

export function faultyMessages(api: FakeMessagesApi, rates: ApiFaultRates, rng: Random): FaultyMessages {
  const counts = { error500: 0, throttled429: 0, timeout: 0, requests: 0 };
  const pickFault = (): Fault | undefined => {
    const r = rng.next();
    if (r < rates.error500) {
      counts.error500++;
      return { status: 500 };
    }
    if (r < rates.error500 + rates.throttled429) {
      counts.throttled429++;
      // Mostly short waits; sometimes longer than the client's retry budget, so it gives up and answers 503.
      return { status: 429, retryAfter: rng.pick([0, 1, 2, 30]) };
    }
    if (r < rates.error500 + rates.throttled429 + rates.timeout) {
      counts.timeout++;
      return { hang: true };
    }
    return undefined;
  };
  const out: FaultyMessages = {
    enabled: true,
    counts,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      counts.requests++;
      const fault = out.enabled ? pickFault() : undefined;
      if (fault === undefined) return api.fetch(input, init);
      api.failNext(fault);
      if (!("hang" in fault)) return api.fetch(input, init);
      const timer = new AbortController();
      const answer = api.fetch(input, { ...init, signal: timer.signal });
      timer.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
      return answer;
    }) as typeof fetch,
  };
  return out;
}
