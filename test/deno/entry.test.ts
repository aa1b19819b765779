/**
 * Smoke run of the real entry as `npm run start:deno` starts it: `deno serve` on src/runtimes/deno.ts in its own
 * process, a Deno KV file, configuration from the environment, the fake Messages API on a loopback port.
 */
import assert from "node:assert/strict";
import delivery from "../../menus/delivery.json" with { type: "json" };
import { createFakeMessagesApi } from "../../sim/messages-api.js";
import { signWebhook, textWebhook } from "../../sim/vonage-webhooks.js";
import { denoKv, MENUS_NAMESPACE, SESSIONS_NAMESPACE } from "../../src/store/deno-kv.js";
import { menuRepo } from "../../src/store/menus.js";
import { sessionRepo } from "../../src/store/sessions.js";
import { seedButtonRequest } from "../fixtures/seed.js";
import { newCustomer } from "../scenarios/harness.js";
import { generateTestKeys } from "../support/keys.js";

const ROOT = new URL("../../", import.meta.url);

/** Collects a process's output; `line(re)` resolves with the first match, or rejects once the output has ended. */
function watch(streams: ReadableStream<Uint8Array>[]) {
  let text = "";
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = text.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const done = Promise.all(
    streams.map(async (s) => {
      for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        check();
      }
    }),
  );
  return {
    done,
    text: () => text,
    line: (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        done.then(() => reject(new Error(`the process ended without printing ${re}:\n${text}`)));
      }),
  };
}

Deno.test("deno serve runs the entry: healthz, then a customer's first message gets the bound menu's question", async () => {
  const keys = await generateTestKeys();
  const applicationId = crypto.randomUUID();
  const signatureSecret = crypto.randomUUID();
  const api = createFakeMessagesApi({ applicationId, publicKey: keys.publicKey });
  const apiServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => api.app.fetch(request));
  const dir = await Deno.makeTempDir({ prefix: "wa-menu-entry-" });
  const kvPath = `${dir}/kv.sqlite3`;
  const business = newCustomer();
  const customer = newCustomer();

  const kv = await Deno.openKv(kvPath);
  try {
    const menus = menuRepo(denoKv(kv, { namespace: MENUS_NAMESPACE }));
    await menus.publish(delivery, new Date().toISOString());
    await menus.bind(business, "delivery");

    const child = new Deno.Command(Deno.execPath(), {
      args: ["serve", "--host", "127.0.0.1", "--port", "0", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "src/runtimes/deno.ts"],
      cwd: ROOT,
      env: {
        NO_COLOR: "1",
        DENO_KV_PATH: kvPath,
        VONAGE_APPLICATION_ID: applicationId,
        VONAGE_PRIVATE_KEY: keys.pkcs8Pem,
        VONAGE_SIGNATURE_SECRET: signatureSecret,
        VONAGE_API_URL: `http://127.0.0.1:${apiServer.addr.port}`,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = watch([child.stdout, child.stderr]);
    try {
      const [, url] = await output.line(/Listening on (http:\/\/127\.0\.0\.1:\d+)\//);

      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200, await health.clone().text());
      assert.deepEqual(await health.json(), { status: "ok" });

      const body = JSON.stringify(textWebhook({ business, customer, text: "hi" }));
      const res = await fetch(`${url}/webhooks/inbound`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: await signWebhook(body, signatureSecret) },
        body,
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { outcome: "started", node: "delivery-time" });
      assert.equal(api.accepted.length, 1);
      assert.deepEqual(api.accepted[0]!.body, seedButtonRequest(business, customer));

      const session = await sessionRepo(denoKv(kv, { namespace: SESSIONS_NAMESPACE })).view(business, customer);
      assert.equal(session?.pending?.messageUuid, api.accepted[0]!.messageUuid, "stored in the KV file the entry opened");
      await output.line(/"msg":"inbound"/);
      assert.ok(!output.text().includes(customer), "logs mask the customer's number");
      assert.ok(!output.text().includes(signatureSecret));
    } finally {
      try {
        child.kill("SIGTERM");
      } catch {
        // It ended already (a failed start): the error above says why.
      }
      await child.status;
      await output.done;
    }
  } finally {
    kv.close();
    await apiServer.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
