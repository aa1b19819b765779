/** The product's Cloudflare entry, its KV bindings in the isolate's own memory (see `bench/with-memory-kv.ts`). */
import product from "../../src/runtimes/cloudflare.js";
import { withMemoryKv } from "../with-memory-kv.js";

export default withMemoryKv(product);
