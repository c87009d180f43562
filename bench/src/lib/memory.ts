import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { gc, median } from './stats';

/**
 * RSS and heap after the process has settled: a full GC (the process runs with --expose-gc), then
 * the median of five readings 200 ms apart.
 */
export async function settledMemory(): Promise<{ rss: number; heapUsed: number }> {
  await delay(300);
  gc();
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    const usage = process.memoryUsage();
    rss.push(usage.rss);
    heap.push(usage.heapUsed);
    await delay(200);
  }
  return { rss: median(rss), heapUsed: median(heap) };
}

/**
 * The kernel's record of this process's peak RSS (VmHWM), which `resetPeakRss` restarts from the
 * current RSS: an exact peak over a span at no cost to it, where sampling RSS from a timer misses
 * what happens inside synchronous work and, under heavy allocation, stalls the event loop on the
 * kernel's memory-map lock. Linux only; undefined elsewhere or where /proc/self/clear_refs is not
 * writable.
 */
export function peakRssBytes(): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Restarts VmHWM (see peakRssBytes) from the current RSS; false if the kernel does not allow it. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
