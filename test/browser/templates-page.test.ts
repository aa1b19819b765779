/**
 * The simulator's page in real headless Chromium for templates and the 24-hour window: the simulator alone (no
 * wrangler), served as npm start serves it, with a stand-in worker that takes every webhook; the template messages
 * are posted to its Messages API as the worker would post them.
 */
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { importPKCS8, SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import shipped from "../fixtures/templates.json" with { type: "json" };
import { readPage, serveSimulator, type SimulatorServer } from "../../scripts/dev/simulator-server.js";
import { createSimulator } from "../../sim/simulator.js";
import { checkTemplates, type TemplateRegistry } from "../../sim/templates.js";
import { createWorkerClient } from "../../sim/worker-client.js";
import { generateTestKeys } from "../support/keys.js";
import { cafeWelcomeCustom } from "../support/template-bodies.js";
import { chromiumMissing, launchChromium, mustRun } from "./chromium.js";
import { freePort } from "./npm-start.js";

const RESULTS = fileURLToPath(new URL("../../test-results", import.meta.url));
const BUSINESS = { number: "447700900000", name: "Demo Business" };
const ALICE = { number: "447700900101", name: "Alice" };
const APP = "app-page-templates";

describe.skipIf(chromiumMissing && !mustRun)("templates and the 24-hour window on the simulator's page", { timeout: 60_000 }, () => {
  let browser: Browser | undefined;
  let server: SimulatorServer | undefined;
  let page: Page;
  let post: (body: unknown) => Promise<Response>;
  const inbound: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    const keys = await generateTestKeys();
    const privateKey = await importPKCS8(keys.pkcs8Pem, "RS256");
    const simulator = createSimulator({
      applicationId: APP,
      publicKey: keys.publicKey,
      business: BUSINESS,
      customers: [ALICE, { number: "447700900102", name: "Bilal" }],
      menus: [],
      readPage,
      templates: checkTemplates(shipped).registry as TemplateRegistry,
      worker: createWorkerClient({
        baseUrl: "http://worker.test",
        signatureSecret: "a-secret-only-this-test-knows",
        adminToken: "admin",
        applicationId: APP,
        fetch: async (input, init) => {
          const request = new Request(input, init);
          if (new URL(request.url).pathname === "/webhooks/status") return new Response(null, { status: 204 });
          inbound.push((await request.json()) as Record<string, unknown>);
          return Response.json({ outcome: "started" });
        },
      }),
    });
    server = await serveSimulator(simulator, await freePort(), "SIMULATOR_PORT");
    post = async (body) => {
      const jwt = await new SignJWT({ application_id: APP }).setProtectedHeader({ alg: "RS256", typ: "JWT" }).setIssuedAt().setExpirationTime("5m").setJti(crypto.randomUUID()).sign(privateKey);
      return fetch(`${server!.url}/v1/messages`, { method: "POST", headers: { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    };
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 760 }, locale: "en-GB" });
    page.setDefaultTimeout(15_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const messages = () => page.getByRole("region", { name: "Messages" });
  const bar = () => page.locator(".window-bar");

  it("says that the window is closed for a customer who never wrote, with nothing to age", async () => {
    await page.goto(`${server!.url}/`);
    await expect.poll(() => bar().getAttribute("data-window")).toBe("closed");
    expect(await page.locator(".window-state").textContent()).toBe("24-hour window closed (this customer has not written yet): only templates can reach this customer");
    const steps = await page.locator(".window-step").all();
    expect(await Promise.all(steps.map(async (s) => [await s.textContent(), await s.isDisabled()]))).toEqual([
      ["+1 h", true],
      ["+23 h", true],
      ["+25 h", true],
    ]);
  });

  it("shows a template with its parameters filled in and its quick replies; a tap sends their payload and opens the window", async () => {
    const template = cafeWelcomeCustom(BUSINESS.number, ALICE.number, "Alice");
    expect((await post(template)).status).toBe(202);
    const bubble = messages().locator(".row.in").last();
    await bubble.locator('[data-tick="read"]').waitFor();
    expect(await bubble.locator(".bubble.template .text").textContent()).toBe("Hi Alice, welcome back to Corner Cafe! Would you like to order a drink? We are open every day 7:00-19:00.");
    expect(await bubble.locator("button.choice .choice-title").allTextContents()).toEqual(["Order now", "Not now"]);

    await bubble.getByRole("button", { name: "Not now" }).click();
    const answer = messages().locator(".row.out").last();
    await answer.locator('[data-delivery="delivered"]').waitFor();
    expect(await answer.locator(".bubble .text").textContent()).toBe("Not now");
    expect(await answer.locator(".quote-text").textContent()).toContain("Hi Alice, welcome back");
    expect(inbound.at(-1)).toMatchObject({ message_type: "button", button: { payload: "later", text: "Not now", subtype: "quick_reply" } });
    expect(await bubble.getByRole("button", { name: "Not now" }).isDisabled()).toBe(true);
    expect(await bubble.getByRole("button", { name: "Order now" }).isDisabled()).toBe(false);
    await expect.poll(() => bar().getAttribute("data-window")).toBe("open");
    expect(await page.locator(".window-state").textContent()).toMatch(/^24-hour window open: free-form messages reach this customer for 2[34] h \d+ min more$/);
    await page.screenshot({ path: `${RESULTS}/templates-01-quick-reply.png` });
  });

  it("+25 h closes the window; a free-form message then shows as not delivered, with WhatsApp's reason", async () => {
    await page.getByRole("button", { name: "+25 h" }).click();
    await expect.poll(() => page.locator(".window-state").textContent()).toBe("24-hour window closed: only templates can reach this customer");

    const sent = await post({ from: BUSINESS.number, to: ALICE.number, channel: "whatsapp", message_type: "text", text: "Are you still there?" });
    expect(sent.status).toBe(202);
    const bubble = messages().locator(".row.in").last();
    await bubble.locator('[data-tick="rejected"]').waitFor();
    expect(await bubble.locator(".bubble .text").textContent()).toBe("Are you still there?");
    expect(await bubble.locator(".caption.failed").textContent()).toBe("not delivered: Outside of the allowed window (1340)");
    expect(await bubble.locator('[data-tick="rejected"]').getAttribute("aria-label")).toBe("not delivered");
    await page.screenshot({ path: `${RESULTS}/templates-02-window-closed.png` });
  });

  it("on a phone the bar says the state in a few words that fit beside the clock, instead of a cut sentence", async () => {
    const phones = [
      { width: 375, height: 667 },
      { width: 390, height: 844 },
    ];
    /** The phone-sized page on a customer's chat: what its bar shows, once it says `expected`. */
    const barOnPhone = async (viewport: { width: number; height: number }, customer: string, expected: RegExp, act?: (phone: Page) => Promise<void>) => {
      const phone = await browser!.newPage({ viewport, isMobile: true, hasTouch: true, locale: "en-GB" });
      phone.setDefaultTimeout(15_000);
      try {
        await phone.goto(`${server!.url}/#${customer}`);
        await act?.(phone);
        const short = phone.locator(".window-short");
        await expect.poll(() => short.textContent()).toMatch(expected);
        const seen = async (what: string) => ((await phone.locator(what).first().boundingBox())?.width ?? 0) > 1;
        const result = {
          whole: await short.evaluate((el) => el.scrollWidth <= el.clientWidth),
          short: await seen(".window-short"),
          sentence: await seen(".window-state"),
          steps: await seen(".window-step"),
          // Each clock button is a target a finger can hit (WCAG's 24 px minimum).
          tappable: (await phone.locator(".window-step").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height))).every((height) => height >= 24),
          sideways: (await phone.evaluate<number>("document.scrollingElement.scrollWidth")) > viewport.width,
          // The sentence is still what a screen reader reads.
          said: await phone.locator(".window-state").textContent(),
        };
        await phone.screenshot({ path: `${RESULTS}/templates-03-phone-${viewport.width}-${customer}.png` });
        return result;
      } finally {
        await phone.close();
      }
    };
    const fits = { whole: true, short: true, sentence: false, steps: true, tappable: true, sideways: false };
    for (const viewport of phones) {
      // Alice's window is closed (+25 h above); Bilal never wrote.
      expect(await barOnPhone(viewport, ALICE.number, /^Closed: templates only$/), `${viewport.width} px`).toEqual({ ...fits, said: "24-hour window closed: only templates can reach this customer" });
      expect(await barOnPhone(viewport, "447700900102", /^Closed: not written yet$/), `${viewport.width} px`).toEqual({
        ...fits,
        said: "24-hour window closed (this customer has not written yet): only templates can reach this customer",
      });
    }
    // Alice writes: the window opens, with the longest time left the bar can show.
    const writes = async (phone: Page) => {
      const box = phone.getByRole("textbox", { name: "Type a message" });
      await box.fill("Hello again");
      await box.press("Enter");
    };
    for (const [i, viewport] of phones.entries()) {
      expect(await barOnPhone(viewport, ALICE.number, /^Open: 2[34] h \d+ min left$/, i === 0 ? writes : undefined), `${viewport.width} px`).toEqual({
        ...fits,
        said: expect.stringMatching(/^24-hour window open: /),
      });
    }
  });

  it("a question sent to a customer who never wrote cannot be tapped: it never reached the phone", async () => {
    const question = { type: "button", body: { text: "Shall we book you a table?" }, action: { buttons: [{ type: "reply", reply: { id: "yes", title: "Yes please" } }] } };
    const sent = await post({ from: BUSINESS.number, to: "447700900102", channel: "whatsapp", message_type: "custom", custom: { type: "interactive", interactive: question } });
    expect(sent.status).toBe(202);
    await page.locator('.customer[data-customer="447700900102"]').click();
    const bubble = messages().locator(".row.in").last();
    await bubble.locator('[data-tick="rejected"]').waitFor();
    expect(await bubble.getByRole("button", { name: "Yes please" }).isDisabled()).toBe(true);
    expect(await bubble.locator(".caption.failed").textContent()).toBe("not delivered: Outside of the allowed window (1340)");
  });
});
