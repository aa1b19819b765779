/**
 * Cloudflare Workers entry (`main` in wrangler.toml). The global scope may read the env (`cloudflare:workers`), so
 * the app is built and prepared while the isolate starts, under the start-up limit, not the first request's CPU.
 */
import { env } from "cloudflare:workers";
import { createWorker } from "./cloudflare-worker.js";

export default createWorker({}, env);
