/** Customer sessions in the SESSIONS store: one key per (business number, customer), written once per webhook. */
import type { Session } from "../flow/types.js";
import type { KvEntry, KvStore } from "./kv.js";

export interface SessionRepo {
  get(business: string, customer: string): Promise<KvEntry<Session> | null>;
  /** Stores the session (null TTL: no expiry); false when a compare-and-set store saw another write since `version` was read. */
  save(session: Session, version: string | null, ttlSeconds: number | null): Promise<boolean>;
  delete(business: string, customer: string): Promise<void>;
}

export const sessionKey = (business: string, customer: string) => `session:${business}:${customer}`;

export function sessionRepo(kv: KvStore): SessionRepo {
  return {
    async get(business, customer) {
      const entry = await kv.get<Session>(sessionKey(business, customer));
      // A record of an unknown shape (written by a future version, or damaged) is treated as no session.
      return (entry?.value as { v?: unknown } | undefined)?.v === 1 ? entry : null;
    },
    save(session, version, ttlSeconds) {
      return kv.put(sessionKey(session.business, session.customer), session, ttlSeconds === null ? { ifVersion: version } : { ttlSeconds, ifVersion: version });
    },
    delete(business, customer) {
      return kv.delete(sessionKey(business, customer));
    },
  };
}
