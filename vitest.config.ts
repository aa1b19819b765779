import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
  test: {
    include: ["test/workerd/**/*.test.ts"],
    // The forced races run ten rounds each, with the claim's real settle time.
    testTimeout: 60_000,
  },
});
