/**
 * Debian's Chromium, driven by playwright-core (Playwright's own browser download does not work here). When
 * it is missing the browser test is skipped loudly, except under CI=true, where a skip would hide a broken setup.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
export const chromiumMissing = !existsSync(CHROMIUM_PATH);
export const mustRun = process.env["CI"] === "true";

if (chromiumMissing) {
  const line = `${CHROMIUM_PATH} is missing: install it with \`apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH`;
  console.warn(`\n${"=".repeat(100)}\n${mustRun ? "FAILING (CI=true)" : "SKIPPED"}: the browser test of npm start. ${line}\n${"=".repeat(100)}\n`);
}

export function launchChromium(): Promise<Browser> {
  if (chromiumMissing) throw new Error(`${CHROMIUM_PATH} is missing: install it with \`apt-get install -y chromium\` (as root), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
