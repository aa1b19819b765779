import { describe, it } from "vitest";
import { policyScenarios } from "../scenarios/policies.js";
import { workerdHarness } from "./harness.js";

describe("conversations as customers have them (workerd, Miniflare KV)", () => {
  for (const scenario of policyScenarios) it(scenario.name, () => scenario.run(workerdHarness));
});
