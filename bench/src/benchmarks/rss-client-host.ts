/**
 * The client side of the RSS benchmark, served in a helper process so that its RSS is only the
 * clients': `connect` opens more Cohort clients (no-op trainer), `memory` reads the settled RSS,
 * `shutdown` closes them all.
 */
import { createClient, type CohortClient } from '@cohort/client';
import { NoopTrainer } from '../lib/noop-trainer';
import { settledMemory } from '../lib/memory';
import { silentLogger } from '../lib/silent';

const BATCH = 50;
const clients: CohortClient[] = [];
const trainer = new NoopTrainer();

function connectOne(url: string, index: number): Promise<void> {
  const client = createClient({ serverUrl: url, clientId: `rss-${String(index).padStart(4, '0')}`, trainer, logger: silentLogger });
  clients.push(client);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${index} did not connect within 30 s`)), 30_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Opens `count` more clients to `url`, `BATCH` at a time; resolves with the number connected. */
export async function connect({ count, url }: { count: number; url: string }): Promise<number> {
  const target = clients.length + count;
  while (clients.length < target) {
    const batch = Math.min(BATCH, target - clients.length);
    await Promise.all(Array.from({ length: batch }, () => connectOne(url, clients.length)));
  }
  return clients.filter((c) => c.connected).length;
}

export const memory = settledMemory;

export async function shutdown(): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
  clients.length = 0;
}
