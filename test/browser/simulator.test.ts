/**
 * The README's main-job command end to end, in real headless Chromium: `npm start` from a fresh dev folder,
 * then the guide's delivery-time buttons, the pill list and typed answers, media headers, the workbench (session,
 * graph, a menu file edited while it runs, a completion in the webhook inspector, a reset), and the phone-sized
 * layout, asserting what the page shows at each step. Screenshots go to test-results/; UPDATE_DOCS_SCREENSHOT=1
 * also refreshes the README's pictures, docs/simulator-list.png and docs/simulator-phone.png.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/wa-menu.js";
import { saveWhole } from "../support/save-file.js";
import { chromiumMissing, mustRun } from "./chromium.js";
import type { NpmStart } from "./npm-start.js";
import { chatOf, openSimulator, RESULTS, ROOT, texts, type SimulatorInChromium } from "./simulator-page.js";

const updateDocs = process.env["UPDATE_DOCS_SCREENSHOT"] === "1";
/** A phone-sized screen (an iPhone 12 to 15's CSS pixels), where the layout is a single column. */
const PHONE = { width: 390, height: 844 };

describe.skipIf(chromiumMissing && !mustRun)("npm start and the chat simulator in Chromium", { timeout: 90_000 }, () => {
  let sim: SimulatorInChromium | undefined;
  let app: NpmStart | undefined;
  let browser: Browser | undefined;
  let page: Page;
  /** A copy of menus/ that npm start publishes and watches, so the test can edit menu files without touching the repo's. */
  let menusDir: string;

  beforeAll(async () => {
    sim = await openSimulator();
    ({ app, browser, page, menusDir } = sim);
  }, 240_000);

  afterAll(async () => {
    if (sim === undefined) return;
    // Ctrl-C is the documented way to stop it: both servers must be gone afterwards.
    await sim.close();
    expect(sim.app.output()).toContain("Stopping the worker and the simulator");
    for (const url of [sim.app.url, `http://127.0.0.1:${sim.app.workerPort}/healthz`, `http://127.0.0.1:${sim.app.receiverPort}/`]) {
      await expect(fetch(url), `${url} still answers after Ctrl-C`).rejects.toThrow();
    }
  }, 60_000);

  const { messages, incoming, outgoing } = chatOf(() => page);
  const shot = (name: string) => page.screenshot({ path: `${RESULTS}/${name}.png` });
  /** The titles on a message's reply buttons, without the small numbers beside them. */
  const titles = (l: Locator) => texts(l.locator("button.choice .choice-title"));
  /** The CLI's files, fetch and output, as it runs beside npm start: it finds the worker by itself, given the port and dev folder npm start was given. */
  const localCli = () => {
    const said: string[] = [];
    const io = {
      readFile: (path: string) => readFile(path, "utf8"),
      writeFile: (path: string, text: string) => writeFile(path, text),
      fetch,
      env: { WORKER_PORT: String(app!.workerPort), DEV_DIR: app!.devDir },
      out: (text: string) => void said.push(text),
      err: (text: string) => void said.push(text),
    };
    return { said, io };
  };

  it("opens on the URL npm start printed, with the business and two customers", async () => {
    expect(app!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.goto(app!.url);
    await expect.poll(() => page.locator(".chat-name").textContent()).toBe("Demo Business");
    expect(await texts(page.locator(".customer-name"))).toEqual(["Alice", "Bilal"]);
    expect(await page.locator(".customer.active .customer-name").textContent()).toBe("Alice");
    expect(await messages().locator(".empty").textContent()).toContain("No messages yet");
    expect(await texts(page.locator(".chip"))).toEqual(["Delivery booking", "Corner Cafe: order a drink", "Delivery time (Vonage reply-buttons example)", "Pick a pill (Vonage list example)"]);
  });

  it("starts the delivery-time menu: the guide's button message with three live buttons and read ticks", async () => {
    // A business message reaches only a customer who wrote in the last 24 hours, as on WhatsApp: Alice writes first.
    const box = page.getByRole("textbox", { name: "Type a message" });
    await box.fill("Hello");
    await box.press("Enter");
    await messages().getByText("Hi! What can we do for you today?").waitFor();
    await page.locator('.chip[data-menu="delivery"]').click();
    await messages().locator(".i-header", { hasText: "Delivery time" }).waitFor();
    const question = incoming().last();
    expect(await question.locator(".i-header").textContent()).toBe("Delivery time");
    expect(await question.locator(".text").textContent()).toBe("Which time would you like us to deliver your order at?");
    expect(await question.locator(".i-footer").textContent()).toBe("Please allow 15 mins either side of your chosen time");
    expect(await titles(question)).toEqual(["15:00", "16:30", "17:15"]);
    // The numbers the re-prompt tells a customer to type, beside the titles; the buttons' names stay the titles.
    expect(await texts(question.locator(".choice-number"))).toEqual(["1.", "2.", "3."]);
    expect(await question.getByRole("button", { name: "16:30", exact: true }).count()).toBe(1);
    expect(await question.locator("button.choice:disabled").count()).toBe(0);
    // Said once the worker has started it (it is rewritten in place when the worker answers).
    await expect.poll(() => messages().locator(".notice.info").textContent()).toBe('Started the menu "Delivery time (Vonage reply-buttons example)"');
    // The chat opens with the day it is in, as WhatsApp's do.
    expect(await texts(messages().locator(".day-divider"))).toEqual(["Today"]);
    expect(await messages().locator(".row").first().getAttribute("class")).toContain("day");
    // submitted, delivered, then read: the chat is open, so the simulator sends `read` and the worker takes it.
    await question.locator('[data-tick="read"]').waitFor();
    await shot("01-delivery-buttons");
  });

  it("a tap answers 16:30: that button is disabled, the others stay clickable, the booking arrives", async () => {
    const question = incoming().last();
    const before = await outgoing().count();
    await question.getByRole("button", { name: "16:30" }).click();
    // The tap's own bubble: until it is drawn, the last one is Alice's "Hello", delivered too.
    await expect.poll(() => outgoing().count()).toBe(before + 1);
    const answer = outgoing().last();
    await answer.locator('[data-delivery="delivered"]').waitFor();
    expect(await answer.locator(".bubble .text").textContent()).toBe("16:30");
    expect(await answer.locator(".quote-text").textContent()).toBe("Which time would you like us to deliver your order at?");
    expect(await answer.locator(".caption").textContent()).toBe("worker: completed");

    await messages().getByText("Booked: your order arrives at 16:30, give or take 15 minutes. Thank you!").waitFor();
    const buttons = messages()
      .locator(".row.in")
      .filter({ has: page.locator(".i-header", { hasText: "Delivery time" }) })
      .locator("button.choice");
    const states = await Promise.all((await buttons.all()).map(async (b) => [(await b.locator(".choice-title").textContent())?.trim(), await b.isDisabled()]));
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
    // Numbered across the sections, as a typed number picks them.
    expect(await texts(sheet.locator(".sheet-row-number"))).toEqual(["1.", "2.", "3.", "4."]);
    expect(await texts(sheet.locator(".sheet-row-desc"))).toEqual(["Take the red pill", "Take the blue pill", "Take the green pill", "Do not take a pill"]);
    const send = sheet.getByRole("button", { name: "Send" });
    expect(await send.isDisabled()).toBe(true);

    await sheet.getByText("Red", { exact: true }).click();
    expect(await Promise.all((await sheet.getByRole("radio").all()).map((r) => r.isChecked()))).toEqual([true, false, false, false]);
    expect(await send.isEnabled()).toBe(true);
    await shot("03-pill-list-sheet");
    if (updateDocs) await copyFile(`${RESULTS}/03-pill-list-sheet.png`, `${ROOT}docs/simulator-list.png`);

    const before = await outgoing().count();
    await send.click();
    await sheet.waitFor({ state: "hidden" });
    // Until the choice's own bubble is drawn, the last one is the 16:30 tap, delivered too.
    await expect.poll(() => outgoing().count()).toBe(before + 1);
    const answer = outgoing().last();
    await answer.locator('[data-delivery="delivered"]').waitFor();
    expect(await answer.locator(".bubble .text").textContent()).toBe("Red");
    expect(await answer.locator(".reply-desc").textContent()).toBe("Take the red pill");
    const next = incoming().last();
    await next.getByText("The red pill: you stay in Wonderland. Are you sure?").waitFor();
    expect(await titles(next)).toEqual(["Yes, I'm sure", "Let me choose again"]);
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
    expect(await titles(again)).toEqual(["Yes, I'm sure", "Let me choose again"]);
    expect(await texts(again.locator(".choice-number"))).toEqual(["1.", "2."]);
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
    expect(await titles(incoming().last())).toEqual(["Order a drink", "Opening hours", "Talk to us"]);
    expect(await page.locator(".chat-sub").textContent()).toContain("you are Bilal");
    await shot("05-second-customer");

    // Back to Alice, with a click whose press and release straddle a redraw: Bilal writes meanwhile, and the page
    // draws again on every entry. Her button stays the same element, so the click is not lost.
    const alice = await page.locator('.customer[data-customer="447700900101"]').boundingBox();
    await page.mouse.move(alice!.x + alice!.width / 2, alice!.y + alice!.height / 2);
    await page.mouse.down();
    const wrote = await fetch(new URL("api/customers/447700900102/messages", app!.url), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: "are you open?" }),
    });
    expect(wrote.status).toBe(200);
    await outgoing().getByText("are you open?").waitFor();
    await page.mouse.up();
    await page.locator('.customer.active[data-customer="447700900101"]').waitFor();
    await messages().getByText("Confirmed: red pill. Welcome to the real world.").waitFor();
    // Alice's chat has her own "Hello" and the greeting it got, nothing of Bilal's.
    expect(await messages().getByText("Hi! What can we do for you today?").count()).toBe(1);
    expect(await outgoing().getByText("hi", { exact: true }).count()).toBe(0);
  });

  it("past the 24-hour window a start brings the menu's template: its quick reply continues the menu", async () => {
    await page.locator('.customer[data-customer="447700900102"]').click();
    await page.locator('.window-bar[data-window="open"]').waitFor();
    // Bilal's last message becomes 25 hours old: WhatsApp would now refuse free-form messages to him (1340).
    await page.locator('.window-step[data-advance="25"]').click();
    await page.locator('.window-bar[data-window="closed"]').waitFor();
    // The workbench counts by the same clock as the bar, and says what the worker, on real time, counts.
    const toggle = page.getByRole("button", { name: "Workbench" });
    await toggle.click();
    const windowFact = page.getByRole("complementary", { name: "Workbench" }).locator("dd[data-window]");
    await expect.poll(() => windowFact.getAttribute("data-window")).toBe("closed");
    expect(await windowFact.textContent()).toMatch(
      /^closed by the simulator's clock: only templates reach them \(the worker, on real time, counts it open until .+; WhatsApp refuses its next free-form message, 1340\)$/,
    );
    await toggle.click();
    await page.locator('.chip[data-menu="cafe"]').click();
    // The worker's question is rejected with 1340; the worker answers the status with the approved template.
    const template = messages().locator('.bubble.template[data-template="cafe_welcome/en_GB"]');
    await template.waitFor();
    expect(await template.locator(".text").textContent()).toBe("Hi Bilal, welcome back to Corner Cafe! Would you like to order a drink? We are open every day 7:00-19:00.");
    const row = messages().locator('.row.in:has(.bubble.template[data-template="cafe_welcome/en_GB"])');
    expect(await texts(row.locator("button.choice"))).toEqual(["Order now", "Not now"]);
    await shot("06-template");
    if (updateDocs) await copyFile(`${RESULTS}/06-template.png`, `${ROOT}docs/simulator-template.png`);
    await row.locator('button.choice[data-button-index="0"]').click();
    await messages().getByText("Which drink would you like?").waitFor();
    await page.locator('.window-bar[data-window="open"]').waitFor();
  });

  it("day dividers say Today, Yesterday, the weekday within a week, then the date", async () => {
    // The page's own module, in the page: a Thursday morning, and messages from before.
    const labels = await page.evaluate<string[]>(`(async () => {
      const { dayLabel } = await import("/render.js");
      const now = new Date(2026, 2, 12, 9, 30);
      return [new Date(2026, 2, 12, 0, 5), new Date(2026, 2, 11, 23, 59), new Date(2026, 2, 9, 12), new Date(2026, 1, 28, 12)].map((d) => dayLabel(d.toISOString(), now));
    })()`);
    expect(labels).toEqual(["Today", "Yesterday", "Monday", "28 February 2026"]);
  });

  it("draws image, video and document headers without fetching them; typing an option's number picks it", async () => {
    const { said, io } = localCli();
    expect(await runCli(["push", `${ROOT}test/fixtures/media-headers.json`], io), said.join("\n")).toBe(0);
    expect(said).toEqual([expect.stringMatching(/: published "media" as version 1$/)]);

    const requested: string[] = [];
    page.on("request", (r) => void requested.push(r.url()));
    await page.getByRole("button", { name: "+ New" }).click();
    await page.locator(".customer.active .customer-name", { hasText: "Customer 3" }).waitFor();
    const number = await page.locator(".customer.active").getAttribute("data-customer");
    // The new customer writes first, or the menu the business starts would be rejected (1340) as outside the window.
    const box = page.getByRole("textbox", { name: "Type a message" });
    await box.fill("hi");
    await box.press("Enter");
    await messages().getByText("Hi! What can we do for you today?").waitFor();
    const started = await fetch(new URL(`api/customers/${number}/flows`, app!.url), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ menuId: "media" }) });
    expect(await started.json()).toEqual({ ok: true });

    const image = messages().locator('[data-media="image"]');
    await image.waitFor();
    expect(await image.locator(".i-media-kind").textContent()).toBe("image");
    expect(await image.locator(".i-media-name").textContent()).toBe("latte-art.jpg");
    expect(await image.getAttribute("title")).toBe("https://example.com/menu/latte-art.jpg");
    expect(await texts(incoming().last().locator(".choice-number"))).toEqual(["1.", "2."]);

    await box.fill("1"); // Yes
    await box.press("Enter");
    const video = messages().locator('[data-media="video"]');
    await video.waitFor();
    expect(await video.locator(".i-media-name").textContent()).toBe("how-we-roast.mp4");
    await box.fill("2"); // Large
    await box.press("Enter");
    const document = messages().locator('[data-media="document"]');
    await document.waitFor();
    expect(await document.locator(".i-media-name").textContent()).toBe("Loyalty card terms.pdf");
    await expect.poll(() => texts(outgoing().locator(".caption"))).toEqual(["worker: started", "worker: advanced", "worker: advanced"]);
    await shot("06-media-headers");
    // Drawn, not fetched: the page asked nothing of the media's hosts.
    expect(requested.filter((url) => !url.startsWith(app!.url))).toEqual([]);
  });

  const workbench = () => page.getByRole("complementary", { name: "Workbench" });
  const tab = (name: "Session" | "Graph" | "Webhooks") => workbench().getByRole("tab", { name: new RegExp(`^${name}`) });
  /** A menu file whose closing texts post the answers; example.com reaches the local receiver under npm start. */
  const ORDER = (question: string) => ({
    id: "order",
    name: "Order a tea",
    start: "drink",
    nodes: {
      drink: {
        type: "question",
        text: question,
        options: [
          { id: "tea", title: "Tea", next: "size" },
          { id: "coffee", title: "Coffee", next: "size" },
        ],
      },
      size: {
        type: "question",
        text: "Which size?",
        options: [
          { id: "small", title: "Small", next: { text: "A small {{answers.drink.title}} is on its way.", webhook: "https://example.com/hooks/orders" } },
          { id: "large", title: "Large", next: { text: "A large {{answers.drink.title}} is on its way.", webhook: "https://example.com/hooks/orders" } },
        ],
      },
    },
  });

  it("wa-menu push to npm start's worker publishes what npm start publishes: the cafe's handover still goes to the local receiver", async () => {
    const { said, io } = localCli();
    const receiver = `http://127.0.0.1:${app!.receiverPort}`;
    expect(await runCli(["push", `${ROOT}menus/cafe.json`], io), said.join("\n")).toBe(0);
    expect(said.join("\n")).toContain(`as npm start publishes it: its placeholder webhooks go to the local receiver, ${receiver}`);
    said.length = 0;
    expect(await runCli(["pull", "cafe", "--json"], io), said.join("\n")).toBe(0);
    const pulled = JSON.parse(said.join("\n")) as { version: number; menu: unknown };
    expect(pulled.version).toBeGreaterThan(1);
    expect(JSON.stringify(pulled.menu)).toContain(`"webhook":"${receiver}/agents/cafe"`);
    expect(JSON.stringify(pulled.menu)).not.toContain("example.com");
  });

  it("the workbench opens beside the chat from the header's button, and folds away again", async () => {
    // 1100 px: room for it beside the chat, not enough to open it unasked.
    const toggle = page.locator("#workbench-toggle");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await workbench().isVisible()).toBe(false);
    const chatAlone = (await page.locator(".chat").boundingBox())!.width;
    await toggle.click();
    await workbench().waitFor({ state: "visible" });
    const [chat, bench] = [(await page.locator(".chat").boundingBox())!, (await workbench().boundingBox())!];
    // Beside, not over: the chat gave it its width.
    expect(chat.width).toBeLessThan(chatAlone);
    expect(bench.x).toBeGreaterThanOrEqual(chat.x + chat.width - 1);
    await toggle.click();
    await workbench().waitFor({ state: "hidden" });
    await toggle.click();
    await workbench().waitFor({ state: "visible" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
  });

  it("a menu file saved while npm start runs is published at once; its chip appears and the workbench says so", async () => {
    await saveWhole(join(menusDir, "order.json"), JSON.stringify(ORDER("Tea or coffee?"), null, 2));
    await page.locator('.chip[data-menu="order"]').waitFor();
    const files = workbench().locator("#wb-files");
    await files.locator("text=published order as version 1").waitFor();
    expect(await files.getAttribute("data-outcome")).toBe("published");
    await expect.poll(() => app!.output()).toContain('order.json: published "order" as version 1');
  });

  it("shows the held customer's session, and the graph's highlighted node moves with a tap", async () => {
    await page.getByRole("button", { name: "+ New" }).click();
    await page.locator(".customer.active .customer-name", { hasText: "Customer 4" }).waitFor();
    await tab("Session").click();
    await workbench().locator('[data-session="none"]').waitFor();
    // Customer 4 writes first: a business start reaches only a customer inside WhatsApp's 24-hour window.
    const box = page.getByRole("textbox", { name: "Type a message" });
    await box.fill("hi");
    await box.press("Enter");
    await messages().getByText("Hi! What can we do for you today?").waitFor();

    await page.locator('.chip[data-menu="order"]').click();
    await incoming().last().getByText("Tea or coffee?").waitFor();
    const pending = workbench().locator("dd[data-pending-node]");
    await expect.poll(() => pending.getAttribute("data-pending-node")).toBe("drink");
    // Customer 4 wrote a moment ago: WhatsApp's 24-hour window is open.
    expect(await workbench().locator("dd[data-window]").getAttribute("data-window")).toBe("open");
    expect(await workbench().locator("dd[data-opted-out]").getAttribute("data-opted-out")).toBe("false");
    expect(await workbench().locator(".wb-facts").textContent()).toContain("order · version 1");

    await tab("Graph").click();
    const current = workbench().locator('.wb-node[aria-current="step"]');
    await expect.poll(() => current.getAttribute("data-node")).toBe("drink");
    expect(
      await workbench()
        .locator(".wb-node")
        .evaluateAll((cards) => cards.map((c) => c.getAttribute("data-node"))),
    ).toEqual(["drink", "size", null]);
    await shot("09-workbench-graph");
    if (updateDocs) await copyFile(`${RESULTS}/09-workbench-graph.png`, `${ROOT}docs/simulator-workbench.png`);

    await incoming().last().getByRole("button", { name: "Tea" }).click();
    await expect.poll(() => current.getAttribute("data-node")).toBe("size");
    // The answer given is ticked on the way it took.
    expect(await workbench().locator('.wb-node[data-node="drink"] .wb-way.taken .wb-way-labels').textContent()).toBe("Tea / Coffee");
    await tab("Session").click();
    await expect.poll(() => pending.getAttribute("data-pending-node")).toBe("size");
    expect(await workbench().locator(".wb-answers").textContent()).toContain("drink → Tea");
  });

  it("a finished menu's completion arrives at the local receiver and is listed, verified, with its webhook-id and body", async () => {
    await incoming().last().getByRole("button", { name: "Small" }).click();
    await messages().getByText("A small Tea is on its way.").waitFor();
    await tab("Webhooks").click();
    const hook = workbench().locator(".wb-hook").first();
    await hook.waitFor();
    expect(await hook.getAttribute("data-verified")).toBe("true");
    expect(await hook.locator(".wb-badge").first().textContent()).toBe("✓ verified");
    expect(await hook.getAttribute("data-webhook-id")).toMatch(/^msg_[0-9a-f]{32}$/);
    const body = JSON.parse((await hook.locator(".wb-json").textContent())!) as { type: string; data: Record<string, unknown> };
    expect(body).toMatchObject({
      type: "menu.completed",
      data: {
        menu: "order",
        end: "size/small",
        profile_name: "Customer 4",
        answers: [
          { node: "drink", id: "tea" },
          { node: "size", id: "small" },
        ],
      },
    });
    expect(await hook.locator(".wb-hook-head code").textContent()).toBe("POST /hooks/orders");
    await shot("10-workbench-webhook");

    // The graph marks where it ended.
    await tab("Graph").click();
    await workbench().locator('.wb-node[data-node="size"] .wb-way.ended-here').waitFor();
  });

  it("an invalid edit is refused with every problem; a valid one takes effect on the next start of the menu", async () => {
    const broken = { ...ORDER("Tea or coffee?"), start: "nowhere" };
    await saveWhole(join(menusDir, "order.json"), JSON.stringify(broken));
    const files = workbench().locator("#wb-files");
    await expect.poll(() => files.getAttribute("data-outcome")).toBe("invalid");
    expect(await files.textContent()).toContain('start node "nowhere" does not exist');
    await expect.poll(() => app!.output()).toContain("order.json: not published, 1 problem:");

    await saveWhole(join(menusDir, "order.json"), JSON.stringify(ORDER("Tea or coffee, today?")));
    await files.locator("text=published order as version 2").waitFor();
    await page.locator('.chip[data-menu="order"]').click();
    await incoming().last().getByText("Tea or coffee, today?").waitFor();
    await tab("Session").click();
    await expect.poll(() => workbench().locator(".wb-facts").textContent()).toContain("order · version 2");
  });

  it("reset deletes the customer's session through the admin API; the workbench and the chat show it", async () => {
    await tab("Session").click();
    await workbench().getByRole("button", { name: "Reset this customer" }).click();
    await workbench().locator('[data-session="none"]').waitFor();
    await messages().getByText("Reset from the workbench: the worker forgot this conversation (any opt-out kept)").waitFor();
    await tab("Graph").click();
    await workbench().getByText("No conversation: start a menu").waitFor();
    await shot("11-workbench-reset");
  });

  it("on a phone-sized screen: one column, no sideways scrolling, the composer in view, the customers in a drawer", async () => {
    const phone = await browser!.newPage({ viewport: PHONE, isMobile: true, hasTouch: true, locale: "en-GB" });
    phone.setDefaultTimeout(30_000);
    try {
      await phone.goto(`${app!.url}#447700900101`);
      const chat = phone.getByRole("region", { name: "Messages" });
      await chat.getByText("Confirmed: red pill. Welcome to the real world.").waitFor();
      expect(await phone.locator(".chat-sub").textContent()).toContain("you are Alice");

      const fits = async (what: string) => {
        const b = (await phone.locator(what).first().boundingBox())!;
        return { what, left: b.x >= 0, right: b.x + b.width <= PHONE.width, top: b.y >= 0, bottom: b.y + b.height <= PHONE.height };
      };
      const inside = (what: string) => ({ what, left: true, right: true, top: true, bottom: true });
      expect(await phone.evaluate<number>("document.scrollingElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
      for (const what of [".composer-send", ".composer input", ".chat-header", ".chat-title", "#drawer-toggle"]) expect(await fits(what)).toEqual(inside(what));
      // One column: the chat has the whole width; the header's text is cut, not spilled.
      expect(await phone.locator(".chat").boundingBox()).toMatchObject({ x: 0, width: PHONE.width });
      expect(await phone.evaluate<boolean>("(() => { const h = document.querySelector('.chat-header'); return h.scrollWidth <= h.clientWidth && h.scrollHeight <= h.clientHeight; })()")).toBe(true);
      const bilal = phone.locator('.customer[data-customer="447700900102"]');
      expect(await bilal.isVisible()).toBe(false);
      await phone.screenshot({ path: `${RESULTS}/07-phone.png` });
      if (updateDocs) await copyFile(`${RESULTS}/07-phone.png`, `${ROOT}docs/simulator-phone.png`);

      // The header's button opens the drawer; choosing a customer closes it and shows their chat.
      const toggle = phone.locator("#drawer-toggle");
      expect(await toggle.getAttribute("aria-expanded")).toBe("false");
      await toggle.click();
      await bilal.waitFor({ state: "visible" });
      expect(await toggle.getAttribute("aria-expanded")).toBe("true");
      await expect.poll(() => fits(".sidebar")).toEqual(inside(".sidebar"));
      expect(await phone.evaluate<number>("document.scrollingElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
      await phone.screenshot({ path: `${RESULTS}/08-phone-drawer.png` });
      await bilal.click();
      await bilal.waitFor({ state: "hidden" });
      expect(await toggle.getAttribute("aria-expanded")).toBe("false");
      expect(await phone.locator(".chat-sub").textContent()).toContain("you are Bilal");
      // Bilal's chat: his greeting, the question WhatsApp refused past his window, the template, the drink list.
      await chat.getByText("Which drink would you like?").waitFor();
      expect(await chat.getByText("Confirmed: red pill. Welcome to the real world.").count()).toBe(0);

      // The workbench waits behind the header's button and covers the screen when opened, without sideways scrolling.
      const bench = phone.getByRole("complementary", { name: "Workbench" });
      expect(await bench.isVisible()).toBe(false);
      await phone.locator("#workbench-toggle").click();
      await bench.waitFor({ state: "visible" });
      await bench.locator('[data-session="none"], dd[data-pending-node]').first().waitFor();
      await expect.poll(() => fits("#workbench")).toEqual(inside("#workbench"));
      expect(await phone.evaluate<number>("document.scrollingElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
      await phone.screenshot({ path: `${RESULTS}/09-phone-workbench.png` });
      await bench.getByRole("button", { name: "Close the workbench" }).click();
      await bench.waitFor({ state: "hidden" });

      // The dimmed chat and Escape close it too, leaving the customer held.
      await toggle.click();
      await bilal.waitFor({ state: "visible" });
      await phone.locator("#drawer-backdrop").click({ position: { x: PHONE.width - 20, y: PHONE.height / 2 } });
      await bilal.waitFor({ state: "hidden" });
      await toggle.click();
      await bilal.waitFor({ state: "visible" });
      await phone.keyboard.press("Escape");
      await bilal.waitFor({ state: "hidden" });
      expect(await phone.locator(".chat-sub").textContent()).toContain("you are Bilal");
    } finally {
      await phone.close();
    }
  });
  it("the booking example: a postcode typed (a wrong one re-asked), the free slots fetched from the example backend as a list, one chosen, booked with a reference", async () => {
    // Bilal wrote before (his 24-hour window is open), so the business may start the booking for him.
    await page.locator('.customer[data-customer="447700900102"]').click();
    await expect.poll(() => page.locator(".chat-sub").textContent()).toContain("you are Bilal");
    await page.locator('.chip[data-menu="booking"]').click();
    await messages().getByText("Hi Bilal! Let's book your delivery. Which postcode should we deliver to?").waitFor();
    const box = page.getByRole("textbox", { name: "Type a message" });
    await box.fill("nowhere");
    await box.press("Enter");
    await outgoing().last().locator(".caption", { hasText: "worker: reprompted" }).waitFor();
    expect(await incoming().last().locator(".text").textContent()).toMatch(/^That does not look like a UK postcode/);

    await box.fill("SW1A 1AA");
    await box.press("Enter");
    await outgoing().last().locator(".caption", { hasText: "worker: advanced" }).waitFor();
    const list = incoming().last();
    await list.getByText("These delivery slots are free in area SW. Which one suits you?").waitFor();
    await list.getByRole("button", { name: "Free slots" }).click();
    const sheet = page.getByRole("dialog");
    await sheet.waitFor();
    expect(await texts(sheet.locator(".sheet-row-title"))).toEqual(["Mon 8:00-10:00", "Mon 10:00-12:00", "Mon 12:00-14:00", "Mon 14:00-16:00", "Mon 16:00-18:00", "Tue 8:00-10:00", "Tue 10:00-12:00"]);
    await sheet.getByText("Mon 12:00-14:00", { exact: true }).click();
    await sheet.getByRole("button", { name: "Send" }).click();
    await sheet.waitFor({ state: "hidden" });

    const confirm = incoming().last();
    await confirm.getByText("Deliver to SW1A 1AA on Mon 12:00-14:00?").waitFor();
    await confirm.getByRole("button", { name: "Yes, book it" }).click();
    await outgoing().last().locator(".caption", { hasText: "worker: completed" }).waitFor();
    await messages()
      .getByText(/^Booked: Mon 12:00-14:00 at SW1A 1AA\. Your reference is BK-\d{4}\.$/)
      .waitFor();
    await shot("09-booking");
  });
});
