/** The product's Cloudflare entry, its KV bindings served by the KV host process (see `bench/with-remote-kv.ts`). */
import product from "../../src/runtimes/cloudflare.js";
import { withRemoteKv } from "../with-remote-kv.js";

export default withRemoteKv(product);
