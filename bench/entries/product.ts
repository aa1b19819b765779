/** The product's Cloudflare entry, its KV bindings served by the KV host process (see `bench/with-remote-kv.ts`). */
import { createWorker } from "../../src/runtimes/cloudflare-worker.js";
import { withRemoteKv } from "../with-remote-kv.js";

// As the entry does (src/runtimes/cloudflare.ts), with the start-up env the wrapper serves it.
export default withRemoteKv((startup: Env) => createWorker({}, startup));
