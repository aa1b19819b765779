import { describe, it } from "vitest";
import { adminScenarios } from "../scenarios/admin.js";
import { workerdHarness } from "./harness.js";

describe("menus as a product: admin API, versions, shorthand (workerd, Miniflare KV)", () => {
  for (const scenario of adminScenarios) it(scenario.name, () => scenario.run(workerdHarness));
});
