/** What `npm start` can be told through the environment, read once and checked, with the defaults. */
import { isAbsolute, join } from "node:path";
import { portFrom } from "./ports.js";

export interface DevSettings {
  root: string;
  /** Credentials, the worker's env file, local KV and the worker's log: gitignored. */
  devDir: string;
  workerPort: number;
  simulatorPort: number;
  /** The local receiver of the worker's business webhooks (completions), standing in for the business's backend. */
  receiverPort: number;
  /** The menu files published to local KV at start and again whenever one changes. */
  menusDir: string;
  /** The menu a customer gets who writes first; unset: `cafe`, else the first example. */
  defaultMenu: string | null;
  /** Pause between status webhooks, so a person sees the ticks move. */
  statusDelayMs: number;
}

export const SETTINGS_HELP = `Settings (environment variables):
  WORKER_PORT      port of the worker under wrangler dev (default 8787)
  SIMULATOR_PORT   port of the chat simulator (default 8788)
  RECEIVER_PORT    port of the local receiver of the worker's webhooks (default 8789)
  MENUS_DIR        folder of the menu files to publish and watch (default menus)
  DEV_DIR          folder for local credentials, KV and logs (default .dev)
  DEFAULT_MENU     id of the menu a customer gets by writing first (default cafe, bound only when no
                   default is bound yet; set, it is bound on every start)`;

export function readSettings(env: NodeJS.ProcessEnv, root: string): DevSettings {
  const dir = env["DEV_DIR"] || ".dev";
  const menus = env["MENUS_DIR"] || "menus";
  return {
    root,
    devDir: isAbsolute(dir) ? dir : join(root, dir),
    workerPort: portFrom(env, "WORKER_PORT", 8787),
    simulatorPort: portFrom(env, "SIMULATOR_PORT", 8788),
    receiverPort: portFrom(env, "RECEIVER_PORT", 8789),
    menusDir: isAbsolute(menus) ? menus : join(root, menus),
    defaultMenu: env["DEFAULT_MENU"] || null,
    statusDelayMs: 300,
  };
}
