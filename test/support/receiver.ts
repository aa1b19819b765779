/** A stand-in for the business's completion-webhook receiver: records what arrives, fails on request. */

export interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
}

export interface FakeReceiver {
  /** Base URL menus name as their webhook. */
  url: string;
  /** Every request, failed ones included. */
  requests: ReceivedHook[];
  /** Requests answered 2xx. */
  delivered: ReceivedHook[];
  /** Answer the next `n` requests with 500. */
  failNext(n: number): void;
  /** Answer every request with 503 from now on (false: back to normal). */
  failAlways(on: boolean): void;
  /** Answer every request with a 307 to `location` from now on (null: back to normal). */
  redirectTo(location: string | null): void;
  handle(request: Request): Promise<Response>;
}

export function createFakeReceiver(url = "https://hooks.test/completed"): FakeReceiver {
  let failures = 0;
  let always = false;
  let redirect: string | null = null;
  const receiver: FakeReceiver = {
    url,
    requests: [],
    delivered: [],
    failNext: (n) => void (failures = n),
    failAlways: (on) => void (always = on),
    redirectTo: (location) => void (redirect = location),
    async handle(request) {
      const hook: ReceivedHook = { headers: Object.fromEntries(request.headers), body: await request.text() };
      receiver.requests.push(hook);
      if (always) return new Response("down", { status: 503 });
      if (redirect !== null) return new Response(null, { status: 307, headers: { Location: redirect } });
      if (failures > 0) {
        failures--;
        return new Response("oops", { status: 500 });
      }
      receiver.delivered.push(hook);
      return new Response(null, { status: 204 });
    },
  };
  return receiver;
}
