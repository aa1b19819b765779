/**
 * Calibration for the benchmark: the I/O of one webhook and nothing else. `POST /null` reads the body and
 * answers; any other POST also makes the floor's subrequests (one KV read, one POST to the Messages API, one
 * KV write) without any crypto. Under Miniflare every subrequest passes a JavaScript interceptor worker and
 * a loopback socket, which costs far more CPU than a subrequest on Cloudflare; these two rows measure that
 * cost so the report can show each worker's CPU net of it.
 */

interface IoEnv {
  SESSIONS: KVNamespace;
  VONAGE_API_URL: string;
}

export default {
  async fetch(request, env) {
    const raw = await request.text();
    if (new URL(request.url).pathname === "/null") return Response.json({ outcome: "none" });
    const inbound = JSON.parse(raw) as { to: string; from: string; message_uuid: string };
    const key = `session:${inbound.to}:${inbound.from}`;
    await env.SESSIONS.get(key, { type: "text" });
    // Unsigned, so the fake Messages API answers 401 at once: the cost measured is the subrequest's own.
    const sent = await fetch(`${env.VONAGE_API_URL}/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ from: inbound.to, to: inbound.from, channel: "whatsapp", message_type: "text", text: "calibration" }),
    });
    await sent.text();
    await env.SESSIONS.put(key, JSON.stringify({ inbound: inbound.message_uuid, status: sent.status }), { expirationTtl: 86_400 });
    return Response.json({ outcome: "io" });
  },
} satisfies ExportedHandler<IoEnv>;
