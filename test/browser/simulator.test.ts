/**
 * The README's main-job command end to end, in real headless Chromium: `npm start` from a fresh dev folder,
 * then the guide's delivery-time buttons, the pill list and typed answers, asserting what the page shows at
 * each step. Screenshots go to test-results/; UPDATE_DOCS_SCREENSHOT=1 also refreshes docs/simulator-list.png.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium, mustRun } from "./chromium.js";
import { npmStart, type NpmStart } from "./npm-start.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS = `${ROOT}test-results`;

describe.skipIf(chromiumMissing && !mustRun)("npm start and the chat simulator in Chromium", { timeout: 90_000 }, () => {
  let app: NpmStart | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    browser = await launchChromium();
    app = await npmStart(ROOT, { timeoutMs: 180_000 });
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    // Waits for what the page must show; long enough for wrangler's first requests on a slow machine.
    page.setDefaultTimeout(30_000);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (app === undefined) return;
    // Ctrl-C is the documented way to stop it: both servers must be gone afterwards.
    await app.stop();
    expect(app.output()).toContain("Stopping the worker and the simulator");
    for (const url of [app.url, `http://127.0.0.1:${app.workerPort}/healthz`]) {
      await expect(fetch(url), `${url} still answers after Ctrl-C`).rejects.toThrow();
    }
  }, 60_000);

  const messages = () => page.getByRole("region", { name: "Messages" });
  /** Bubbles from the business (left) and from the customer (right), in order. */
  const incoming = () => messages().locator(".row.in");
  const outgoing = () => messages().locator(".row.out");
  const shot = (name: string) => page.screenshot({ path: `${RESULTS}/${name}.png` });
  const texts = async (l: Locator) => (await l.allTextContents()).map((t) => t.trim());

  it("opens on the URL npm start printed, with the business and two customers", async () => {
    expect(app!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.goto(app!.url);
    await expect.poll(() => page.locator(".chat-name").textContent()).toBe("Demo Business");
    expect(await texts(page.locator(".customer-name"))).toEqual(["Alice", "Bilal"]);
    expect(await page.locator(".customer.active .customer-name").textContent()).toBe("Alice");
    expect(await messages().locator(".empty").textContent()).toContain("No messages yet");
    expect(await texts(page.locator(".chip"))).toEqual(["Corner Cafe: order a drink", "Delivery time (Vonage reply-buttons example)", "Pick a pill (Vonage list example)"]);
  });

  it("starts the delivery-time menu: the guide's button message with three live buttons and read ticks", async () => {
    await page.locator('.chip[data-menu="delivery"]').click();
    const question = incoming().last();
    await question.locator(".i-header").waitFor();
    expect(await question.locator(".i-header").textContent()).toBe("Delivery time");
    expect(await question.locator(".text").textContent()).toBe("Which time would you like us to deliver your order at?");
    expect(await question.locator(".i-footer").textContent()).toBe("Please allow 15 mins either side of your chosen time");
    expect(await texts(question.locator("button.choice"))).toEqual(["15:00", "16:30", "17:15"]);
    expect(await question.locator("button.choice:disabled").count()).toBe(0);
    // Said once the worker has started it (it is rewritten in place when the worker answers).
    await expect.poll(() => messages().locator(".notice.info").textContent()).toBe('Started the menu "Delivery time (Vonage reply-buttons example)"');
    // submitted, delivered, then read: the chat is open, so the simulator sends `read` and the worker takes it.
    await question.locator('[data-tick="read"]').waitFor();
    await shot("01-delivery-buttons");
  });

  it("a tap answers 16:30: that button is disabled, the others stay clickable, the booking arrives", async () => {
    const question = incoming().last();
    await question.getByRole("button", { name: "16:30" }).click();
    const answer = outgoing().last();
    await answer.locator('[data-delivery="delivered"]').waitFor();
    expect(await answer.locator(".bubble .text").textContent()).toBe("16:30");
    expect(await answer.locator(".quote-text").textContent()).toBe("Which time would you like us to deliver your order at?");
    expect(await answer.locator(".caption").textContent()).toBe("worker: completed");

    await messages().getByText("Booked: your order arrives at 16:30, give or take 15 minutes. Thank you!").waitFor();
    const buttons = messages().locator(".row.in").filter({ has: page.locator(".i-header", { hasText: "Delivery time" }) }).locator("button.choice");
    const states = await Promise.all((await buttons.all()).map(async (b) => [(await b.textContent())?.trim(), await b.isDisabled()]));
    expect(states).toEqual([
      ["15:00", false],
      ["16:30", true],
      ["17:15", false],
    ]);
    await shot("02-delivery-answered");
  });

  it("the pill list: Select opens the sheet of sections and rows, one row is chosen, then Send", async () => {
    await page.locator('.chip[data-menu="pills"]').click();
    const list = incoming().last();
    await list.locator(".i-header", { hasText: "Select which pill you would like" }).waitFor();
    expect(await list.locator(".text").textContent()).toBe("You will be presented with a list of options");
    expect(await list.locator(".i-footer").textContent()).toBe("There are no wrong choices");
    await list.locator('[data-tick="read"]').waitFor();

    await list.getByRole("button", { name: "Select" }).click();
    const sheet = page.getByRole("dialog");
    await sheet.waitFor();
    expect(await sheet.locator("h2").textContent()).toBe("Select");
    expect(await texts(sheet.locator("h3"))).toEqual(["Section A - pills", "Section B - no pills"]);
    expect(await texts(sheet.locator(".sheet-row-title"))).toEqual(["Red", "Blue", "Green", "Nothing"]);
    expect(await texts(sheet.locator(".sheet-row-desc"))).toEqual(["Take the red pill", "Take the blue pill", "Take the green pill", "Do not take a pill"]);
    const send = sheet.getByRole("button", { name: "Send" });
    expect(await send.isDisabled()).toBe(true);

    await sheet.getByText("Red", { exact: true }).click();
    expect(await Promise.all((await sheet.getByRole("radio").all()).map((r) => r.isChecked()))).toEqual([true, false, false, false]);
    expect(await send.isEnabled()).toBe(true);
    await shot("03-pill-list-sheet");
    if (process.env["UPDATE_DOCS_SCREENSHOT"] === "1") await copyFile(`${RESULTS}/03-pill-list-sheet.png`, `${ROOT}docs/simulator-list.png`);

    await send.click();
    await sheet.waitFor({ state: "hidden" });
    const answer = outgoing().last();
    await answer.locator('[data-delivery="delivered"]').waitFor();
    expect(await answer.locator(".bubble .text").textContent()).toBe("Red");
    expect(await answer.locator(".reply-desc").textContent()).toBe("Take the red pill");
    const next = incoming().last();
    await next.getByText("The red pill: you stay in Wonderland. Are you sure?").waitFor();
    expect(await texts(next.locator("button.choice"))).toEqual(["Yes, I'm sure", "Let me choose again"]);
  });

  it("typed text reaches the worker: an unknown answer is re-asked, a button's title is taken as the answer", async () => {
    const box = page.getByRole("textbox", { name: "Type a message" });
    await box.fill("Is it safe?");
    await box.press("Enter");
    const typed = outgoing().last();
    await typed.locator(".caption", { hasText: "worker: reprompted" }).waitFor();
    expect(await typed.locator(".bubble .text").textContent()).toBe("Is it safe?");
    expect(await box.inputValue()).toBe("");
    await expect.poll(() => messages().getByText("The red pill: you stay in Wonderland. Are you sure?").count()).toBe(2);
    const again = incoming().last();
    expect(await again.locator(".text").textContent()).toBe("Sorry, I didn't catch that. Please tap one of the options, or type its number.\n\nThe red pill: you stay in Wonderland. Are you sure?");
    expect(await texts(again.locator("button.choice"))).toEqual(["Yes, I'm sure", "Let me choose again"]);
    await again.locator('[data-tick="read"]').waitFor();
    await shot("04-typed-reprompt");

    // Typing a button's title answers as a tap would.
    await box.fill("yes, i'm sure");
    await box.press("Enter");
    await outgoing().last().locator(".caption", { hasText: "worker: completed" }).waitFor();
    await messages().getByText("Confirmed: red pill. Welcome to the real world.").waitFor();
  });

  it("another customer has a chat of their own; typing there starts the default menu", async () => {
    await page.locator('.customer[data-customer="447700900102"]').click();
    await messages().locator(".empty").waitFor();
    const box = page.getByRole("textbox", { name: "Type a message" });
    await box.fill("hi");
    await box.press("Enter");
    await messages().getByText("Hi! What can we do for you today?").waitFor();
    expect(await texts(incoming().last().locator("button.choice"))).toEqual(["Order a drink", "Opening hours", "Talk to us"]);
    expect(await page.locator(".chat-sub").textContent()).toContain("you are Bilal");
    await shot("05-second-customer");

    await page.locator('.customer[data-customer="447700900101"]').click();
    await messages().getByText("Confirmed: red pill. Welcome to the real world.").waitFor();
    expect(await messages().getByText("Hi! What can we do for you today?").count()).toBe(0);
  });
});
