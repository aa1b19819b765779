/**
 * Saves a file whole, as a watcher should see it: written to a temporary file in the same folder (named with a
 * leading dot, which the menu watcher skips), then renamed over it. writeFile truncates the file, then writes it,
 * and a watcher may read it in between.
 */
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let saves = 0;

export async function saveWhole(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${++saves}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}
