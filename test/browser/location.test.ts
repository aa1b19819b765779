/**
 * Sharing a location from the simulator's composer under `npm start`, in real headless Chromium: the location button
 * opens a sheet of places whose fields stay editable, and Send shares the pin. A menu with a location input
 * (test/fixtures/pickup-menu.json, saved into npm start's copy of menus/) takes it and goes on; the input's location
 * request message has a Send location button that opens the same sheet; the delivery menu's
 * button question, which a pin does not answer, is asked again. Keyboard only, by mouse, and on a phone-sized screen.
 * Screenshots go to test-results/.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Locator, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { saveWhole } from "../support/save-file.js";
import { chromiumMissing, mustRun } from "./chromium.js";
import { RESULTS, ROOT, simulatorSuite, texts } from "./simulator-page.js";

const ALICE = "447700900101";
const BILAL = "447700900102";
/** A phone-sized screen (an iPhone 12 to 15's CSS pixels), as the main browser test uses. */
const PHONE = { width: 390, height: 844 };
const DELIVERY_QUESTION = "Which time would you like us to deliver your order at?";

describe.skipIf(chromiumMissing && !mustRun)("sharing a location from the simulator's composer under npm start, in Chromium", { timeout: 60_000 }, () => {
  const { sim, page, messages, incoming, outgoing, box } = simulatorSuite();
  const button = () => page().getByRole("button", { name: "Share a location" });
  const sheet = () => page().getByRole("dialog", { name: "Send location" });
  const focused = () => page().evaluate<string>("document.activeElement?.id ?? ''");
  /**
   * Runs `action`, which closes the sheet, and waits for the sheet's `close` event. The sheet is hidden when
   * close() runs, but the event comes in a task of its own, later: until the page's listener (location.js) has run,
   * the focus may not be back on the opener yet (it is not when the opener was drawn anew meanwhile). The listener
   * here is added after the page's, so it runs after it.
   */
  const closing = async (action: () => Promise<unknown>) => {
    // Not the promise itself: evaluate would wait for it.
    await page().evaluate(`void (window.sheetClosed = new Promise((resolve) => document.getElementById("location-sheet").addEventListener("close", resolve, { once: true })))`);
    await action();
    await page().evaluate("window.sheetClosed");
    expect(await sheet().isVisible()).toBe(false);
  };
  /** The id of the message whose Send location button has the focus, or "". */
  const focusedRequest = () => page().evaluate<string>("document.activeElement?.matches('.location-request') ? document.activeElement.closest('[data-id]').dataset.id : ''");
  /**
   * Holds the page's reports that the chat was read (POST .../read): until `release`, the business's delivered
   * messages keep that tick, and a message's row changes (is drawn anew) exactly when the test lets it.
   */
  const holdingReads = async () => {
    const held: Route[] = [];
    let holding = true;
    const handler = (route: Route) => (holding ? void held.push(route) : route.continue());
    await page().route("**/api/customers/*/read", handler);
    return async () => {
      holding = false;
      await Promise.all(held.map((route) => route.continue()));
      await page().unroute("**/api/customers/*/read", handler);
    };
  };
  const field = (label: string) => sheet().getByLabel(label);
  /** The questions of the delivery menu in the chat, each sending of it. */
  const deliveryQuestions = () => incoming().filter({ has: page().locator(".i-header", { hasText: "Delivery time" }) });

  it("the pick-up menu's location question takes a pin shared from the keyboard, drawn as a location bubble, and goes on", async () => {
    // Alice writes first: a business message reaches only a customer inside WhatsApp's 24-hour window.
    await box().fill("Hello");
    await box().press("Enter");
    await messages().getByText("Hi! What can we do for you today?").waitFor();
    await saveWhole(join(sim().menusDir, "pickup.json"), await readFile(`${ROOT}test/fixtures/pickup-menu.json`, "utf8"));
    await page().locator('.chip[data-menu="pickup"]').click();
    // A location input with `request: true`: WhatsApp's location request message.
    await incoming().last().getByText("Where should the courier pick up your parcel?").waitFor();
    expect(await incoming().last().locator(".text").textContent()).toBe("Where should the courier pick up your parcel?");
    expect(await incoming().last().getByRole("button", { name: "Send location" }).count()).toBe(1);

    // From the message box, Shift+Tab reaches the location button; Enter opens the sheet with the first place chosen.
    await box().focus();
    await page().keyboard.press("Shift+Tab");
    expect(await focused()).toBe("location-button");
    expect(await button().getAttribute("aria-haspopup")).toBe("dialog");
    await page().keyboard.press("Enter");
    await sheet().waitFor();
    expect(await texts(sheet().locator(".sheet-row-title"))).toEqual(["Buckingham Palace", "King's Cross station", "Your current location (a pin, no name)"]);
    expect(
      await sheet()
        .getByRole("radio", { name: /Buckingham Palace/ })
        .isChecked(),
    ).toBe(true);
    expect(await page().evaluate<string>("document.activeElement?.type ?? ''")).toBe("radio");
    expect([await field("Latitude").inputValue(), await field("Longitude").inputValue(), await field("Name (optional)").inputValue(), await field("Address (optional)").inputValue()]).toEqual([
      "51.501364",
      "-0.14189",
      "Buckingham Palace",
      "London SW1A 1AA",
    ]);
    // An arrow key picks the next place and fills its fields; then the name is edited, and Enter sends.
    await page().keyboard.press("ArrowDown");
    expect(
      await sheet()
        .getByRole("radio", { name: /King's Cross station/ })
        .isChecked(),
    ).toBe(true);
    expect(await field("Address (optional)").inputValue()).toBe("Euston Road, London N1 9AL");
    for (const expected of ["location-lat", "location-long", "location-name"]) {
      await page().keyboard.press("Tab");
      expect(await focused()).toBe(expected);
    }
    await page().keyboard.press("Control+A");
    await page().keyboard.type("King's Cross, platform 9");
    await page().screenshot({ path: `${RESULTS}/location-01-sheet.png` });
    await closing(() => page().keyboard.press("Enter"));
    // Focus is back on the button that opened the sheet.
    expect(await focused()).toBe("location-button");

    const pin = outgoing().last();
    await pin.locator(".caption", { hasText: "worker: completed" }).waitFor();
    expect(await pin.locator(".location-name").textContent()).toBe("King's Cross, platform 9");
    expect(await pin.locator(".location-address").textContent()).toBe("Euston Road, London N1 9AL");
    expect(await pin.locator(".location-coords").textContent()).toBe("51.530881, -0.123575");
    expect(await pin.getByRole("img", { name: "Map with a pin at 51.530881, -0.123575" }).count()).toBe(1);
    expect(await pin.locator('[data-delivery="delivered"]').count()).toBe(1);
    await incoming().last().getByText("The courier will come to King's Cross, platform 9 (51.530881,-0.123575).").waitFor();
    expect(await page().locator(`.customer[data-customer="${ALICE}"] .customer-preview`).textContent()).toBe("The courier will come to King's Cross, platform 9 (51.530881,-0.123575).");
    await page().screenshot({ path: `${RESULTS}/location-02-answered.png` });
  });

  it("the location request message's Send location button opens the same sheet, and its pin answers the input", async () => {
    // Each time the chat changes, the page patches it: a message's row is drawn anew only when it changed, here when
    // its tick moves from delivered to read, which the test holds back until it wants the row redrawn.
    const startRequest = async (count: number) => {
      const release = await holdingReads();
      await page().locator('.chip[data-menu="pickup"]').click();
      await expect.poll(() => incoming().filter({ hasText: "Where should the courier pick up your parcel?" }).count()).toBe(count);
      const request = incoming().last();
      await request.locator('[data-tick="delivered"]').waitFor();
      const id = (await request.getAttribute("data-id"))!;
      await request.locator(".location-request").evaluate((button) => {
        (globalThis as unknown as Record<string, unknown>)["drawnBefore"] = button;
      });
      /** Lets the read through, and waits until the request's row was drawn anew, its button a new element. */
      const redraw = async () => {
        await release();
        await request.locator('[data-tick="read"]').waitFor();
        expect(await page().evaluate<boolean>("window.drawnBefore.isConnected")).toBe(false);
      };
      return { request, id, sendLocation: request.getByRole("button", { name: "Send location" }), redraw };
    };

    const first = await startRequest(2);
    expect(await first.sendLocation.getAttribute("aria-haspopup")).toBe("dialog");
    expect(await first.sendLocation.isEnabled()).toBe(true);
    // Tapped, it opens the composer's sheet (the one dialog on the page); Escape gives the focus back to it.
    await first.sendLocation.click();
    await sheet().waitFor();
    expect(await page().locator("dialog[open]").count()).toBe(1);
    expect(await page().evaluate<string>("document.activeElement?.type ?? ''")).toBe("radio");
    await closing(() => page().keyboard.press("Escape"));
    expect(await focusedRequest()).toBe(first.id);
    // The row drawn anew while the button has the focus: the focus moves to the button drawn in its place.
    await first.redraw();
    expect(await focusedRequest()).toBe(first.id);

    // The row drawn anew while the sheet is open: closing it gives the focus to the button now in the row, which the
    // page's close listener does. Until that listener has run, the sheet is hidden and the focus is not there yet: that
    // is when an assertion made as soon as the sheet was hidden could look.
    const second = await startRequest(3);
    await second.sendLocation.click();
    await sheet().waitFor();
    await second.redraw();
    await page().evaluate(`window.addEventListener("close", (ev) => {
      ev.stopImmediatePropagation();
      window.heldClose = () => ev.target.dispatchEvent(new Event("close"));
    }, { capture: true, once: true })`);
    await page().keyboard.press("Escape");
    await sheet().waitFor({ state: "hidden" });
    await expect.poll(() => page().evaluate<boolean>("typeof window.heldClose === 'function'")).toBe(true);
    expect(await focusedRequest()).toBe("");
    await closing(() => page().evaluate("window.heldClose()"));
    expect(await focusedRequest()).toBe(second.id);

    const sent = await outgoing().count();
    await second.sendLocation.click();
    await sheet().waitFor();
    await sheet().getByText("Buckingham Palace").click();
    await page().screenshot({ path: `${RESULTS}/location-06-request-sheet.png` });
    await closing(() => sheet().getByRole("button", { name: "Send" }).click());
    expect(await focusedRequest()).toBe(second.id);
    await expect.poll(() => outgoing().count()).toBe(sent + 1);
    const pin = outgoing().last();
    await pin.locator(".caption", { hasText: "worker: completed" }).waitFor();
    expect(await pin.locator(".location-name").textContent()).toBe("Buckingham Palace");
    await incoming().last().getByText("The courier will come to Buckingham Palace (51.501364,-0.14189).").waitFor();
  });

  it("a pin sent to an ordinary question is not an answer: the question again, no attempt counted", async () => {
    await page().locator('.chip[data-menu="delivery"]').click();
    await deliveryQuestions().first().locator('[data-tick="read"]').waitFor();
    expect(await deliveryQuestions().count()).toBe(1);

    await button().click();
    await sheet().waitFor();
    // The bare pin: no name or address, as WhatsApp sends a current location.
    await sheet().getByText("Your current location (a pin, no name)").click();
    expect([await field("Name (optional)").inputValue(), await field("Address (optional)").inputValue()]).toEqual(["", ""]);
    await sheet().getByRole("button", { name: "Send" }).click();
    await sheet().waitFor({ state: "hidden" });

    const pin = outgoing().last();
    await pin.locator(".caption", { hasText: "worker: not_an_answer" }).waitFor();
    expect(await pin.locator(".location-name, .location-address").count()).toBe(0);
    expect(await pin.locator(".location-coords").textContent()).toBe("51.507351, -0.127758");
    // Asked again, the menu's note first, with all three buttons live.
    await expect.poll(() => deliveryQuestions().count()).toBe(2);
    const again = deliveryQuestions().last();
    expect(await again.locator(".text").textContent()).toBe(`Please tap one of the options, or type its number.\n\n${DELIVERY_QUESTION}`);
    expect(await again.locator("button.choice:disabled").count()).toBe(0);
    // The session as the workbench reads it from the worker: still at the question, no failed attempt.
    const session = (await (await fetch(`${sim().app.url}api/workbench/customers/${ALICE}/session`)).json()) as { session: { pending: { node: string }; attempts: number } };
    expect(session.session).toMatchObject({ pending: { node: "delivery-time" }, attempts: 0 });
    await page().screenshot({ path: `${RESULTS}/location-03-not-an-answer.png` });

    // The question still takes a tap.
    await again.getByRole("button", { name: "17:15" }).click();
    await messages().getByText("Booked: your order arrives at 17:15, give or take 15 minutes. Thank you!").waitFor();
  });

  it("Escape, the close button and the dimmed chat close the sheet without sending; a latitude past 90 is not sent", async () => {
    const sent = await outgoing().count();
    for (const close of [() => page().keyboard.press("Escape"), () => sheet().getByRole("button", { name: "Close" }).click(), () => page().mouse.click(20, 20)]) {
      await button().click();
      await sheet().waitFor();
      await closing(close);
      expect(await focused()).toBe("location-button");
    }
    await button().click();
    await field("Latitude").fill("95");
    await sheet().getByRole("button", { name: "Send" }).click();
    // The browser holds the form back: the sheet stays, the field says what is wrong.
    expect(await sheet().isVisible()).toBe(true);
    expect(await page().evaluate<boolean>("document.getElementById('location-lat').validity.rangeOverflow")).toBe(true);
    await page().keyboard.press("Escape");
    await sheet().waitFor({ state: "hidden" });
    expect(await outgoing().count()).toBe(sent);
  });

  it("on a phone-sized screen the location button sits in the composer and the sheet fits, without sideways scrolling", async () => {
    const phone = await sim().browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true, locale: "en-GB" });
    phone.setDefaultTimeout(30_000);
    try {
      await phone.goto(`${sim().app.url}#${BILAL}`);
      await expect.poll(() => phone.locator(".chat-sub").textContent()).toContain("you are Bilal");
      const fits = async (what: string, where: Locator = phone.locator(what).first()) => {
        const b = (await where.boundingBox())!;
        return { what, left: b.x >= 0, right: b.x + b.width <= PHONE.width, top: b.y >= 0, bottom: b.y + b.height <= PHONE.height };
      };
      const inside = (what: string) => ({ what, left: true, right: true, top: true, bottom: true });
      const noSidewaysScroll = async () => expect(await phone.evaluate<number>("document.scrollingElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
      for (const what of ["#location-button", ".composer input", ".composer-send"]) expect(await fits(what)).toEqual(inside(what));
      // Side by side in one row, the message box between the two buttons.
      const [attach, input, send] = await Promise.all(["#location-button", ".composer input", ".composer-send"].map(async (s) => (await phone.locator(s).boundingBox())!));
      expect(attach!.x + attach!.width).toBeLessThanOrEqual(input!.x);
      expect(input!.x + input!.width).toBeLessThanOrEqual(send!.x);

      await phone.getByRole("button", { name: "Share a location" }).tap();
      const phoneSheet = phone.getByRole("dialog", { name: "Send location" });
      await phoneSheet.waitFor();
      await expect.poll(() => fits("#location-sheet")).toEqual(inside("#location-sheet"));
      for (const what of ["#location-address", "#location-send"]) expect(await fits(what)).toEqual(inside(what));
      await noSidewaysScroll();
      await phone.screenshot({ path: `${RESULTS}/location-04-phone-sheet.png` });

      await phoneSheet.getByRole("button", { name: "Send" }).tap();
      await phoneSheet.waitFor({ state: "hidden" });
      const pin = phone.getByRole("region", { name: "Messages" }).locator(".row.out").last();
      await pin.locator(".location-name", { hasText: "Buckingham Palace" }).waitFor();
      // Bilal has no conversation: a pin starts the default menu, as any first message does.
      await pin.locator(".caption", { hasText: "worker: started" }).waitFor();
      expect(await fits("the pin's bubble", pin.locator(".bubble"))).toEqual(inside("the pin's bubble"));
      await noSidewaysScroll();
      await phone.screenshot({ path: `${RESULTS}/location-05-phone-pin.png` });
    } finally {
      await phone.close();
    }
  });
});
