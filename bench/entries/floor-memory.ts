/** The floor worker, its KV binding in the isolate's own memory (see `bench/with-memory-kv.ts`). */
import floor from "../floor-worker.js";
import { withMemoryKv } from "../with-memory-kv.js";

export default withMemoryKv(floor);
