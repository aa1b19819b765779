/**
 * `npm start`: runs the worker locally under `wrangler dev` with the example menus in local KV, and the chat
 * simulator in place of Vonage and WhatsApp, then prints the one URL to open. No Vonage account, no phone,
 * no internet. Ctrl-C stops both.
 */
import { importSPKI } from "jose";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { keepChatHistory, loadChatHistory, restoreChatHistory, type KeptHistory } from "../sim/chat-history.js";
import { createExampleBackend } from "../sim/example-backend.js";
import { createSimulator } from "../sim/simulator.js";
import { createWorkerClient } from "../sim/worker-client.js";
import { loadOrCreateCredentials, workerEnvFile, writeSecret } from "./dev/credentials.js";
import { DevError } from "./dev/dev-error.js";
import { assertPortFree, waitUntilAnswering } from "./dev/ports.js";
import { readTemplates, TEMPLATES_FILE } from "./dev/read-templates.js";
import { LOCAL_URLS_FILE, localCopy, localUrlsText, type LocalUrls } from "./dev/local-copy.js";
import { PLACEHOLDER_HOSTS } from "./dev/local-webhooks.js";
import { readExampleMenus, seedMenus } from "./dev/seed-menus.js";
import { readSettings, SETTINGS_HELP } from "./dev/settings.js";
import { SIMULATED_BUSINESS, SIMULATED_CUSTOMERS } from "./dev/simulated-people.js";
import { adminCurrent, adminPublisher, watchMenus, type MenuWatcher } from "./dev/watch-menus.js";
import { readPage, serveApp, serveSimulator, type SimulatorServer } from "./dev/simulator-server.js";
import { createWebhookReceiver } from "../sim/webhook-receiver.js";
import { startWranglerDev, type WranglerDev } from "./dev/wrangler-dev.js";

const say = (line = "") => process.stdout.write(`${line}\n`);

let server: SimulatorServer | undefined;
let receiverServer: SimulatorServer | undefined;
let wrangler: WranglerDev | undefined;
let watcher: MenuWatcher | undefined;
let history: KeptHistory | undefined;
let stopping = false;

/** Stops whatever was started, once, then exits with `code`. */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  watcher?.close();
  await Promise.allSettled([history?.close(), server?.close(), receiverServer?.close(), wrangler?.stop()]);
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  // `on`, not `once`: wrangler's exit hook (signal-exit) re-raises a signal that no other listener is left to handle,
  // which would end this process before the chats are saved and wrangler has stopped. A second Ctrl-C changes nothing.
  process.on(signal, () => {
    if (stopping) return;
    say("\nStopping the worker and the simulator ...");
    void shutdown(0);
  });
}
// Last resort (an uncaught exit): wrangler runs in its own process group and would outlive this one.
process.once("exit", () => wrangler?.kill());

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    say(`npm start: the worker and a WhatsApp-like chat simulator, locally.\n\n${SETTINGS_HELP}`);
    return;
  }
  const root = fileURLToPath(new URL("..", import.meta.url));
  const settings = readSettings(process.env, root);
  const show = (path: string) => relative(process.cwd(), path) || ".";
  const { workerPort, simulatorPort, receiverPort, devDir } = settings;
  const ports = { WORKER_PORT: workerPort, SIMULATOR_PORT: simulatorPort, RECEIVER_PORT: receiverPort };
  for (const [a, b] of [
    ["WORKER_PORT", "SIMULATOR_PORT"],
    ["WORKER_PORT", "RECEIVER_PORT"],
    ["SIMULATOR_PORT", "RECEIVER_PORT"],
  ] as const) {
    if (ports[a] === ports[b]) throw new DevError(`${a} and ${b} are both ${ports[a]}: give them different ports`);
  }
  for (const [variable, port] of Object.entries(ports)) await assertPortFree(port, variable);

  const { credentials, created } = await loadOrCreateCredentials(devDir);
  say(`Local credentials: ${show(devDir)}/ (${created ? "made now" : "from an earlier start"}; kept out of git, no Vonage account needed)`);

  const receiverUrl = `http://127.0.0.1:${receiverPort}`;
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const local: LocalUrls = { workerUrl, receiverUrl, backendUrl: `${simulatorUrl}/backend` };
  // `wa-menu push` to this worker publishes the same local copy as the seeding and the watcher: it reads these here.
  await writeFile(join(devDir, LOCAL_URLS_FILE), localUrlsText(local));
  const read = await readExampleMenus(settings.menusDir);
  for (const w of read.warnings) say(`  warning: ${w}`);
  // What local KV gets: the files' webhooks to a documentation host point at the local receiver (the workbench
  // shows them), and the booking example's backend requests at the simulator's example backend.
  const menus = read.menus.map((m) => ({ ...m, doc: localCopy(m.doc, local) }));
  const defaultMenu = settings.defaultMenu ?? (menus.some((m) => m.id === "cafe") ? "cafe" : menus[0]!.id);
  if (!menus.some((m) => m.id === defaultMenu)) {
    throw new DevError(`DEFAULT_MENU=${defaultMenu} is not one of the example menus: use one of ${menus.map((m) => m.id).join(", ")}`);
  }
  const recordPath = join(devDir, "seeded-menus.json");
  // Local KV made now (a first start, or its folder deleted): chats from before would show conversations it never had.
  const freshKv = !existsSync(join(devDir, "state"));
  const seeded = await seedMenus({
    configPath: join(root, "wrangler.toml"),
    persistDir: join(devDir, "state"),
    recordPath,
    menus,
    defaultMenu,
    // Set on this start, DEFAULT_MENU is asked for; otherwise a default bound by hand (wa-menu bind) stays.
    rebind: settings.defaultMenu !== null,
  });
  const kept = seeded.bound || seeded.defaultMenu === defaultMenu ? "" : " (bound by hand; DEFAULT_MENU=<id> npm start rebinds it)";
  say(`Menus in local KV: ${seeded.versions.map((v) => `${v.id}@${v.version}${v.published ? " (new)" : ""}`).join(", ")}; default: ${seeded.defaultMenu}${kept}`);

  const templatesPath = join(root, "menus", TEMPLATES_FILE);
  const templates = await readTemplates(templatesPath);
  const approved = templates.registry.templates.map((t) => `${t.name} (${t.language})`).join(", ");
  say(templates.found ? `Approved templates (${show(templatesPath)}): ${approved || "none"}` : `No ${show(templatesPath)}: no approved templates, so every template message is rejected`);

  const envFile = join(devDir, "worker.env");
  const logFile = join(devDir, "worker.log");
  await writeSecret(envFile, workerEnvFile(credentials, simulatorUrl));

  // The business's backend: the worker's webhooks, verified with the same secret the worker signs them with.
  const receiver = createWebhookReceiver({ secret: credentials.completionSecret });
  receiverServer = await serveApp(receiver.app.fetch, receiverPort, "RECEIVER_PORT");
  say(`Webhook receiver: ${receiverUrl}/ (webhooks the menus send to ${PLACEHOLDER_HOSTS} arrive here, verified)`);

  const worker = createWorkerClient({
    baseUrl: workerUrl,
    signatureSecret: credentials.signatureSecret,
    adminToken: credentials.adminToken,
    applicationId: credentials.applicationId,
    unreachableHint: `Is \`npm start\` still running? The worker's log is ${show(logFile)}.`,
  });
  const simulator = createSimulator({
    applicationId: credentials.applicationId,
    publicKey: await importSPKI(credentials.publicKeyPem, "RS256"),
    business: SIMULATED_BUSINESS,
    customers: SIMULATED_CUSTOMERS,
    menus: menus.map((m) => ({ id: m.id, name: m.name })),
    worker,
    readPage,
    receiver: { receiver, url: receiverUrl },
    statusDelayMs: settings.statusDelayMs,
    templates: templates.registry,
    backend: createExampleBackend({ secret: credentials.completionSecret, origin: `${simulatorUrl}/backend` }),
  });
  // The chats as they were when npm start last stopped, so they match the sessions the worker kept in local KV.
  const historyPath = join(devDir, "chat-history.json");
  const saved = freshKv ? { history: null } : await loadChatHistory(historyPath);
  if ("problem" in saved) say(`  warning: ${saved.problem}`);
  if (saved.history !== null) {
    const restored = restoreChatHistory(simulator.log, saved.history, simulator.windows);
    say(`Chat history: ${restored} message${restored === 1 ? "" : "s"} back from ${show(historyPath)} (rm -rf ${show(devDir)} clears it with the worker's state)`);
  }
  // With each customer's 24-hour window: the worker remembers when they wrote, so the simulator does too.
  history = keepChatHistory(simulator.log, historyPath, { windows: simulator.windows });

  // The simulator first: it is the worker's Messages API.
  server = await serveSimulator(simulator, simulatorPort, "SIMULATOR_PORT");

  say(`Starting the worker (wrangler dev, local mode; its log: ${show(logFile)}) ...`);
  wrangler = startWranglerDev({
    cwd: root,
    port: workerPort,
    persistDir: join(devDir, "state"),
    envFile,
    logFile,
    onLine: (line) => say(`worker | ${line}`),
  });
  const running = wrangler;
  await waitUntilAnswering(`${workerUrl}/healthz`, { timeoutMs: 120_000, gone: running.exitReason, what: `wrangler dev (log: ${show(logFile)})` });
  const health = await fetch(`${workerUrl}/healthz`);
  if (!health.ok) throw new DevError(`the worker answers /healthz with ${health.status}: its configuration is incomplete; see ${show(logFile)}`);

  // Save, then tap: an edited menu file is checked and published to the running worker.
  watcher = watchMenus({
    dir: settings.menusDir,
    menus,
    recordPath,
    // An edited file is prepared as at start-up: the booking example's requests still reach the example backend.
    prepare: (doc) => localCopy(doc, local),
    current: adminCurrent(worker),
    publish: adminPublisher(worker),
    show,
    say: (line) => say(`menus | ${line}`),
    onResult: (event, list) => {
      simulator.workbench.menuFile(event);
      simulator.setMenus(list);
    },
  });
  say(`Watching ${show(settings.menusDir)}/: a saved menu file is checked and, when it changed, published at once.`);

  say();
  say(`  Open the chat simulator: ${simulatorUrl}/`);
  say();
  say("Tap a menu's buttons, or type to get the default menu. Ctrl-C stops the worker and the simulator.");

  await running.exited;
  if (!stopping) {
    say(`The worker stopped (${running.exitReason() ?? "no reason given"}); see ${show(logFile)}.`);
    await shutdown(1);
  }
}

main().catch((e: unknown) => {
  if (e instanceof DevError) process.stderr.write(`\nnpm start: ${e.message}\n`);
  else process.stderr.write(`\nnpm start failed unexpectedly: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  void shutdown(1);
});
