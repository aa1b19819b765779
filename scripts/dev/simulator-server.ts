/**
 * Serves the chat simulator from Node.js on 127.0.0.1 only (it signs webhooks and holds the admin token), and
 * the local webhook receiver beside it.
 */
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

export function serveSimulator(simulator: Simulator, port: number, variable: string): Promise<SimulatorServer> {
  return serveApp(simulator.app.fetch, port, variable, () => simulator.closeFeeds());
}

/** Serves `fetch` on 127.0.0.1:`port`; `beforeClose` ends what would hold a connection open (live feeds). */
export async function serveApp(fetch: (request: Request) => Response | Promise<Response>, port: number, variable: string, beforeClose?: () => void): Promise<SimulatorServer> {
  const server = createAdaptorServer({ fetch, hostname: "127.0.0.1", port }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new DevError(`port ${port} is already in use: pick another with ${variable}=${port + 10} npm start`) : e));
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      beforeClose?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open live feeds would otherwise hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}
