/**
 * zod's English messages for the worker's schemas, set once. The schemas use `zod/mini` (the classic API brings zod's
 * JSON-Schema generator into the bundle with every schema), which sets no messages of its own: without this, a
 * field of the wrong type says "Invalid input" where the classic API said "Invalid input: expected string, received
 * number". Imported by every module that builds a schema, before it builds one; English alone, not `z.locales`.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());
