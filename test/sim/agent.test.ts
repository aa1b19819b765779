/** The agent pane's API against the real worker app, in process: handed over, relayed, answered, handed back. */
import { describe, expect, it, vi } from "vitest";
import type { BusinessEntry } from "../../sim/chat-log.js";
import { ALICE, RECEIVER_URL, rigWithWorker } from "./rig.js";

/** A menu whose "agent" command hands the customer to the local receiver standing in for the agent system. */
const DESK = {
  id: "desk",
  start: "drink",
  settings: { handover: { webhook: `${RECEIVER_URL}/agent`, text: "A barista will answer you here." } },
  nodes: {
    drink: {
      type: "question",
      text: "Tea or coffee?",
      options: [
        { id: "tea", title: "Tea", next: { text: "One tea coming up." } },
        { id: "coffee", title: "Coffee", next: { text: "One coffee coming up." } },
      ],
    },
  },
};

const lastBusiness = (entries: Array<{ kind: string }>) => entries.filter((e): e is BusinessEntry => e.kind === "business").at(-1)!;

describe("the agent pane's API", () => {
  it("shows the handover, sends the agent's text and hands back to the menu", async () => {
    const rig = await rigWithWorker({ receiver: true });
    expect((await rig.worker.admin("PUT", "/menus/desk", DESK)).ok).toBe(true);
    expect((await rig.worker.admin("PUT", "/bindings/default", { menuId: "desk" })).ok).toBe(true);
    const agent = async () => (await (await rig.sim.app.request(`/api/customers/${ALICE.number}/agent`)).json()) as { handover: { webhook: string } | null };

    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "hi" });
    expect((await agent()).handover).toBeNull();
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "agent" });
    expect((await agent()).handover?.webhook).toBe(`${RECEIVER_URL}/agent`);

    // The customer's message goes to the agent endpoint, signed, and the bot says nothing.
    const before = rig.sim.log.entries(ALICE.number).filter((e) => e.kind === "business").length;
    await rig.page(`/api/customers/${ALICE.number}/messages`, { text: "is my tea ready?" });
    expect(rig.sim.log.entries(ALICE.number).filter((e) => e.kind === "business")).toHaveLength(before);
    await vi.waitFor(() => expect(rig.receiver!.received().map((w) => (w.body as { type: string }).type)).toEqual(["handover.started", "handover.message"]));
    expect(rig.receiver!.received().every((w) => w.verified)).toBe(true);

    expect((await rig.page(`/api/customers/${ALICE.number}/agent/reply`, { text: "Two minutes!" })).status).toBe(200);
    expect(lastBusiness(rig.sim.log.entries(ALICE.number)).content).toEqual({ type: "text", text: "Two minutes!" });

    expect((await rig.page(`/api/customers/${ALICE.number}/agent/handback`, {})).status).toBe(200);
    expect((lastBusiness(rig.sim.log.entries(ALICE.number)).content as { type: string }).type).toBe("interactive");
    expect((await agent()).handover).toBeNull();
    // Handed back: an agent's text is refused, and the chat says why.
    expect((await rig.page(`/api/customers/${ALICE.number}/agent/reply`, { text: "Hello?" })).status).toBe(409);
  });
});
