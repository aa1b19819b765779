/** defined(): optional fields stay absent instead of holding undefined. */
import { describe, expect, it } from "vitest";
import { defined } from "../../src/defined.js";

describe("defined", () => {
  it("keeps the fields that have a value, falsy ones included, and drops the undefined ones", () => {
    const out = defined({ a: 1, b: undefined as string | undefined, c: null, d: 0, e: "" });
    expect(out).toEqual({ a: 1, c: null, d: 0, e: "" });
    expect(Object.hasOwn(out, "b")).toBe(false);
  });
});
