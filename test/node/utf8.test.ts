/** Text from outside: strict UTF-8 that says where it broke (src/utf8.ts), and the backend's answers read through it. */
import { describe, expect, it } from "vitest";
import { backendRequests } from "../../src/business-webhooks/backend-requests.js";
import { signingKey } from "../../src/business-webhooks/sign.js";
import { blankJson, blankJsonText, decodeUtf8, decodeUtf8Lenient, NotUtf8Error } from "../../src/utf8.js";

const bytes = (...parts: Array<string | number[]>) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));
const reason = (b: Uint8Array) => {
  try {
    decodeUtf8(b);
  } catch (e) {
    if (e instanceof NotUtf8Error) return e.reason;
    throw e;
  }
  return null;
};

describe("decodeUtf8", () => {
  it("takes UTF-8, emoji and a leading byte order mark included", () => {
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], "Café 😀"))).toBe("Café 😀");
  });

  it("refuses what is not UTF-8 and says at which byte, where the lenient decoder makes U+FFFD", () => {
    expect(decodeUtf8Lenient(bytes("Caf", [0xe9]))).toBe("Caf\uFFFD");
    expect(reason(bytes("Caf", [0xe9], "!"))).toBe("byte 3 (0xE9) is not UTF-8");
    expect(reason(bytes("ab", [0xff]))).toBe("byte 2 (0xFF) is not UTF-8");
    // An overlong "/", a surrogate, beyond U+10FFFF: forms a decoder must refuse though their bits look right.
    expect(reason(bytes("x", [0xc0, 0xaf]))).toBe("byte 1 (0xC0) is not UTF-8");
    expect(reason(bytes([0xed, 0xa0, 0x80]))).toBe("byte 0 (0xED) is not UTF-8");
    expect(reason(bytes([0xf4, 0x90, 0x80, 0x80]))).toBe("byte 0 (0xF4) is not UTF-8");
    expect(reason(bytes("ok ", [0xf0, 0x9f, 0x98]))).toBe("the last character, from byte 3 (0xF0), is cut short");
  });
});

describe("blank JSON", () => {
  it("is JSON's own white space, after a byte order mark too, and no other", () => {
    for (const text of ["", " \t\r\n", "\uFEFF "]) expect([blankJson(bytes(text)), blankJsonText(text)], JSON.stringify(text)).toEqual([true, true]);
    for (const text of ["\u00A0", " x", "\u2028", "null"]) expect([blankJson(bytes(text)), blankJsonText(text)], JSON.stringify(text)).toEqual([false, false]);
  });

  it("a backend answering a no-break space alone takes the failure exit, not the empty answer's", async () => {
    const backend = backendRequests({
      fetch: async () => new Response("\u00A0", { status: 200, headers: { "Content-Type": "application/json" } }),
      now: () => 0,
      signingKey: await signingKey(`whsec_${btoa("k".repeat(32))}`),
    });
    const result = await backend.request({ node: "area", key: "c/1/area/in", method: "GET", url: "https://backend.example.com/area", timeoutMs: 1000 }, { deadlineAt: 60_000 });
    expect(result).toMatchObject({ ok: false, reason: "bad_json", status: 200 });
  });
});

describe("a backend's answer that is not UTF-8", () => {
  it("takes the failure exit, saying where it broke: it is not read as text with U+FFFD in it", async () => {
    const answer = bytes('{"area": "Caf', [0xe9], '"}');
    const backend = backendRequests({
      fetch: async () => new Response(answer, { status: 200, headers: { "Content-Type": "application/json" } }),
      now: () => 0,
      signingKey: await signingKey(`whsec_${btoa("k".repeat(32))}`),
    });
    const result = await backend.request({ node: "area", key: "c/1/area/in", method: "GET", url: "https://backend.example.com/area", timeoutMs: 1000 }, { deadlineAt: 60_000 });
    expect(result).toMatchObject({ ok: false, reason: "bad_json", status: 200, detail: "the answer is not UTF-8 text (byte 13 (0xE9) is not UTF-8): send JSON in UTF-8" });
  });
});
