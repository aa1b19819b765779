/** The `wa-menu` command on Node: wires the CLI to the file system, the network and the process. */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { readTextFile } from "./node-files.js";
import { runCli } from "./wa-menu.js";

const code = await runCli(process.argv.slice(2), {
  readFile: readTextFile,
  writeFile: (path, text) => writeFile(path, text),
  fetch: globalThis.fetch,
  env: process.env,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  // Where `npm start` keeps its dev folder, so the CLI finds the local worker's token from any folder.
  root: fileURLToPath(new URL("..", import.meta.url)),
});
process.exitCode = code;
