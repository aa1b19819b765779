import { describe, expect, it } from "vitest";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { VonageApiError } from "../../src/errors.js";
import { HTTP_ERRORS } from "../../src/http/errors.js";
import { createMessagesClient } from "../../src/vonage/messages-client.js";
import { importPrivateKey } from "../../src/vonage/private-key.js";
import { systemRandom } from "../../src/system.js";
import { buildMessage } from "../../src/vonage/outbound.js";
import { generateTestKeys } from "../support/keys.js";

describe("the Messages API client", async () => {
  const keys = await generateTestKeys();
  const privateKey = await importPrivateKey(keys.pkcs8Pem);
  const start = Math.floor(Date.now() / 1000) * 1000;

  function setup(overrides: Partial<Parameters<typeof createMessagesClient>[0]> = {}) {
    const api = createFakeMessagesApi({ applicationId: "app-1", publicKey: keys.publicKey });
    const sleeps: number[] = [];
    let clock = start;
    const client = createMessagesClient({
      applicationId: "app-1",
      privateKey,
      baseUrl: "https://api.nexmo.test/",
      fetch: api.fetch,
      now: () => clock,
      random: systemRandom,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      ...overrides,
    });
    return { api, client, sleeps };
  }
  const text = buildMessage("447700900000", "447700900001", { type: "text", text: "hello" });

  it("signs a fresh RS256 JWT per request with the claims Vonage requires", async () => {
    const { api, client } = setup();
    const a = await client.send(text);
    const b = await client.send(text);
    expect(a).toBe(api.accepted[0]!.messageUuid);
    expect(b).not.toBe(a);
    const [c1, c2] = api.accepted.map((m) => m.claims);
    expect(c1).toMatchObject({ application_id: "app-1", iat: start / 1000, exp: start / 1000 + 900 });
    expect(typeof c1!["jti"]).toBe("string");
    expect(c1!["jti"]).not.toBe(c2!["jti"]);
  });

  it("retries 429 and 5xx, honouring Retry-After", async () => {
    const { api, client, sleeps } = setup();
    api.failNext({ status: 429, retryAfter: 2 }, { status: 502 });
    await client.send(text);
    expect(api.requests).toBe(3);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBeLessThan(500);
  });

  it("gives up within its time budget and says the failure may pass", async () => {
    const { api, client } = setup({ budgetMs: 5_000 });
    api.failNext({ status: 429, retryAfter: 3 }, { status: 429, retryAfter: 3 });
    const error = await client.send(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VonageApiError);
    expect((error as VonageApiError).retryable).toBe(true);
    expect(HTTP_ERRORS[(error as VonageApiError).code].status).toBe(503);
    expect(api.requests).toBe(2);
  });

  it("does not retry a final error, and keeps Vonage's problem details", async () => {
    const { api, client } = setup();
    const bad = { ...buildMessage("447700900000", "447700900001", { type: "text", text: "x" }), text: "" };
    const error = (await client.send(bad).catch((e: unknown) => e)) as VonageApiError;
    expect(error.httpStatus).toBe(422);
    expect(error.retryable).toBe(false);
    expect(error.problem.invalid_parameters).toEqual([{ name: "text", reason: "must be a non-empty string" }]);
    expect(api.requests).toBe(1);
  });

  it("treats a hanging Messages API as a retryable timeout", async () => {
    const { api, client } = setup({ timeoutMs: 20 });
    api.failNext({ hang: true });
    await client.send(text);
    expect(api.requests).toBe(2);
    expect(api.accepted).toHaveLength(1);
  });

  it("is refused by the fake when signed with another key", async () => {
    const other = await generateTestKeys();
    const { api, client } = setup({ privateKey: await importPrivateKey(other.pkcs8Pem) });
    const error = (await client.send(text).catch((e: unknown) => e)) as VonageApiError;
    expect(error.httpStatus).toBe(401);
    expect(api.rejected[0]!.problem["detail"]).toMatch(/does not verify/);
  });
  it("never waits past the step's deadline: a hanging API is abandoned in time, and no attempt starts after it", async () => {
    let clock = start;
    const signals: Array<AbortSignal | null> = [];
    const client = createMessagesClient({
      applicationId: "app-1",
      privateKey,
      baseUrl: "https://api.nexmo.test",
      // Hangs until the attempt's signal aborts it, as a stalled connection does.
      fetch: (_input, init) => {
        signals.push(init?.signal ?? null);
        return new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
      },
      now: () => clock,
      random: systemRandom,
      sleep: async (ms) => void (clock += ms),
    });
    const error = await client.send(text, { deadlineAt: clock + 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VonageApiError);
    // Each attempt waits at most what is left of the deadline (the backoff between attempts moves the clock).
    const waited = Number(/no answer within (\d+) ms/.exec((error as VonageApiError).message)?.[1]);
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(50);
    expect((error as VonageApiError).retryable).toBe(true);
    // The clock did not move while the attempt hung, so the retry loop may try once more within the deadline;
    // every attempt's timeout is bounded by the deadline, never the 5 s default.
    expect(signals.length).toBeGreaterThanOrEqual(1);
    clock += 60;
    const late = await client.send(text, { deadlineAt: clock - 1 }).catch((e: unknown) => e);
    expect((late as VonageApiError).message).toMatch(/deadline passed/);
  });
});
