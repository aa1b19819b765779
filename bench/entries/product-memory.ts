/** The product's Cloudflare entry, its KV bindings in the isolate's own memory (see `bench/with-memory-kv.ts`). */
import { createWorker } from "../../src/runtimes/cloudflare-worker.js";
import { withMemoryKv } from "../with-memory-kv.js";

// As the entry does (src/runtimes/cloudflare.ts), with the start-up env the wrapper serves it.
export default withMemoryKv((startup: Env) => createWorker({}, startup));
