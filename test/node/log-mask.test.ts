import { describe, expect, it } from "vitest";
import { maskingLogger } from "../../src/log-mask.js";

const masked = (line: Record<string, unknown>) => {
  const lines: Record<string, unknown>[] = [];
  maskingLogger((l) => lines.push(l))(line);
  return lines[0];
};

describe("log lines", () => {
  it("mask every run of five or more digits to its last four", () => {
    expect(masked({ msg: "sent to 447700900123", n: { to: ["447700900124"] } })).toEqual({ msg: "sent to ********0123", n: { to: ["********0124"] } });
  });

  it("keep the reference of a workerd internal error whole, its digits included", () => {
    // workerd's opaque fetch failure: the reference is what an operator quotes to Cloudflare.
    const error = "internal error; reference = gvja65631qrtk2c0ncj0ss4c";
    expect(masked({ error })).toEqual({ error });
  });

  it("mask a number written after 'reference = ' that is not such a reference", () => {
    const internal = (reference: string) => `internal error; reference = ${reference}`;
    // Only in the form workerd writes it.
    expect(masked({ error: "reference = gvja65631qrtk2c0ncj0ss4c 447700900123" })).toEqual({ error: "reference = gvja*5631qrtk2c0ncj0ss4c ********0123" });
    expect(masked({ error: internal("447700900123") })).toEqual({ error: internal("********0123") });
    // Longer than a reference: a number glued to its end is no part of it.
    expect(masked({ error: internal("gvja6563qrtk2c0ncj0ss4cp447700900123") })).toEqual({ error: internal("gvja6563qrtk2c0ncj0ss4cp********0123") });
    // Of a reference's length, but holding a number: digits only, a number and letters, two numbers.
    expect(masked({ error: internal("447700900123447700900124") })).toEqual({ error: internal("********************0124") });
    expect(masked({ error: internal("447700900123aaaaaaaaaaaa.") })).toEqual({ error: internal("********0123aaaaaaaaaaaa.") });
    expect(masked({ error: internal("aaaaaaaaaaaa447700900123 sent") })).toEqual({ error: internal("aaaaaaaaaaaa********0123 sent") });
  });
});
