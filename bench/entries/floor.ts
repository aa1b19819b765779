/** The floor worker, its KV binding served by the KV host process (see `bench/with-remote-kv.ts`). */
import floor from "../floor-worker.js";
import { withRemoteKv } from "../with-remote-kv.js";

export default withRemoteKv(floor);
