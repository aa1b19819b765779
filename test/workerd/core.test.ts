import { describe, it } from "vitest";
import { coreScenarios } from "../scenarios/core.js";
import { workerdHarness } from "./harness.js";

describe("core conversation scenarios (workerd, Miniflare KV)", () => {
  for (const scenario of coreScenarios) it(scenario.name, () => scenario.run(workerdHarness));
});
