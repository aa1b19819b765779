/** The calibration worker, its KV binding in the isolate's own memory (see `bench/with-memory-kv.ts`). */
import io from "../io-worker.js";
import { withMemoryKv } from "../with-memory-kv.js";

export default withMemoryKv(io);
