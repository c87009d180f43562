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
