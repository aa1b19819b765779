/**
 * Local development credentials, made on the first `npm start` and kept in the gitignored dev folder: an RSA
 * key pair for the application JWT, a webhook signature secret, an admin token, an application id and a
 * completion-webhook secret. They stand in for a Vonage account's and are worth nothing outside this machine.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DevError } from "./dev-error.js";

export interface DevCredentials {
  applicationId: string;
  signatureSecret: string;
  adminToken: string;
  /** `whsec_...`: signs the worker's completion webhooks (Standard Webhooks). */
  completionSecret: string;
  /** PKCS#8 PEM, as the worker's VONAGE_PRIVATE_KEY. */
  privateKeyPem: string;
  /** SPKI PEM: the simulator's Messages API verifies the worker's JWT with it. */
  publicKeyPem: string;
}

const FILES = { secrets: "credentials.json", privateKey: "private.pem", publicKey: "public.pem" };

const newCompletionSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

function generate(): DevCredentials {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return {
    applicationId: randomUUID(),
    signatureSecret: randomBytes(32).toString("hex"),
    adminToken: randomBytes(32).toString("hex"),
    completionSecret: newCompletionSecret(),
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
  };
}

async function readIfThere(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Reads the credentials in `dir`, or makes them when none are there yet. */
export async function loadOrCreateCredentials(dir: string): Promise<{ credentials: DevCredentials; created: boolean }> {
  const [secretsText, privateKeyPem, publicKeyPem] = await Promise.all(Object.values(FILES).map((f) => readIfThere(join(dir, f))));
  const present = [secretsText, privateKeyPem, publicKeyPem].filter((x) => x !== null).length;

  if (present === 3) {
    let secrets: Partial<DevCredentials>;
    try {
      secrets = JSON.parse(secretsText!) as Partial<DevCredentials>;
    } catch {
      secrets = {};
    }
    const { applicationId, signatureSecret, adminToken, completionSecret } = secrets;
    const usable = (v: unknown, min: number): v is string => typeof v === "string" && v.length >= min;
    if (!usable(applicationId, 1) || !usable(signatureSecret, 16) || !usable(adminToken, 16) || !usable(completionSecret, 30)) {
      throw new DevError(`${join(dir, FILES.secrets)} is not as \`npm start\` wrote it. Delete the folder ${dir} and run \`npm start\` again to make new local credentials.`);
    }
    const credentials = { applicationId, signatureSecret, adminToken, completionSecret, privateKeyPem: privateKeyPem!, publicKeyPem: publicKeyPem! };
    return { credentials, created: false };
  }
  if (present > 0) {
    throw new DevError(`${dir} holds only part of the local credentials. Delete the folder ${dir} and run \`npm start\` again to make new ones.`);
  }

  const credentials = generate();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Owner-only, like any key file; credentials.json last, so a crash leaves a partial set that is detected above.
  await writeSecret(join(dir, FILES.publicKey), credentials.publicKeyPem);
  await writeSecret(join(dir, FILES.privateKey), credentials.privateKeyPem);
  await writeSecret(join(dir, FILES.secrets), secretsFile(credentials));
  return { credentials, created: true };
}

/** credentials.json: what is not a key file. `adminToken` is also where `wa-menu push` looks for it. */
function secretsFile(c: Omit<DevCredentials, "privateKeyPem" | "publicKeyPem">): string {
  const { applicationId, signatureSecret, adminToken, completionSecret } = c;
  return `${JSON.stringify({ applicationId, signatureSecret, adminToken, completionSecret }, null, 2)}\n`;
}

export async function writeSecret(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  // The mode above only applies to a new file.
  await chmod(path, 0o600);
}

/** The worker's environment for `wrangler dev --env-file`: dotenv lines, the PEM's newlines escaped. */
export function workerEnvFile(credentials: DevCredentials, apiUrl: string): string {
  const quote = (v: string) => {
    // dotenv turns \n back into a newline inside double quotes and unescapes nothing else; dotenv-expand reads $.
    if (/["\\$]/.test(v)) throw new DevError(`a local setting contains " \\ or $, which .env files cannot carry: delete the dev folder and start again`);
    return `"${v.replace(/\n/g, "\\n")}"`;
  };
  const vars: Record<string, string> = {
    VONAGE_APPLICATION_ID: credentials.applicationId,
    VONAGE_PRIVATE_KEY: credentials.privateKeyPem,
    VONAGE_SIGNATURE_SECRET: credentials.signatureSecret,
    ADMIN_TOKEN: credentials.adminToken,
    COMPLETION_WEBHOOK_SECRET: credentials.completionSecret,
    VONAGE_API_URL: apiUrl,
    // The menus' webhooks go to the local receiver on 127.0.0.1 (see local-webhooks.ts), and the example backend runs
    // in the simulator: a deployed worker refuses both.
    ALLOW_LOCAL_WEBHOOKS: "true",
  };
  return `# Written by \`npm start\` on every start; local development credentials only.\n${Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join("\n")}\n`;
}
