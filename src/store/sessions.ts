/**
 * One customer's conversation state in the SESSIONS store, under three keys of their own:
 * - `session:` the session, written once per step, before the step's effects (it carries what they owe);
 * - `sent:` the sent record, written once per step after its effects (the `message_uuid`s Vonage gave them);
 * - `optout:` the opt-out, a write-once fact that no racing session write can overwrite.
 * Keys written by one step are distinct, so no key is written twice within a step (Workers KV: 1 write/s/key).
 */
import { catchUp, forgottenSession, sessionLifetime } from "../flow/session.js";
import type { SentRecord, Session } from "../flow/types.js";
import type { KvEntry, KvPutOptions, KvStore } from "./kv.js";

export interface CustomerState {
  session: Session | null;
  /** The session's version for compare-and-set (null where the store has none, or no session). */
  version: string | null;
  sent: SentRecord | null;
  optedOut: boolean;
  /** The inbound message whose stop wrote the opt-out. */
  optOutBy: string | null;
}

export interface OptOut {
  at: string;
  /** The inbound message that asked for it. */
  by: string;
}

export interface SessionRepo {
  /** The session, its sent record and the opt-out, in one read. */
  load(business: string, customer: string): Promise<CustomerState>;
  get(business: string, customer: string): Promise<{ value: Session; version: string | null } | null>;
  /** The session's claim writer and whether the customer opted out, in one read: what a claim's read-back checks. */
  readBack(business: string, customer: string): Promise<{ writer: string | null; optedOut: boolean }>;
  /** The session as the engine sees it: completed by its sent record (the pending question's `message_uuid`). */
  view(business: string, customer: string): Promise<Session | null>;
  /**
   * Stores the session (null TTL: no expiry); false when a compare-and-set store saw another write since
   * `version` was read (null: only if absent; undefined: unconditionally).
   */
  save(session: Session, version: string | null | undefined, ttlSeconds: number | null): Promise<boolean>;
  saveSent(business: string, customer: string, record: SentRecord, ttlSeconds: number): Promise<void>;
  optedOut(business: string, customer: string): Promise<boolean>;
  setOptOut(business: string, customer: string, optOut: OptOut): Promise<void>;
  clearOptOut(business: string, customer: string): Promise<void>;
  /**
   * Forgets the conversation and keeps what is known of the customer (`forgottenSession`): their window, their name,
   * the messages already handled. The opt-out stays unless `clearOptOut`. `session` is the customer's session as
   * `view` gives it (null: none).
   */
  reset(session: Session | null, who: { business: string; customer: string }, options: { clearOptOut: boolean; now: number; ttlSeconds: number }): Promise<void>;
}

export const sessionKey = (business: string, customer: string) => `session:${business}:${customer}`;
export const sentKey = (business: string, customer: string) => `sent:${business}:${customer}`;
export const optOutKey = (business: string, customer: string) => `optout:${business}:${customer}`;

/** A record of an unknown shape (written by a future version, or damaged) is treated as no session. */
const known = (entry: KvEntry<Session> | null) => (entry?.value && (entry.value as { v?: unknown }).v === 1 ? entry : null);

export function sessionRepo(kv: KvStore): SessionRepo {
  const get = async (business: string, customer: string) => known(await kv.get<Session>(sessionKey(business, customer)));
  const optedOut = async (business: string, customer: string) => (await kv.get<OptOut>(optOutKey(business, customer))) !== null;
  const repo: SessionRepo = {
    async load(business, customer) {
      const [session, sent, out] = await kv.getMany<unknown>([sessionKey(business, customer), sentKey(business, customer), optOutKey(business, customer)]);
      const entry = known(session as KvEntry<Session> | null);
      const record = (sent as KvEntry<SentRecord> | null)?.value;
      const optOut = out as KvEntry<OptOut> | null;
      return {
        session: entry?.value ?? null,
        version: entry?.version ?? null,
        sent: record && typeof record.step === "number" ? record : null,
        optedOut: optOut !== null,
        optOutBy: optOut?.value.by ?? null,
      };
    },
    get,
    async readBack(business, customer) {
      const [session, out] = await kv.getMany<unknown>([sessionKey(business, customer), optOutKey(business, customer)]);
      return { writer: known(session as KvEntry<Session> | null)?.value.owed?.writer ?? null, optedOut: out !== null };
    },
    async view(business, customer) {
      const state = await repo.load(business, customer);
      return catchUp(state.session, state.sent).session;
    },
    save(session, version, ttlSeconds) {
      const options: KvPutOptions = ttlSeconds === null ? {} : { ttlSeconds };
      if (version !== undefined) options.ifVersion = version;
      return kv.put(sessionKey(session.business, session.customer), session, options);
    },
    async saveSent(business, customer, record, ttlSeconds) {
      await kv.put(sentKey(business, customer), record, { ttlSeconds });
    },
    optedOut,
    async setOptOut(business, customer, optOut) {
      // No expiry: consent outlives every conversation.
      await kv.put(optOutKey(business, customer), optOut);
    },
    clearOptOut: (business, customer) => kv.delete(optOutKey(business, customer)),
    async reset(session, { business, customer }, { clearOptOut, now, ttlSeconds }) {
      const forgotten = session === null ? null : forgottenSession(session, new Date(now).toISOString(), clearOptOut);
      await Promise.all([
        forgotten === null ? kv.delete(sessionKey(business, customer)) : repo.save(forgotten, undefined, sessionLifetime(forgotten, ttlSeconds, now)),
        kv.delete(sentKey(business, customer)),
        ...(clearOptOut ? [kv.delete(optOutKey(business, customer))] : []),
      ]);
    },
  };
  return repo;
}
