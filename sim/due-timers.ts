/**
 * Reminders the simulator's clock control makes due. Moving a customer's clock ages only the simulated phone, not
 * the worker, whose timers wait on its own queue in real time; so after a move the simulator asks the worker for
 * the customer's pending timer and, while one falls within the time moved, fires it through the admin API
 * (`POST /admin/sessions/{business}/{customer}/timer/fire`), as a support person could. Each fired reminder sets
 * the next, so a move of several hours may fire a chain: reminders, then the timeout.
 */
import type { WorkerClient } from "./worker-client.js";

/** A chain is at most a menu's reminders (5) and its timeout, with room to spare. */
const MAX_FIRED = 8;

export interface TimerView {
  kind: string;
  node: string;
  count: number;
  due: string;
}

/** Told once a timer is fired: what it did, or why the worker did not fire it. */
export interface Firing {
  fired(what: string): void;
  failed(message: string): void;
}

export interface DueTimers {
  /**
   * The customer's clock moved by `ms`: fire what became due; what was fired, for the chat. `firing` is called just
   * before each timer is fired, so that what the chat says of it comes before the message the timer sends.
   */
  moved(customer: string, ms: number, firing?: (timer: TimerView) => Firing): Promise<string[]>;
}

export function createDueTimers(options: { worker: WorkerClient; business: string; now?: () => number }): DueTimers {
  const now = options.now ?? Date.now;
  const offsets = new Map<string, number>();
  return {
    async moved(customer, ms, firing) {
      let offset = (offsets.get(customer) ?? 0) + ms;
      offsets.set(customer, offset);
      const path = `/sessions/${options.business}/${customer}`;
      const fired: string[] = [];
      for (let i = 0; i < MAX_FIRED; i++) {
        const view = await options.worker.admin("GET", path);
        if (!view.ok) break;
        const timer = (view.body["timers"] as TimerView[] | undefined)?.[0];
        // Due by the customer's clock: the real time plus how far the page moved it.
        if (timer === undefined || Date.parse(timer.due) > now() + offset) break;
        const told = firing?.(timer);
        const result = await options.worker.admin("POST", `${path}/timer/fire`);
        if (!result.ok) {
          told?.failed(result.message);
          break;
        }
        // The worker counts the next wait from its own now: the part of the move this timer stood for is used up.
        offsets.set(customer, (offset = offset - Math.max(0, Date.parse(timer.due) - now())));
        // A reminder timer past the question's last reminder is its timeout: the worker's outcome tells which it was.
        const timedOut = result.body["outcome"] === "timed_out";
        const what =
          timer.kind === "handback"
            ? "the idle handover handed back to the menu"
            : timedOut
              ? `"${timer.node}" went unanswered after its reminders: timed out`
              : `reminder ${timer.count + 1} of "${timer.node}" came due`;
        told?.fired(what);
        fired.push(what);
      }
      return fired;
    },
  };
}
