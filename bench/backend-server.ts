/**
 * A business backend on a loopback HTTP port for the request-node row: answers every request with a small JSON
 * body at once, and counts them. It runs in this Node process, so its CPU is not counted as the worker's.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";

/** What the backend answers every request with. */
export const BACKEND_ANSWER = { ok: true, stock: 7, note: "in stock" } as const;

export interface BackendServer {
  url: string;
  readonly requests: number;
  close(): Promise<void>;
}

export async function startBackendServer(): Promise<BackendServer> {
  let requests = 0;
  let server: ReturnType<typeof serve> | undefined;
  const answer = async (request: Request) => {
    requests++;
    await request.arrayBuffer();
    return new Response(JSON.stringify(BACKEND_ANSWER), { headers: { "Content-Type": "application/json" } });
  };
  const address = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: answer, port: 0, hostname: "127.0.0.1" }, resolve);
  });
  return {
    url: `http://127.0.0.1:${address.port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server!.close(() => resolve());
        if ("closeAllConnections" in server!) server.closeAllConnections();
      }),
  };
}
