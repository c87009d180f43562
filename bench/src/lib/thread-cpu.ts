/**
 * CPU time of this process split between its main thread and the others (V8's garbage-collection
 * helpers, libuv's pool), from /proc on Linux; undefined elsewhere. process.cpuUsage() gives only
 * the sum, which hides whether added time is the program's own work or collection running beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadCpu {
  /** User + system time of the main thread, ms. */
  main: number;
  /** User + system time of every other thread, ms (threads that have ended are not counted). */
  others: number;
}

/** Clock ticks per second of /proc's utime and stime: 100 on every Linux Node.js supports. */
const TICKS_PER_SECOND = 100;

export function threadCpu(): ThreadCpu | undefined {
  if (process.platform !== 'linux') return undefined;
  const split: ThreadCpu = { main: 0, others: 0 };
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  for (const tid of tasks) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // Fields after the parenthesised name: state is the 3rd field, utime the 14th and stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    if (tid === String(process.pid)) split.main += ms;
    else split.others += ms;
  }
  return split;
}

/** b − a, field by field. */
export function threadCpuSince(a: ThreadCpu, b: ThreadCpu): ThreadCpu {
  return { main: b.main - a.main, others: b.others - a.others };
}
