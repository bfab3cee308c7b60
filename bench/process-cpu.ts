/**
 * CPU time per completed task step, per group of processes, from /proc: each
 * group is read as a count of clock ticks of user + system time (fields 14 and
 * 15 of /proc/<pid>/stat, all threads of the process) before and after a
 * phase's timed window, and the difference is divided by the steps completed
 * in it. The machine is shared by every group, so a group's figure is its own
 * time, not wall time: a phase's groups add up to what one step costs the
 * machine, but for kernel work done in threads of its own (ksoftirqd, for
 * loopback networking under load), which is in none of them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Ticks per second of utime and stime: `getconf CLK_TCK`, 100 on Linux unless built otherwise. */
const CLOCK_TICKS_PER_SEC = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime of the process itself, all its threads. */
  ownTicks: number;
  /** cutime + cstime: what its exited children it has waited for used. */
  reapedChildrenTicks: number;
}

function readStat(pid: number | string): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone between listing /proc and reading it
  }
  // The command name is in parentheses and may itself hold spaces or ')': the fields follow the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const fields = text.slice(close + 2).split(' ');
  return {
    pid: Number(pid),
    comm,
    ppid: Number(fields[4 - 3]),
    ownTicks: Number(fields[14 - 3]) + Number(fields[15 - 3]),
    reapedChildrenTicks: Number(fields[16 - 3]) + Number(fields[17 - 3]),
  };
}

function allProcesses(): ProcessStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => readStat(pid))
    .filter((stat): stat is ProcessStat => stat !== undefined);
}

/** How a group counts its ticks so far; it only has to grow by what the group used. */
export type TickCounter = () => number;

/**
 * One process and, unless told not to, the exited children it has reaped (a
 * redis-server's rewrite of its append-only file runs in a child, for one).
 * The benchmark process counts only its own (benchProcessTicks): its children
 * are Turnout's processes and the redis-server, each a group of its own.
 */
export function processTicks(pid: number | undefined, options: { reapedChildren: boolean } = { reapedChildren: true }): TickCounter {
  return () => {
    const stat = pid === undefined ? undefined : readStat(pid);
    if (!stat) return 0;
    return stat.ownTicks + (options.reapedChildren ? stat.reapedChildrenTicks : 0);
  };
}

/** The benchmark process itself, which runs the load and the workers: the `load` group of every phase. */
export function benchProcessTicks(): TickCounter {
  return processTicks(process.pid, { reapedChildren: false });
}

/** Every process of that command name (RabbitMQ's `beam.smp`), with the children each reaped. */
export function commandTicks(comm: string): TickCounter {
  return () =>
    allProcesses()
      .filter((stat) => stat.comm === comm)
      .reduce((sum, stat) => sum + stat.ownTicks + stat.reapedChildrenTicks, 0);
}

/**
 * PostgreSQL: every process whose command is `postgres`. Backends come and go
 * (a connection each, a parallel worker each), so summing the live ones would
 * lose the time of those that exited within the window. The postmaster forks
 * them all and waits for each; the kernel then adds an exited backend's time to
 * the postmaster's cutime/cstime. So a postmaster (a `postgres` whose parent is
 * not one) counts its own time and its reaped children's, every other
 * `postgres` its own: a backend's ticks move from its own line to its
 * postmaster's as it exits, and the sum only grows by what was used.
 */
export function postgresTicks(): TickCounter {
  return () => {
    const processes = allProcesses();
    const postgresPids = new Set(processes.filter((stat) => stat.comm === 'postgres').map((stat) => stat.pid));
    return processes
      .filter((stat) => postgresPids.has(stat.pid))
      .reduce((sum, stat) => sum + stat.ownTicks + (postgresPids.has(stat.ppid) ? 0 : stat.reapedChildrenTicks), 0);
  };
}

export type CpuMsPerStep<Group extends string> = Record<Group | 'total', number>;

/** A phase's timed window: ticks of each group at its start; `perStep` reads them again at its end. */
export class CpuWindow<Group extends string> {
  private readonly startTicks: Record<string, number> = {};

  constructor(private readonly groups: Record<Group, TickCounter>) {
    for (const [name, ticks] of Object.entries<TickCounter>(groups)) this.startTicks[name] = ticks();
  }

  /** CPU ms each group used per step completed in the window, and their total. */
  perStep(steps: number): CpuMsPerStep<Group> {
    const figures: Record<string, number> = {};
    let total = 0;
    for (const [name, ticks] of Object.entries<TickCounter>(this.groups)) {
      const ms = ((ticks() - this.startTicks[name]) * 1000) / CLOCK_TICKS_PER_SEC / Math.max(1, steps);
      figures[name] = ms;
      total += ms;
    }
    figures.total = total;
    return figures as CpuMsPerStep<Group>;
  }
}

/**
 * Resolves once these groups together use less than `coreShare` of one core
 * over half a second, or when `timeoutMs` has passed; answers whether they
 * settled. A phase that follows another waits for the work the first left
 * behind (projections catching up, say), so it does not pay for it.
 */
export async function waitUntilQuiet(groups: TickCounter[], options: { coreShare: number; timeoutMs: number }): Promise<boolean> {
  const deadline = performance.now() + options.timeoutMs;
  const sample = () => groups.reduce((sum, ticks) => sum + ticks(), 0);
  const intervalMs = 500;
  while (performance.now() < deadline) {
    const before = sample();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const usedMs = ((sample() - before) * 1000) / CLOCK_TICKS_PER_SEC;
    if (usedMs < options.coreShare * intervalMs) return true;
  }
  return false;
}
