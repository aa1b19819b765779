/**
 * CPU time of a process as the OS counts it (Linux /proc), and a way to find the workerd process that Miniflare
 * spawned. A Worker cannot time its own CPU (its clock stands still while it runs), so the benchmark measures
 * workerd from outside.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces and parentheses. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * CPU time of `pid`, all threads, in milliseconds: the scheduler's own nanosecond accounting of each thread
 * (/proc/<pid>/task/<tid>/schedstat), where /proc/<pid>/stat counts in clock ticks of 10 ms, too coarse for one
 * request or for a floor that does little more than the calibration. A thread that ended takes its time with it;
 * workerd keeps its threads for its whole life.
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended while we looked.
    }
  }
  return ns / 1e6;
}

/** Ids of this process's children whose command is `name`. */
export function childProcesses(name: string, parent = process.pid): number[] {
  if (process.platform !== "linux") throw new Error("the benchmark reads CPU time from /proc, which only Linux has");
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const pid = Number(entry);
      if (Number(statFields(pid)[1]) === parent && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name) out.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
