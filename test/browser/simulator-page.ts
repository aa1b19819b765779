/**
 * What every browser test of `npm start` begins with: a copy of menus/ that npm start publishes and watches,
 * `npm start` itself on it, and a page in Debian's Chromium; plus the chat's locators.
 */
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "./chromium.js";
import { npmStart, type NpmStart } from "./npm-start.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RESULTS = `${ROOT}test-results`;

export interface SimulatorInChromium {
  app: NpmStart;
  browser: Browser;
  /** 1100 x 760, en-GB, waiting up to 30 s for what it must show. */
  page: Page;
  /** The copy of menus/ that npm start runs on, so a test can edit menu files without touching the repo's. */
  menusDir: string;
  /** Closes the browser, stops npm start with Ctrl-C (waiting until it has ended) and deletes the copy of menus/. */
  close(): Promise<void>;
}

export async function openSimulator(): Promise<SimulatorInChromium> {
  await mkdir(RESULTS, { recursive: true });
  const menusDir = await mkdtemp(join(tmpdir(), "wa-menu-menus-"));
  let browser: Browser | undefined;
  let app: NpmStart | undefined;
  const close = async () => {
    await browser?.close();
    await app?.stop();
    await rm(menusDir, { recursive: true, force: true });
  };
  try {
    await cp(`${ROOT}menus`, menusDir, { recursive: true });
    browser = await launchChromium();
    app = await npmStart(ROOT, { timeoutMs: 180_000, env: { MENUS_DIR: menusDir } });
    // en-GB: the day dividers' dates are asserted, and 24-hour clocks are what a UK phone shows.
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 }, locale: "en-GB" });
    // Waits for what the page must show; long enough for wrangler's first requests on a slow machine.
    page.setDefaultTimeout(30_000);
    return { app, browser, page, menusDir, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The chat of the customer held on `page()`: its messages, the business's bubbles (left) and the customer's (right), in order. */
export function chatOf(page: () => Page) {
  const messages = () => page().getByRole("region", { name: "Messages" });
  return { messages, incoming: () => messages().locator(".row.in"), outgoing: () => messages().locator(".row.out") };
}

/** The trimmed texts of what `l` finds, in order. */
export const texts = async (l: Locator) => (await l.allTextContents()).map((t) => t.trim());

/**
 * For a describe block: npm start and its page, opened on the simulator before the block's tests and closed after
 * them; the page, the chat's locators and the composer's message box on it.
 */
export function simulatorSuite() {
  let sim: SimulatorInChromium | undefined;
  beforeAll(async () => {
    sim = await openSimulator();
    await sim.page.goto(sim.app.url);
  }, 240_000);
  afterAll(() => sim?.close(), 60_000);
  const opened = () => {
    if (sim === undefined) throw new Error("the simulator did not open (see the beforeAll error)");
    return sim;
  };
  const page = () => opened().page;
  return { sim: opened, page, ...chatOf(page), box: () => page().getByRole("textbox", { name: "Type a message" }) };
}
