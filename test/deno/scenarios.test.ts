/** Runs every scenario module in test/scenarios on Deno over Deno KV, as test/workerd/scenarios.test.ts does in workerd. */
import { collectScenarios } from "../scenarios/collect.js";
import { denoHarness } from "./harness.js";

const dir = new URL("../scenarios/", import.meta.url);
const modules: Record<string, Record<string, unknown>> = {};
for await (const entry of Deno.readDir(dir)) {
  if (entry.isFile && entry.name.endsWith(".ts")) modules[entry.name] = (await import(new URL(entry.name, dir).href)) as Record<string, unknown>;
}

const suites = collectScenarios(modules);
Deno.test("test/scenarios holds scenario modules", () => {
  if (!suites.some((s) => s.suite === "core" && s.scenarios.length > 0)) throw new Error("no core scenarios were found");
});
for (const { suite, scenarios } of suites) {
  for (const scenario of scenarios) Deno.test(`${suite}: ${scenario.name}`, () => scenario.run(denoHarness));
}
