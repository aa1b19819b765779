import { defineConfig } from "vitest/config";

/** Tests of the Node-side tools (the CLI, generated files, the chat simulator, the browser test of npm start); the worker itself is tested inside workerd. */
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts", "test/sim/**/*.test.ts", "test/browser/**/*.test.ts"],
  },
});
