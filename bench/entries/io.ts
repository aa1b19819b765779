/** The calibration worker, its KV binding served by the KV host process (see `bench/with-remote-kv.ts`). */
import io from "../io-worker.js";
import { withRemoteKv } from "../with-remote-kv.js";

export default withRemoteKv(io);
