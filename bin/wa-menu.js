#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so no build step stands between a clone and `npx wa-menu`.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
