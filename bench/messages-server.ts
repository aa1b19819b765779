/**
 * The fake Messages API of `sim/messages-api.ts` on a loopback HTTP port, so the worker in workerd sends
 * to it over a real socket: it verifies every RS256 JWT and WhatsApp limit as Vonage does. It runs in this
 * Node process, so its CPU is not counted as the worker's.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createFakeMessagesApi, type FakeMessagesApi } from "../sim/messages-api.js";

export interface MessagesServer {
  url: string;
  api: FakeMessagesApi;
  close(): Promise<void>;
}

export async function startMessagesServer(applicationId: string, publicKey: CryptoKey): Promise<MessagesServer> {
  const api = createFakeMessagesApi({ applicationId, publicKey });
  let server: ReturnType<typeof serve> | undefined;
  const address = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: (request) => api.fetch(request), port: 0, hostname: "127.0.0.1" }, resolve);
  });
  return {
    url: `http://127.0.0.1:${address.port}`,
    api,
    close: () =>
      new Promise<void>((resolve) => {
        server!.close(() => resolve());
        // workerd keeps its connections alive; they would hold the server open.
        if ("closeAllConnections" in server!) server.closeAllConnections();
      }),
  };
}
