/**
 * CPU time of this process split between its main thread and the others (V8's garbage-collection
 * and compiler helpers, libuv's pool), from /proc on Linux; undefined elsewhere. process.cpuUsage()
 * gives only the sum, which hides whether added time is the program's own work or work beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time used so far by each live thread, in ms, by thread id. */
export type ThreadTimes = ReadonlyMap<string, number>;

export interface ThreadCpu {
  /** User + system time of the main thread, ms. */
  main: number;
  /** User + system time of every other thread, ms. */
  others: number;
}

/** CPU time (user + system) this process has used, in ms: all its threads together. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Clock ticks per second of /proc's utime and stime: 100 on every Linux Node.js supports. */
const TICKS_PER_SECOND = 100;

export function threadTimes(): ThreadTimes | undefined {
  if (process.platform !== 'linux') return undefined;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const times = new Map<string, number>();
  for (const tid of tasks) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // Fields after the parenthesised name: state is the 3rd field, utime the 14th and stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    times.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
  }
  return times;
}

/**
 * The CPU time each thread used between two readings, summed as main and others. A thread started
 * in between counts from zero; one that ended in between is missing from `after` and not counted.
 */
export function threadCpuBetween(before: ThreadTimes, after: ThreadTimes): ThreadCpu {
  const split: ThreadCpu = { main: 0, others: 0 };
  for (const [tid, ms] of after) {
    const used = ms - (before.get(tid) ?? 0);
    if (tid === String(process.pid)) split.main += used;
    else split.others += used;
  }
  return split;
}
