/**
 * The floor's logic (`bench/floor-worker.ts`) as a lean Node.js server: `node:http` for the webhook and for the
 * POST to the Messages API (a keep-alive agent), jose and WebCrypto for the JWTs, its KV a `Map` in the process,
 * as the isolate-memory rows hold KV in the isolate. Per webhook, as the floor: read the body, verify Vonage's
 * HS256 JWT and its payload_hash, one KV read, one RS256 application JWT (fresh per message when
 * `VONAGE_JWT_TTL_SECONDS` is "0", otherwise one token reused until a minute before its `exp`), one POST, one KV
 * write; it answers as the floor does (200 `{"outcome":"sent"}`, 401 on a wrong payload_hash, 503 when the send is
 * refused, 500 on any other error). Plain ESM, so `node` runs it as is: no loader or build step in the measured
 * process. It prints its port on stdout once it listens.
 *
 * Under `/__bench` (a prefix the floor never serves), the two routes of `bench/kv-routes.ts` the benchmark uses
 * on it: `POST /__bench/seed/SESSIONS` (stored without counting) and `GET /__bench/ops` (the counts, as the KV
 * host reports them). It keeps no menus: the floor reads none.
 */
import { Agent, createServer, request } from "node:http";
import { importPKCS8, jwtVerify, SignJWT } from "jose";

const env = process.env;
for (const name of ["VONAGE_APPLICATION_ID", "VONAGE_PRIVATE_KEY", "VONAGE_SIGNATURE_SECRET", "VONAGE_API_URL"]) {
  if (!env[name]) throw new Error(`${name} is not set`);
}
const ttl = Number(env.VONAGE_JWT_TTL_SECONDS ?? "0");
const messagesUrl = new URL(`${env.VONAGE_API_URL}/v1/messages`);
const agent = new Agent({ keepAlive: true });

const hmac = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.VONAGE_SIGNATURE_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
const rsa = await importPKCS8(env.VONAGE_PRIVATE_KEY, "RS256");

// KV: a Map in the process, expiry checked on read, every operation counted as the KV host counts it.
const TTL_MIN_SECONDS = 60;
const sessions = new Map();
const ops = { reads: 0, writes: 0, deletes: 0, lists: 0 };
const kv = {
  async get(key) {
    ops.reads++;
    const entry = sessions.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt > Date.now()) return entry.value;
    sessions.delete(key);
    return null;
  },
  async put(key, value, expirationTtl) {
    ops.writes++;
    if (expirationTtl < TTL_MIN_SECONDS) throw new Error(`KV PUT failed: 400 expirationTtl must be at least ${TTL_MIN_SECONDS}`);
    sessions.set(key, { value, expiresAt: Date.now() + expirationTtl * 1000 });
  },
};

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

let reused;

async function applicationJwt() {
  if (ttl > 0 && reused !== undefined && Date.now() < reused.refreshAt) return reused.jwt;
  const iat = Math.floor(Date.now() / 1000);
  const lifetime = ttl > 0 ? ttl : 900;
  const jwt = await new SignJWT({ application_id: env.VONAGE_APPLICATION_ID })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(crypto.randomUUID())
    .sign(rsa);
  if (ttl > 0) reused = { jwt, refreshAt: (iat + lifetime - 60) * 1000 };
  return jwt;
}

/** One POST over the keep-alive agent: the status and the body's text. */
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { ...headers, "Content-Length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The floor's webhook: [status, JSON body or null]. */
async function webhook(authorization, raw) {
  const token = (authorization ?? "").replace(/^Bearer /, "");
  const { payload } = await jwtVerify(token, hmac, { algorithms: ["HS256"] });
  if (payload["payload_hash"] !== (await sha256Hex(raw))) return [401, null];
  const inbound = JSON.parse(raw.toString("utf8"));

  const key = `session:${inbound.to}:${inbound.from}`;
  await kv.get(key);

  const jwt = await applicationJwt();
  const sent = await post(
    messagesUrl,
    { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json", Accept: "application/json" },
    JSON.stringify({
      from: inbound.to,
      to: inbound.from,
      channel: "whatsapp",
      message_type: "custom",
      custom: {
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "Which way would you like to go from here?" },
          action: { buttons: [{ type: "reply", reply: { id: "next", title: "Next" } }] },
        },
      },
    }),
  );
  if (sent.status !== 202) return [503, null];
  const { message_uuid } = JSON.parse(sent.text);

  await kv.put(key, JSON.stringify({ inbound: inbound.message_uuid, pending: message_uuid }), 86_400);
  return [200, JSON.stringify({ outcome: "sent" })];
}

/** The benchmark's routes under `/__bench`, outside the measured windows. */
function bench(method, path, raw) {
  if (method === "GET" && path === "/ops") return [200, JSON.stringify({ SESSIONS: { ...ops } })];
  if (method === "POST" && path === "/seed/SESSIONS") {
    const entries = JSON.parse(raw.toString("utf8"));
    for (const [k, v, seconds] of entries) sessions.set(k, { value: v, expiresAt: seconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + seconds * 1000 });
    return [200, JSON.stringify({ stored: entries.length })];
  }
  return [404, null];
}

const BENCH_PREFIX = "/__bench";

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    const answer = req.url.startsWith(`${BENCH_PREFIX}/`) ? Promise.resolve().then(() => bench(req.method, req.url.slice(BENCH_PREFIX.length), raw)) : webhook(req.headers.authorization, raw);
    answer.then(
      ([status, body]) => {
        if (body === null) res.writeHead(status).end();
        else res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
      },
      (error) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        res.writeHead(500).end();
      },
    );
  });
});

server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
