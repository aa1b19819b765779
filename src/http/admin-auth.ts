/** Bearer-token check for the business's own calls (admin API, starting flows), in constant time. */
import type { Context, Env, MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";
import { sha256 } from "../webcrypto.js";

/** Compares digests, so neither the length nor the first differing byte shows in the timing. */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Without a configured token the routes do not exist (404); with a wrong or missing one, 401. */
export function requireAdmin<E extends Env>(token: (c: Context<E>) => string | null): MiddlewareHandler<E> {
  return async (c, next) => {
    const expected = token(c);
    if (expected === null) throw new AppError("ERR_NOT_FOUND", "not found");
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization")?.trim() ?? "");
    if (!match || !(await tokensEqual(match[1]!, expected))) {
      throw new AppError("ERR_UNAUTHORIZED", "missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN>");
    }
    await next();
  };
}
