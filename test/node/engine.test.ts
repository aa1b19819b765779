/** The conversation engine alone: pure functions, no KV, no network, microseconds per case. */
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { handleInbound, markDeliveryFailed, recordSent, startConversation, type MenuRef } from "../../src/flow/engine.js";
import type { InboundEvent, Session } from "../../src/flow/types.js";
import { parseMenu } from "../../src/menus/compile.js";

const T0 = "2026-11-30T12:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
let cafe: MenuRef;
let uuid = 0;

beforeAll(async () => {
  cafe = { menu: parseMenu(JSON.parse(await readFile("menus/cafe.json", "utf8"))), version: 1 };
});

const who = { business: "447700900000", customer: "447700900001" };
function event(content: InboundEvent["content"], timestamp = T0, contextUuid?: string): InboundEvent {
  return { messageUuid: `in-${++uuid}`, ...who, timestamp, content, ...(contextUuid === undefined ? {} : { contextUuid }) };
}
const tap = (id: string, timestamp = T0) => event({ kind: "reply", id, title: id }, timestamp);

/** Runs a step as the service would, with made-up message uuids. */
function step(session: Session | null, e: InboundEvent, now = T0) {
  const plan = handleInbound(session, e, { active: session?.pending ? cafe : null, fresh: cafe }, now);
  const next = plan.session && recordSent(plan.session, plan.sends.map((_, i) => `out-${uuid}-${i}`));
  return { plan, session: next ?? session };
}

describe("the engine", () => {
  it("starts, advances and records answers with their nodes", () => {
    let s = step(null, event({ kind: "text", text: "hi" })).session;
    expect(s?.pending?.node).toBe("welcome");
    s = step(s, tap("order")).session;
    s = step(s, tap("latte")).session;
    expect(s?.answers.map((a) => `${a.node}:${a.id}`)).toEqual(["welcome:order", "drink:latte"]);
    expect(s?.asked.map((a) => a.node)).toEqual(["welcome", "drink"]);
  });

  it("a tap on the question after the pending one is sent back while fresh: the session read was stale", () => {
    const atWelcome = step(null, event({ kind: "text", text: "hi" })).session;
    const { plan } = step(atWelcome, tap("latte", at(-5)), at(0));
    expect(plan).toMatchObject({ outcome: "behind", sends: [], session: null });
  });

  it("an old tap ahead of the session is taken, with the answer the stale session missed when it is certain", () => {
    const atWelcome = step(null, event({ kind: "text", text: "hi" })).session;
    const { plan, session } = step(atWelcome, tap("latte", at(-600)), at(0));
    expect(plan.outcome).toBe("advanced");
    expect(session?.pending?.node).toBe("size");
    expect(session?.answers.map((a) => `${a.node}:${a.id}`)).toEqual(["welcome:order", "drink:latte"]);
  });

  it("an unparseable timestamp never makes a tap wait forever", () => {
    const atWelcome = step(null, event({ kind: "text", text: "hi" })).session;
    expect(step(atWelcome, tap("latte", "not a date")).plan.outcome).toBe("advanced");
  });

  it("what an interrupted step still owes goes out first, then the step itself", () => {
    const s = step(null, event({ kind: "text", text: "hi" })).session!;
    const owed: Session = { ...s, outbox: [{ type: "text", text: "owed" }] };
    const { plan } = step(owed, tap("order"));
    expect(plan.sends[0]).toEqual({ type: "text", text: "owed" });
    expect(plan.sends).toHaveLength(2);
    expect(plan.session?.outbox).toBeUndefined();
  });

  it("commands work in any case, and a stop keeps nothing pending", () => {
    const s = step(null, event({ kind: "text", text: "hi" })).session;
    const stopped = step(s, event({ kind: "text", text: " Stop! " }));
    expect(stopped.plan.outcome).toBe("stopped");
    expect(stopped.session).toMatchObject({ optedOut: true, pending: null });
    expect(step(stopped.session, tap("order")).plan).toMatchObject({ outcome: "opted_out", sends: [] });
  });

  it("placeholders longer than WhatsApp allows are cut to the limit", () => {
    const long = parseMenu({
      id: "long",
      start: "q",
      nodes: { q: { type: "question", text: "Name?", options: [{ id: "a", title: "A", next: "t" }] }, t: { type: "question", text: `${"x".repeat(1000)} {{profile.name}}`, options: [{ id: "b", title: "B", next: { text: "ok" } }] } },
    });
    const ref = { menu: long, version: 1 };
    const s = startConversation(ref, { ...who, profileName: "y".repeat(100) }, T0).session!;
    const plan = handleInbound(s, tap("a"), { active: ref, fresh: ref }, T0);
    const body = (plan.sends[0] as { interactive: { body: { text: string } } }).interactive.body.text;
    expect([...body].length).toBe(1024);
    expect(body.endsWith("…")).toBe(true);
  });

  it("only a rejected or undeliverable status of the pending question marks it", () => {
    const s = recordSent(startConversation(cafe, who, T0).session!, ["q-1"]);
    expect(markDeliveryFailed(s, { messageUuid: "q-1", status: "read" }, T0)).toBeNull();
    expect(markDeliveryFailed(s, { messageUuid: "other", status: "rejected" }, T0)).toBeNull();
    expect(markDeliveryFailed(s, { messageUuid: "q-1", status: "undeliverable", code: "1340" }, T0)?.pending?.failed).toEqual({ status: "undeliverable", code: "1340", at: T0 });
  });
});

describe("a menu that loops", () => {
  it("keeps the last 100 answers, and going back still restores the right ones", () => {
    let s = step(null, event({ kind: "text", text: "hi" })).session;
    // Opening hours leads back to the welcome question: a loop a customer can ride for ever.
    for (let i = 0; i < 130; i++) s = step(s, tap("hours")).session;
    expect(s?.answers).toHaveLength(100);
    s = step(s, tap("order")).session;
    expect(s?.answers).toHaveLength(100);
    expect(s?.answers.at(-1)?.id).toBe("order");
    s = step(s, event({ kind: "text", text: "back" })).session;
    expect(s?.pending?.node).toBe("welcome");
    expect(s?.answers).toHaveLength(99);
    expect(s?.answers.every((a) => a.id === "hours")).toBe(true);
  });
});
