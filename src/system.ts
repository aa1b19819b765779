/** The runtime's own waits and randomness: what the entries pass in by default, and tests replace. */

export type Sleep = (ms: number) => Promise<void>;

/** Randomness the app uses, passed in like the clock, so a test can replay it. */
export interface Random {
  /** A v4 UUID (JWT ids, delivery ids). */
  uuid(): string;
  /** A float in [0, 1) (retry jitter). */
  float(): number;
}

export const systemSleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const systemRandom: Random = { uuid: () => crypto.randomUUID(), float: () => Math.random() };
