/// <reference types="vite/client" />
/** Runs every scenario module in test/scenarios inside workerd, as test/deno/scenarios.test.ts does on Deno. */
import { describe, it } from "vitest";
import { collectScenarios } from "../scenarios/collect.js";
import { workerdHarness } from "./harness.js";

const modules = import.meta.glob<Record<string, unknown>>("../scenarios/*.ts", { eager: true });

for (const { suite, scenarios } of collectScenarios(modules)) {
  describe(`${suite} scenarios (workerd, Miniflare KV)`, () => {
    for (const scenario of scenarios) it(scenario.name, () => scenario.run(workerdHarness));
  });
}
