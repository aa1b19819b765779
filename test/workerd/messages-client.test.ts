import { describe, expect, it } from "vitest";
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { VonageApiError } from "../../src/errors.js";
import { HTTP_ERRORS } from "../../src/http/errors.js";
import { createMessagesClient, reuseMarginS } from "../../src/vonage/messages-client.js";
import { importPrivateKey } from "../../src/vonage/private-key.js";
import { systemRandom } from "../../src/system.js";
import { buildMessage } from "../../src/vonage/outbound.js";
import { generateTestKeys } from "../support/keys.js";

describe("the Messages API client", async () => {
  const keys = await generateTestKeys();
  const privateKey = await importPrivateKey(keys.pkcs8Pem);
  const start = Math.floor(Date.now() / 1000) * 1000;

  /** `latencyMs`: how far the fake clock moves during each request. */
  function setup(overrides: Partial<Parameters<typeof createMessagesClient>[0]> & { latencyMs?: number } = {}, fake: { refuseReusedJti?: boolean } = {}) {
    const api = createFakeMessagesApi({ applicationId: "app-1", publicKey: keys.publicKey, ...fake });
    const sleeps: number[] = [];
    const logs: Array<Record<string, unknown>> = [];
    let clock = start;
    const { latencyMs = 0, ...clientOverrides } = overrides;
    const client = createMessagesClient({
      applicationId: "app-1",
      privateKey,
      baseUrl: "https://api.nexmo.test/",
      fetch: async (input, init) => {
        const res = await api.fetch(input, init);
        clock += latencyMs;
        return res;
      },
      now: () => clock,
      random: systemRandom,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      log: (line) => void logs.push(line),
      ...clientOverrides,
    });
    return { api, client, sleeps, logs, advance: (ms: number) => void (clock += ms) };
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

  it("masks a number written in groups in every text of Vonage's refusal it keeps, JSON or not", async () => {
    const quoted = "+44 7700 900123";
    const answers = [
      Response.json(
        {
          type: "https://developer.vonage.com/api-errors/messages#invalid-params",
          title: `Invalid params for ${quoted}`,
          detail: `The number ${quoted} is not valid`,
          instance: "bf0ca0bf-927b-3b52-e161-48b3cdd0ad11",
          invalid_parameters: [{ name: "to", reason: `${quoted} is not a WhatsApp number` }],
        },
        { status: 422 },
      ),
      new Response(`<html>Bad request for 44-7700-900123</html>`, { status: 400 }),
    ];
    for (const answer of answers) {
      const { client } = setup({ fetch: async () => answer.clone() });
      const error = (await client.send(text).catch((e: unknown) => e)) as VonageApiError;
      expect(error.retryable).toBe(false);
      const kept = JSON.stringify({ message: error.message, problem: error.problem });
      expect(kept).not.toMatch(/7700|900123/);
      expect(kept).toMatch(/\*\*(?: |-)\*\*\*\*(?: |-)\*\*0123/);
    }
    const { client } = setup({ fetch: async () => answers[0]!.clone() });
    const error = (await client.send(text).catch((e: unknown) => e)) as VonageApiError;
    expect(error.problem.instance).toBe("bf0ca0bf-927b-3b52-e161-48b3cdd0ad11");
  });

  it("keeps an excerpt of a refusal that is not JSON cut between whole characters: never half an emoji", async () => {
    const body = `${"x".repeat(199)}\u{1F600} and more`;
    const { client } = setup({ fetch: async () => new Response(body, { status: 400 }) });
    const error = (await client.send(text).catch((e: unknown) => e)) as VonageApiError;
    expect(error.problem.detail).toBe(`${"x".repeat(199)}…`);
  });

  it("masks a number across the excerpt's cut as a whole, not only the part before it", async () => {
    const body = `${"x".repeat(186)} +44 7700 900123 and more`;
    const { client } = setup({ fetch: async () => new Response(body, { status: 400 }) });
    const error = (await client.send(text).catch((e: unknown) => e)) as VonageApiError;
    // Masked on its own, the part before the cut (+44 7700 900) would keep its last digits readable: 0 900.
    expect(error.problem.detail).toBe(`${"x".repeat(186)} +** **** **0…`);
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
      log: () => undefined,
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

  describe("with token reuse (tokenTtlSeconds)", () => {
    const sendAll = async (client: ReturnType<typeof setup>["client"], n: number) => {
      for (let i = 0; i < n; i++) await client.send(text);
    };

    it("signs once for many sends, with exp at iat + the TTL", async () => {
      const { api, client, logs } = setup({ tokenTtlSeconds: 900 });
      await sendAll(client, 5);
      expect(api.accepted).toHaveLength(5);
      expect(api.jtis.size).toBe(1);
      expect(api.accepted[0]!.claims).toMatchObject({ application_id: "app-1", iat: start / 1000, exp: start / 1000 + 900 });
      expect(logs).toEqual([]);
    });

    it("shares one signing between concurrent sends", async () => {
      const { api, client } = setup({ tokenTtlSeconds: 900 });
      await Promise.all([client.send(text), client.send(text), client.send(text)]);
      expect(api.jtis.size).toBe(1);
    });

    it("mints a new token at exp less the margin, never later", async () => {
      const { api, client, advance } = setup({ tokenTtlSeconds: 900 });
      expect(reuseMarginS(900)).toBe(60);
      await client.send(text);
      advance((900 - 60) * 1000 - 1);
      await client.send(text);
      expect(api.jtis.size).toBe(1);
      advance(1);
      await client.send(text);
      expect(api.jtis.size).toBe(2);
      const [first, , third] = api.accepted.map((m) => m.claims);
      expect(third!["jti"]).not.toBe(first!["jti"]);
      expect(third!["iat"]).toBe(start / 1000 + 840);
      // A short TTL keeps half its life as the margin.
      expect(reuseMarginS(30)).toBe(15);
    });

    it("with TTL 0 signs a fresh token for every send", async () => {
      const { api, client } = setup({ tokenTtlSeconds: 0 });
      await sendAll(client, 4);
      expect(api.jtis.size).toBe(4);
    });

    it("when a reused token is refused, retries once with a fresh one, warns once, and signs per send from then on", async () => {
      const { api, client, logs } = setup({ tokenTtlSeconds: 900, maxAttempts: 1 }, { refuseReusedJti: true });
      await client.send(text);
      // The first reuse: refused, then sent with a fresh token within the same attempt (maxAttempts 1).
      await client.send(text);
      expect(api.rejected.map((r) => r.problem["detail"])).toEqual(["this jti was used before"]);
      expect(api.accepted).toHaveLength(2);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ level: "warn", msg: expect.stringMatching(/refused a reused application JWT/) });
      expect(JSON.stringify(logs[0])).not.toMatch(/eyJ/);
      await sendAll(client, 3);
      expect(api.accepted).toHaveLength(5);
      expect(api.rejected).toHaveLength(1);
      expect(api.jtis.size).toBe(5 + 1 - 1);
      expect(new Set(api.accepted.map((m) => m.claims["jti"])).size).toBe(5);
      expect(logs).toHaveLength(1);
    });

    it("warns once when concurrent sends are all refused their shared token", async () => {
      const { api, client, logs } = setup({ tokenTtlSeconds: 900, maxAttempts: 1 }, { refuseReusedJti: true });
      await Promise.all([client.send(text), client.send(text), client.send(text)]);
      expect(api.accepted).toHaveLength(3);
      expect(api.rejected).toHaveLength(2);
      expect(logs).toHaveLength(1);
    });

    it("keeps a 401 on a fresh token final, and does not reuse that token", async () => {
      const other = await generateTestKeys();
      const { api, client, logs } = setup({ tokenTtlSeconds: 900, privateKey: await importPrivateKey(other.pkcs8Pem) });
      for (let i = 0; i < 2; i++) {
        const error = (await client.send(text).catch((e: unknown) => e)) as VonageApiError;
        expect(error.httpStatus).toBe(401);
      }
      // One request per send: neither token was reused, so nothing was retried and no reuse warning is due.
      expect(api.requests).toBe(2);
      expect(api.jtis.size).toBe(0);
      expect(logs).toEqual([]);
    });

    it("keeps within the step's deadline when it retries a refused reused token", async () => {
      // Every request takes 100 ms of the fake clock.
      const { api, client } = setup({ tokenTtlSeconds: 900, maxAttempts: 1, latencyMs: 100 }, { refuseReusedJti: true });
      await client.send(text);
      const inTime = await client.send(text, { deadlineAt: start + 100 + 150 });
      expect(inTime).toBe(api.accepted[1]!.messageUuid);
      const { api: api2, client: client2 } = setup({ tokenTtlSeconds: 900, maxAttempts: 1, latencyMs: 100 }, { refuseReusedJti: true });
      await client2.send(text);
      const late = await client2.send(text, { deadlineAt: start + 100 + 100 }).catch((e: unknown) => e);
      expect((late as VonageApiError).message).toMatch(/deadline passed/);
      expect(api2.requests).toBe(2);
    });
  });
});
