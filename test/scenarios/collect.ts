/**
 * Finds the scenario arrays in loaded scenario modules, so that each runtime's runner runs every module in
 * test/scenarios, including ones added later, with no list to keep in step.
 */
import type { Scenario } from "./harness.js";

export interface ScenarioSuite {
  /** The module's file name without `.ts`, e.g. `core`. */
  suite: string;
  scenarios: Scenario[];
}

/** `modules` maps a module's path to its exports; every export named `*Scenarios` that is an array is a suite. */
export function collectScenarios(modules: Record<string, Record<string, unknown>>): ScenarioSuite[] {
  const suites: ScenarioSuite[] = [];
  for (const path of Object.keys(modules).sort()) {
    const suite = path.replace(/^.*\//, "").replace(/\.ts$/, "");
    for (const [name, value] of Object.entries(modules[path]!)) {
      if (name.endsWith("Scenarios") && Array.isArray(value)) suites.push({ suite, scenarios: value as Scenario[] });
    }
  }
  return suites;
}
