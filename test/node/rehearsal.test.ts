/**
 * The start-up rehearsal (`src/rehearsal.ts`): it goes through the webhook path, and it does nothing a Workers
 * global scope refuses, where a refusal would silently cost a cold isolate's first webhook the compiling again.
 */
import { afterEach, expect, it, vi } from "vitest";
import { parseMenu } from "../../src/menus/compile.js";
import { REHEARSAL_MENU, REHEARSAL_ROUNDS, rehearse } from "../../src/rehearsal.js";
import { importPrivateKey } from "../../src/vonage/private-key.js";
import { generateTestKeys } from "../support/keys.js";

afterEach(() => vi.restoreAllMocks());

const source = {
  id: "rehearsal",
  start: "pick",
  nodes: {
    pick: {
      type: "question",
      interactive: {
        type: "list",
        body: { text: "Pick one" },
        action: {
          button: "Pick",
          sections: [
            {
              title: "All",
              rows: [
                { id: "a", title: "A" },
                { id: "b", title: "B" },
              ],
            },
          ],
        },
      },
      next: { a: "sure", b: { text: "B it is." } },
    },
    sure: {
      type: "question",
      interactive: {
        type: "button",
        body: { text: "Sure?" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "yes", title: "Yes" } },
            { type: "reply", reply: { id: "no", title: "No" } },
          ],
        },
      },
      next: { yes: { text: "Done." }, no: "pick" },
    },
  },
};

it("stores its menu in the compiled form the compiler makes of the menu's source", () => {
  // Written by hand because the compiler is not on the webhook path; a change of the compiled format shows here.
  expect(REHEARSAL_MENU).toEqual(parseMenu(source));
});

it("starts a conversation and answers a tap on its question and the status of what it sent", async () => {
  await expect(rehearse({ rounds: 1 })).resolves.toEqual({ outcomes: ["started", "advanced"], statuses: ["ignored"], posts: 0 });
});

/** Runs `work` with what workerd refuses outside a request refused here too. */
async function inGlobalScope<T>(work: () => Promise<T>): Promise<T> {
  const refused = (what: string) => () => {
    throw new Error(`${what} is refused in a Workers global scope`);
  };
  // What workerd refuses outside a request: I/O, timers, random values, request and response bodies.
  vi.spyOn(globalThis, "fetch").mockImplementation(refused("fetch"));
  vi.spyOn(globalThis, "setTimeout").mockImplementation(refused("setTimeout") as never);
  vi.spyOn(globalThis, "setInterval").mockImplementation(refused("setInterval") as never);
  vi.spyOn(crypto, "randomUUID").mockImplementation(refused("crypto.randomUUID"));
  vi.spyOn(crypto, "getRandomValues").mockImplementation(refused("crypto.getRandomValues"));
  vi.spyOn(Math, "random").mockImplementation(refused("Math.random"));
  vi.spyOn(AbortSignal, "timeout").mockImplementation(refused("AbortSignal.timeout"));
  for (const method of ["text", "json", "arrayBuffer"] as const) {
    vi.spyOn(Request.prototype, method).mockImplementation(refused(`Request.${method}`));
    vi.spyOn(Response.prototype, method).mockImplementation(refused(`Response.${method}`));
  }
  const RealResponse = Response;
  const RealRequest = Request;
  vi.stubGlobal(
    "Response",
    new Proxy(RealResponse, {
      construct: (target, args: ConstructorParameters<typeof Response>) => {
        if (args[0] != null) throw new Error("a response with a body is refused in a Workers global scope");
        return Reflect.construct(target, args);
      },
    }),
  );
  vi.stubGlobal(
    "Request",
    new Proxy(RealRequest, {
      construct: (target, args: ConstructorParameters<typeof Request>) => {
        if (args[1]?.body != null) throw new Error("a request with a body is refused in a Workers global scope");
        return Reflect.construct(target, args);
      },
    }),
  );
  try {
    return await work();
  } finally {
    vi.unstubAllGlobals();
  }
}

// Each round a new conversation: a customer whose session another round had left would not be "started".
const everyRound = {
  outcomes: Array.from({ length: REHEARSAL_ROUNDS }, () => ["started", "advanced"]).flat(),
  statuses: Array.from({ length: REHEARSAL_ROUNDS }, () => "ignored"),
};

it(`runs ${REHEARSAL_ROUNDS} conversations at start-up, each a new customer's, with nothing the Workers global scope refuses`, async () => {
  await expect(inGlobalScope(() => rehearse())).resolves.toEqual({ ...everyRound, posts: 0 });
});

it("sends through the real Messages API client when given the application's key, still with nothing the global scope refuses", async () => {
  const privateKey = await importPrivateKey((await generateTestKeys()).pkcs8Pem);
  // Two questions a round, each one POST of the client: its token signed with the key, its timeout a signal that never fires.
  await expect(inGlobalScope(() => rehearse({ privateKey }))).resolves.toEqual({ ...everyRound, posts: 2 * REHEARSAL_ROUNDS });
});
