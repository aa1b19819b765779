/** Serves the chat simulator from Node.js on 127.0.0.1 only: it signs webhooks and holds the admin token. */
import { createAdaptorServer } from "@hono/node-server";
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import type { PageFile, Simulator } from "../../sim/simulator.js";
import { DevError } from "./dev-error.js";

/** The page's files in `sim/page/`, read on each request so an edit shows on reload. */
export function readPage(file: PageFile): Promise<string> {
  return readFile(fileURLToPath(new URL(`../../sim/page/${file}`, import.meta.url)), "utf8");
}

export interface SimulatorServer {
  url: string;
  close(): Promise<void>;
}

export async function serveSimulator(simulator: Simulator, port: number, variable: string): Promise<SimulatorServer> {
  const server = createAdaptorServer({ fetch: simulator.app.fetch, hostname: "127.0.0.1", port }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new DevError(`port ${port} is already in use: pick another with ${variable}=${port + 10} npm start`) : e));
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      simulator.closeFeeds();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open live feeds would otherwise hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}
