/** Ports for `npm start`: refuse a taken one with a way out, and wait until a server answers on one. */
import { createServer } from "node:net";
import { DevError } from "./dev-error.js";

/** Fails with a sentence naming the variable to change when `port` is taken on 127.0.0.1. */
export async function assertPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE" || e.code === "EACCES") {
        reject(
          new DevError(
            `port ${port} is ${e.code === "EACCES" ? "not allowed" : "already in use"}. Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it), or pick another port: ${variable}=${port + 10} npm start`,
          ),
        );
      } else reject(e);
    });
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Reads a port from the environment, or the default; rejects anything that is not a usable port number. */
export function portFrom(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new DevError(`${variable}=${raw} is not a port number: use a whole number from 1024 to 65535, e.g. ${variable}=${fallback}`);
  }
  return port;
}

/**
 * Polls `url` until it answers at all (any HTTP status), `gone()` reports the server died (its reason), or
 * `timeoutMs` passes. Polling, not a fixed sleep: it returns as soon as the server is up.
 */
export async function waitUntilAnswering(url: string, options: { timeoutMs: number; gone: () => string | null; what: string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const reason = options.gone();
    if (reason !== null) throw new DevError(`${options.what} stopped before it was ready: ${reason}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new DevError(`${options.what} did not answer at ${url} within ${options.timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
