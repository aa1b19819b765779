/** The CLI's files on Node: read as UTF-8 text, as the worker takes menus and customer files. */
import { readFile } from "node:fs/promises";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * A file's text. A byte order mark (Notepad writes one) is dropped, where `readFile(path, "utf8")` kept it and
 * JSON.parse then refused the file; bytes that are not UTF-8 (a file saved as Latin-1) fail with the code
 * `ERR_NOT_UTF8`, where `"utf8"` turned them into U+FFFD and `push` published "Caf\u{FFFD}".
 */
export async function readTextFile(path: string): Promise<string> {
  const bytes = await readFile(path);
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw Object.assign(new Error(`${path} is not UTF-8 text`, { cause }), { code: "ERR_NOT_UTF8" });
  }
}
