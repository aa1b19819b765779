/**
 * The simulator's clock and its Agent strip under `npm start` with the example menus, in real headless Chromium: the
 * pill menu's reminder made due by the page's ⏩ +1 h, then its timeout; and the cafe menu's "Talk to us", whose
 * handover node hands the customer to a person, who answers from the Agent strip and hands back to the bot; then the
 * `agent` command hands over again. The cafe's agent webhook is on example.com, which npm start points at its local
 * receiver, standing in for the agent system. Screenshots go to test-results/.
 */
import { describe, expect, it } from "vitest";
import { chromiumMissing, mustRun } from "./chromium.js";
import { RESULTS, simulatorSuite, texts } from "./simulator-page.js";

const ALICE = "447700900101";
const BILAL = "447700900102";
const PILL_LIST = "Select which pill you would like";
const TIMED_OUT = 'We will leave it here for now. Write "menu" whenever you want to carry on.';
const WELCOME = "Hi! What can we do for you today?";
const HANDED_OVER = "A barista will reply here shortly.";

describe.skipIf(chromiumMissing && !mustRun)("the simulator's clock and Agent strip under npm start, in Chromium", { timeout: 60_000 }, () => {
  const { page, messages, incoming, outgoing, box } = simulatorSuite();
  const agent = () => page().getByRole("region", { name: "Agent" });
  const notices = () => texts(messages().locator(".notice .notice-title"));
  /** Holds a customer and has them write, as a business message reaches only a customer inside the 24-hour window. */
  const holdAndWrite = async (number: string, name: string, text: string) => {
    await page().locator(`.customer[data-customer="${number}"]`).click();
    await expect.poll(() => page().locator(".chat-sub").textContent()).toContain(`you are ${name}`);
    const before = await outgoing().count();
    await box().fill(text);
    await box().press("Enter");
    await expect.poll(() => outgoing().count()).toBe(before + 1);
    await outgoing().last().locator(".caption").waitFor();
  };

  it("an unanswered pill list is sent again once ⏩ +1 h makes its reminder due, then the menu times out", async () => {
    await holdAndWrite(ALICE, "Alice", "Hello");
    await page().locator('.chip[data-menu="pills"]').click();
    const lists = incoming().filter({ has: page().locator(".i-header", { hasText: PILL_LIST }) });
    await lists.first().locator('[data-tick="read"]').waitFor();
    expect(await lists.count()).toBe(1);

    // An hour on the customer's clock: the menu's one reminder (after 1 h, "repeat") sends the list again.
    await page().getByRole("button", { name: "+1 h", exact: true }).click();
    await expect.poll(() => lists.count()).toBe(2);
    await expect.poll(notices).toContain('⏰ reminder 1 of "pill" came due');
    // The chat says the reminder came due before the list it sent, as the timer sent it after.
    const order = await messages()
      .locator(".row")
      .evaluateAll((rows) => rows.map((r) => (r.querySelector(".notice-title")?.textContent ?? r.querySelector(".i-header")?.textContent ?? "").trim()).filter((t) => t !== ""));
    expect(order.slice(-2)).toEqual(['⏰ reminder 1 of "pill" came due', PILL_LIST]);
    const again = incoming().last();
    expect(await texts(again.locator(".i-header"))).toEqual([PILL_LIST]);
    expect(await again.locator(".text").textContent()).toBe("You will be presented with a list of options");
    await again.locator('[data-tick="read"]').waitFor();
    expect(await messages().getByText(TIMED_OUT).count()).toBe(0);
    await page().screenshot({ path: `${RESULTS}/reminders-01-reminded.png` });

    // Another hour with no answer: past its last reminder the menu ends politely, and sends no third list.
    await page().getByRole("button", { name: "+1 h", exact: true }).click();
    await incoming().last().getByText(TIMED_OUT).waitFor();
    await expect.poll(notices).toEqual(['Started the menu "Pick a pill (Vonage list example)"', '⏰ reminder 1 of "pill" came due', '⏰ "pill" went unanswered after its reminders: timed out']);
    expect(await lists.count()).toBe(2);
    await page().screenshot({ path: `${RESULTS}/reminders-02-timed-out.png` });
  });

  it("the cafe's Talk to us hands Bilal to a person: the Agent strip appears and the bot stops answering", async () => {
    // What a newcomer does: write to the business, which answers with its default menu, the cafe's.
    await holdAndWrite(BILAL, "Bilal", "Hi");
    await incoming().last().getByText(WELCOME).waitFor();
    expect(await agent().isVisible()).toBe(false);
    await incoming().last().getByRole("button", { name: "Talk to us" }).click();
    await incoming().last().getByText(HANDED_OVER).waitFor();
    await agent().waitFor({ state: "visible" });
    expect(await agent().locator(".agent-state").textContent()).toMatch(/^Handed over since .+: the bot is quiet, the customer's messages go to http:\/\/127\.0\.0\.1:\d+\/agents\/cafe$/);

    // The customer writes: the worker relays it to the agent system and the bot says nothing.
    const before = await incoming().count();
    await box().fill("Is my order on its way?");
    await box().press("Enter");
    await expect.poll(() => outgoing().last().locator(".caption").textContent()).toBe("worker: relayed");
    expect(await outgoing().last().locator(".bubble .text").textContent()).toBe("Is my order on its way?");
    expect(await incoming().count()).toBe(before);
    // What the agent system got, in the workbench's webhook inspector: the message, signed.
    await page().locator("#workbench-toggle").click();
    await page()
      .getByRole("complementary", { name: "Workbench" })
      .getByRole("tab", { name: /^Webhooks/ })
      .click();
    const relayed = page().locator(".wb-hook", { hasText: '"handover.message"' }).first();
    await relayed.waitFor();
    expect(await relayed.getAttribute("data-verified")).toBe("true");
    expect(await relayed.locator(".wb-json").textContent()).toContain('"text": "Is my order on its way?"');
    await page().locator("#workbench-toggle").click();
    await page().screenshot({ path: `${RESULTS}/agent-01-handed-over.png` });
  });

  it("the agent's answer from the strip reaches the customer's chat", async () => {
    const answer = agent().getByRole("textbox", { name: "Agent's answer" });
    await answer.fill("Yes, it leaves the shop");
    // The customer writes again while the agent types: the chat takes it, and the agent's half answer stays.
    const before = await outgoing().count();
    await box().fill("Hello?");
    await box().press("Enter");
    // Its own bubble: the one before it was relayed and delivered too.
    await expect.poll(() => outgoing().count()).toBe(before + 1);
    await expect.poll(() => outgoing().last().locator(".caption").textContent()).toBe("worker: relayed");
    await outgoing().last().locator('[data-delivery="delivered"]').waitFor();
    expect(await answer.inputValue()).toBe("Yes, it leaves the shop");
    await answer.press("End");
    await answer.pressSequentially(" in ten minutes.");
    await agent().getByRole("button", { name: "Send" }).click();
    await incoming().last().getByText("Yes, it leaves the shop in ten minutes.").waitFor();
    await incoming().last().locator('[data-tick="read"]').waitFor();
    await expect.poll(() => answer.inputValue()).toBe("");
    await page().screenshot({ path: `${RESULTS}/agent-02-answered.png` });
  });

  it("Hand back returns Bilal to the bot: the strip goes, the menu asks again and answers him", async () => {
    await agent().getByRole("button", { name: "Hand back" }).click();
    await agent().waitFor({ state: "hidden" });
    await expect.poll(notices).toContain("Agent: handing back to the menu");
    // Back at the menu's start: its question, whose buttons the bot answers again (the hours, then the question again).
    const question = incoming().last();
    await question.getByText(WELCOME).waitFor();
    // The chat tells it in order: the agent handed back, then the menu asked.
    const order = await texts(messages().locator(".notice .notice-title, .row.in"));
    const said = order.lastIndexOf("Agent: handing back to the menu");
    const asked = order.map((t) => t.includes(WELCOME)).lastIndexOf(true);
    expect([said > -1, said < asked]).toEqual([true, true]);
    await question.getByRole("button", { name: "Opening hours" }).click();
    await messages().getByText("We are open every day from 7:00 to 19:00, holidays included.").waitFor();
    await incoming().last().getByText(WELCOME).waitFor();
    expect(await outgoing().last().locator(".caption").textContent()).toBe("worker: advanced");
    expect(await agent().isVisible()).toBe(false);
    await page().screenshot({ path: `${RESULTS}/agent-03-handed-back.png` });
  });

  it("the agent command hands Bilal over again from the menu's question", async () => {
    await box().fill("agent");
    await box().press("Enter");
    await incoming().last().getByText(HANDED_OVER).waitFor();
    await agent().waitFor({ state: "visible" });
    expect(await agent().locator(".agent-state").textContent()).toMatch(/\/agents\/cafe$/);
    expect(await messages().getByText(HANDED_OVER).count()).toBe(2);
    await page().screenshot({ path: `${RESULTS}/agent-04-agent-command.png` });
  });
});
