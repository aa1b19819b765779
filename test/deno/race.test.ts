/**
 * Two webhooks for one customer at once, on Deno KV, each through its own app instance and KV handle (two
 * isolates of one deployment): compare-and-set makes the loser decide again on the winner's session, so no
 * answer is silently dropped and no handled message is forgotten.
 */
import assert from "node:assert/strict";
import cafe from "../../menus/cafe.json" with { type: "json" };
import { replyWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import type { Session } from "../../src/flow/types.js";
import { newCustomer } from "../scenarios/harness.js";
import { denoHarness, type DenoHarness } from "./harness.js";
import { interleave } from "./interleave.js";

/** The size question's text; a re-asked question carries a note before it. */
const SIZE_QUESTION = cafe.nodes.size.text;
const asksSize = (body: Record<string, unknown>) => bodyText(body) === SIZE_QUESTION || (bodyText(body) ?? "").endsWith(`\n\n${SIZE_QUESTION}`);

/** A customer of the cafe menu, waiting at the drink list; runs `fn` and disposes of the harness. */
async function atDrinkList(fn: (h: DenoHarness, customer: string, race: ReturnType<typeof interleave>) => Promise<void>) {
  const race = interleave();
  const h = await denoHarness({ wrapFetch: race.wrap });
  try {
    const customer = newCustomer();
    await h.publish(cafe);
    await h.bind(h.business, "cafe");
    await h.inbound(textWebhook({ business: h.business, customer, text: "hi" }));
    await h.inbound(replyWebhook({ business: h.business, customer, id: "order", title: "Order a drink" }));
    assert.equal((await h.session(customer))?.pending?.node, "drink");
    await fn(h, customer, race);
  } finally {
    await h.dispose();
  }
}

/** Sends the payloads at once, the first to instance 0 and the second to instance 1, and reads their outcomes. */
async function together(h: DenoHarness, race: ReturnType<typeof interleave>, a: Record<string, unknown>, b: Record<string, unknown>) {
  const before = h.api.accepted.length;
  race.arm(2);
  const responses = await Promise.all([race.track(h.inboundOn(0, a)), race.track(h.inboundOn(1, b))]);
  const outcomes: string[] = [];
  for (const res of responses) {
    assert.equal(res.status, 200, await res.clone().text());
    outcomes.push(String(((await res.json()) as { outcome: unknown }).outcome));
  }
  return { outcomes, sent: h.api.accepted.slice(before) };
}

const bodyText = (body: Record<string, unknown>) => (body["custom"] as { interactive?: { body: { text: string } } } | undefined)?.interactive?.body.text;
const drinkAnswers = (s: Session | null) => (s?.answers ?? []).filter((a) => a.node === "drink").map((a) => a.id);

Deno.test("two taps on two rows of one list: one answer is taken, the other webhook re-asks the next question", () =>
  atDrinkList(async (h, customer, race) => {
    const espresso = replyWebhook({ business: h.business, customer, id: "espresso", title: "Espresso" });
    const latte = replyWebhook({ business: h.business, customer, id: "latte", title: "Latte" });
    const { outcomes, sent } = await together(h, race, espresso, latte);

    // The loser's first decision went out before its write was refused; decided again on the winner's session,
    // its tap is on a question already answered (a stale tap), so the size is asked again.
    assert.deepEqual([...outcomes].sort(), ["advanced", "stale"]);
    assert.equal(sent.length, 3, "each webhook's first decision, then the loser's second");
    for (const m of sent) assert.ok(asksSize(m.body), String(bodyText(m.body)));

    const session = await h.session(customer);
    const winner = outcomes[0] === "advanced" ? "espresso" : "latte";
    assert.deepEqual(drinkAnswers(session), [winner], "exactly the winner's answer, recorded once");
    assert.ok(session?.handled.includes(String(espresso["message_uuid"])), "the espresso tap is marked handled");
    assert.ok(session?.handled.includes(String(latte["message_uuid"])), "the latte tap is marked handled");
    assert.equal(session?.pending?.node, "size");
    assert.equal(session?.pending?.messageUuid, sent.at(-1)!.messageUuid, "the pending question is the last one sent");
  }));

Deno.test("a tap and a typed message at once: the answer is kept whichever of the two is stored first", () =>
  atDrinkList(async (h, customer, race) => {
    const tap = replyWebhook({ business: h.business, customer, id: "espresso", title: "Espresso" });
    const typed = textWebhook({ business: h.business, customer, text: "one moment" });
    const { outcomes, sent } = await together(h, race, tap, typed);

    // Either the tap wins and the text re-asks the size, or the text wins (re-asking the drink) and the tap,
    // decided again on that session, still answers the drink list.
    assert.deepEqual([...outcomes].sort(), ["advanced", "reprompted"]);
    assert.equal(outcomes[0], "advanced", "the tap answers the drink list in both orders");
    assert.equal(sent.length, 3);
    const session = await h.session(customer);
    assert.deepEqual(drinkAnswers(session), ["espresso"]);
    assert.ok(session?.handled.includes(String(tap["message_uuid"])) && session.handled.includes(String(typed["message_uuid"])));
    assert.equal(session?.pending?.node, "size");
    assert.ok(asksSize(sent.at(-1)!.body));
    assert.equal(session?.pending?.messageUuid, sent.at(-1)!.messageUuid);

    // The conversation goes on from there as if the two had come one after the other.
    await h.inbound(replyWebhook({ business: h.business, customer, id: "large", title: "Large" }));
    assert.equal((await h.session(customer))?.pending?.node, "confirm");
  }));

Deno.test("one webhook delivered twice at once: the answer is stored once and the next question sent at most twice", () =>
  atDrinkList(async (h, customer, race) => {
    const tap = replyWebhook({ business: h.business, customer, id: "latte", title: "Latte" });
    const { outcomes, sent } = await together(h, race, tap, tap);

    // Both deliveries read the session before either stored it, so both sent; the loser then saw the message
    // as handled and answered duplicate. This is the documented bound for concurrent duplicates.
    assert.deepEqual([...outcomes].sort(), ["advanced", "duplicate"]);
    assert.equal(sent.length, 2);
    const session = await h.session(customer);
    assert.deepEqual(drinkAnswers(session), ["latte"]);
    assert.equal(session?.handled.filter((id) => id === tap["message_uuid"]).length, 1);
    assert.ok(
      sent.some((m) => m.messageUuid === session?.pending?.messageUuid),
      "the pending question is one that was sent",
    );
  }));
