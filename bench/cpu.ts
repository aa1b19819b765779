/**
 * CPU time of a process as the OS counts it (Linux /proc: user + system time of all its threads), and a
 * way to find the workerd process that Miniflare spawned. A Worker cannot time its own CPU (its clock
 * stands still while it runs), so the benchmark measures workerd from outside.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces and parentheses. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User plus system CPU time of `pid`, all threads, in milliseconds. */
export function cpuMs(pid: number): number {
  const f = statFields(pid);
  // After the name: state(0) ppid(1) ... utime(11) stime(12), in clock ticks.
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks();
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

/**
 * CPU time of `pid` in milliseconds from the scheduler's own nanosecond accounting of each of its threads
 * (/proc/<pid>/task/<tid>/schedstat), where `cpuMs` counts in clock ticks (10 ms): fine enough for one request.
 * A thread that ended takes its time with it; workerd keeps its threads for its whole life.
 */
export function preciseCpuMs(pid: number): number {
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
