/**
 * The application JWT across webhooks, on every runtime: signed once per isolate and reused while Vonage takes it,
 * a token per send when told to (`VONAGE_JWT_TTL_SECONDS=0`) or when the Messages API refuses a reused one.
 */
import assert from "node:assert/strict";
import cafe from "../../menus/cafe.json" with { type: "json" };
import { textWebhook } from "../../sim/vonage-webhooks.js";
import { newCustomer, scenario, type Harness, type Scenario } from "./harness.js";

/** `n` new customers write "hi": each gets the bound menu's first question, one send per webhook. */
async function greet(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await h.inbound(textWebhook({ business: h.business, customer: newCustomer(), text: "hi" }));
    assert.equal(res.status, 200, await res.clone().text());
  }
  assert.equal(h.api.accepted.length, n, "every question went out");
}

const reuseWarnings = (h: Harness) => h.logs.filter((line) => line.includes("refused a reused application JWT"));

export const tokenScenarios: Scenario[] = [
  scenario("the application JWT is signed once for many webhooks' sends (VONAGE_JWT_TTL_SECONDS defaults to 900)", { menus: [cafe], bind: "cafe" }, async ({ h }) => {
    await greet(h, 4);
    assert.equal(h.api.jtis.size, 1, "one token, reused");
    const claims = h.api.accepted[0]!.claims;
    assert.equal((claims["exp"] as number) - (claims["iat"] as number), 900);
    assert.deepEqual(reuseWarnings(h), []);
  }),
  scenario("VONAGE_JWT_TTL_SECONDS=0: a fresh token for every send", { menus: [cafe], bind: "cafe", harness: { env: { VONAGE_JWT_TTL_SECONDS: "0" } } }, async ({ h }) => {
    await greet(h, 3);
    assert.equal(h.api.jtis.size, 3);
  }),
  scenario(
    "a Messages API that refuses a reused jti: the first reuse is sent again with a fresh token, one warning, then a token per send",
    { menus: [cafe], bind: "cafe", harness: { messagesApi: { refuseReusedJti: true } } },
    async ({ h }) => {
      await greet(h, 4);
      assert.deepEqual(
        h.api.rejected.map((r) => r.problem["detail"]),
        ["this jti was used before"],
        "only the first reuse was refused",
      );
      assert.equal(new Set(h.api.accepted.map((m) => m.claims["jti"])).size, 4, "every accepted send had its own token");
      assert.equal(reuseWarnings(h).length, 1, h.logs.join("\n"));
      assert.match(reuseWarnings(h)[0]!, /"level":"warn"/);
    },
  ),
];
