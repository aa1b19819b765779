/** The `wa-menu` command on Node: wires the CLI to the file system, the network and the process. */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { runCli } from "./wa-menu.js";

const code = await runCli(process.argv.slice(2), {
  readFile: (path) => readFile(path, "utf8"),
  writeFile: (path, text) => writeFile(path, text),
  fetch: globalThis.fetch,
  env: process.env,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  // Where `npm start` keeps its dev folder, so the CLI finds the local worker's token from any folder.
  root: fileURLToPath(new URL("..", import.meta.url)),
});
process.exitCode = code;
