/**
 * The floor: a Worker that does only the work no design of this product can skip for one webhook: read
 * the body, verify Vonage's HS256 JWT and its payload_hash, one KV read, one RS256 application JWT, one
 * POST to the Messages API, one KV write. Same libraries (jose, WebCrypto) as the product, keys cached
 * per isolate as the product caches them, and no other logic: the benchmark divides by its CPU time.
 * `VONAGE_JWT_TTL_SECONDS` as the product reads it: "0" signs a fresh token per message, otherwise one token
 * is reused until a minute before its `exp` (the cheapest reuse there is: no refusal handling).
 */
import { importPKCS8, jwtVerify, SignJWT } from "jose";

interface FloorEnv {
  SESSIONS: KVNamespace;
  VONAGE_APPLICATION_ID: string;
  VONAGE_PRIVATE_KEY: string;
  VONAGE_SIGNATURE_SECRET: string;
  VONAGE_API_URL: string;
  VONAGE_JWT_TTL_SECONDS?: string;
}

let keys: Promise<{ hmac: CryptoKey; rsa: CryptoKey }> | undefined;

function keysFor(env: FloorEnv) {
  return (keys ??= (async () => ({
    hmac: await crypto.subtle.importKey("raw", new TextEncoder().encode(env.VONAGE_SIGNATURE_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]),
    rsa: await importPKCS8(env.VONAGE_PRIVATE_KEY, "RS256"),
  }))());
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

let reused: { jwt: string; refreshAt: number } | undefined;

async function applicationJwt(env: FloorEnv, rsa: CryptoKey): Promise<string> {
  const ttl = Number(env.VONAGE_JWT_TTL_SECONDS ?? "0");
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

export default {
  async fetch(request, env) {
    const { hmac, rsa } = await keysFor(env);
    const raw = new Uint8Array(await request.arrayBuffer());
    const token = (request.headers.get("Authorization") ?? "").replace(/^Bearer /, "");
    const { payload } = await jwtVerify(token, hmac, { algorithms: ["HS256"] });
    if (payload["payload_hash"] !== (await sha256Hex(raw))) return new Response(null, { status: 401 });
    const inbound = JSON.parse(new TextDecoder().decode(raw)) as { to: string; from: string; message_uuid: string };

    const key = `session:${inbound.to}:${inbound.from}`;
    await env.SESSIONS.get(key, { type: "text" });

    const jwt = await applicationJwt(env, rsa);
    const sent = await fetch(`${env.VONAGE_API_URL}/v1/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({
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
    });
    if (sent.status !== 202) return new Response(null, { status: 503 });
    const { message_uuid } = (await sent.json()) as { message_uuid: string };

    await env.SESSIONS.put(key, JSON.stringify({ inbound: inbound.message_uuid, pending: message_uuid }), { expirationTtl: 86_400 });
    return Response.json({ outcome: "sent" });
  },
} satisfies ExportedHandler<FloorEnv>;
