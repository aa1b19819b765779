/** readBody: the size limit holds on both paths, the declared length (one native read) and the streamed one. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { readBody } from "../../src/http/body.js";
import { HTTP_ERRORS } from "../../src/http/errors.js";

const post = (body: string, contentLength?: string) =>
  new Request("https://worker.test/", { method: "POST", body, ...(contentLength === undefined ? {} : { headers: { "Content-Length": contentLength } }) });
const status = (e: unknown) => (e instanceof AppError ? HTTP_ERRORS[e.code].status : e);

describe("readBody", () => {
  it("reads the body whole, whether its length is declared or not", async () => {
    expect(new TextDecoder().decode(await readBody(post("hello", "5")))).toBe("hello");
    expect(new TextDecoder().decode(await readBody(post("hello")))).toBe("hello");
  });

  it("refuses a declared length over the limit before reading, and a body over it whatever was declared", async () => {
    await expect(readBody(post("x".repeat(10), "11"), 10).catch(status)).resolves.toBe(413);
    await expect(readBody(post("x".repeat(11), "5"), 10).catch(status)).resolves.toBe(413);
    await expect(readBody(post("x".repeat(11)), 10).catch(status)).resolves.toBe(413);
    expect((await readBody(post("x".repeat(10), "10"), 10)).byteLength).toBe(10);
  });
});
