/**
 * The deployed worker's size: every cold isolate fetches and parses it. A guard on what goes into the bundle (zod's
 * locales, a second router), not a timing: `npm run bench` measures the rest.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { expect, it } from "vitest";
import { bundle } from "../../bench/build.js";

// Minified (wrangler.toml), templates, data nodes, reminders and handover included, it is about 85 KiB.
it("the worker bundle stays under 100 KiB gzipped, without zod's locales", { timeout: 120_000 }, async () => {
  const outdir = await mkdtemp(path.join(tmpdir(), "wa-menu-bundle-"));
  try {
    const file = await bundle(process.cwd(), outdir);
    const code = await readFile(file);
    expect(gzipSync(code).length / 1024).toBeLessThan(100);
    // `import { z } from "zod"` pulls in every locale (about 360 KiB); `import * as z from "zod"` lets them go.
    // esbuild writes non-ASCII as escapes: "Ungültige Eingabe" (German) is "Ung\xFCltige Eingabe".
    expect(code.toString("utf8")).not.toMatch(/Ung(\\xFC|ü)ltige Eingabe/u);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});
