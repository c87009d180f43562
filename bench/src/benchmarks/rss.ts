/**
 * Memory of 1,000 registered clients. A Coordinator runs in this process; the 1,000 Cohort clients
 * (no-op trainer) run together in a second process, so that each process's RSS counts one side of
 * the connections only. Both are measured with 0, 1 and 1,000 clients connected (after a GC); the
 * per-client cost is (RSS₁₀₀₀ − RSS₁) ÷ 999.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '@cohort/coordinator';
import type { Benchmark } from '../lib/result';
import { settledMemory } from '../lib/memory';
import { syntheticModel } from '../lib/model';
import { RpcProcess } from '../lib/rpc';
import { silentLogger } from '../lib/silent';

const MANY = 1000;
type Memory = { rss: number; heapUsed: number };

export const run: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-rss-'));
  // A tiny model: registered clients hold no model until a round starts, so this isolates the connections.
  const coordinator = new Coordinator({
    rounds: 1,
    minClients: MANY + 1,
    evalEvery: 0,
    fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
    dbPath: join(dir, 'c.db'),
    model: syntheticModel(8, 2),
    logger: silentLogger,
    // All MANY clients connect from loopback.
    maxConnectionsPerAddress: MANY + 16,
  });
  const host = new RpcProcess(new URL('./rss-client-host.ts', import.meta.url));
  const server: Memory[] = [];
  const clients: Memory[] = [];
  const notes: string[] = [];
  try {
    const url = await coordinator.start();
    clients.push(await host.call<Memory>('memory'));
    server.push(await settledMemory());
    await host.call('connect', { count: 1, url });
    clients.push(await host.call<Memory>('memory'));
    server.push(await settledMemory());
    const connected = await host.call<number>('connect', { count: MANY - 1, url });
    if (connected !== MANY) throw new Error(`only ${connected} of ${MANY} clients are connected`);
    clients.push(await host.call<Memory>('memory'));
    server.push(await settledMemory());
    await host.call('shutdown');
  } finally {
    if (!(await host.close())) notes.push('the client host process did not exit by itself');
    await coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const mib = (bytes: number) => bytes / 2 ** 20;
  const perClient = (side: Memory[], key: keyof Memory) => (side[2]![key] - side[1]![key]) / (MANY - 1);
  const serverPer = perClient(server, 'rss');
  const clientPer = perClient(clients, 'rss');
  const one = (label: string, value: number, unit: string, baseline = false) => ({
    label,
    value,
    unit,
    samples: [],
    ...(baseline ? { baseline } : {}),
  });
  return {
    figures: [
      one('coordinator RSS, 1 client', mib(server[1]!.rss), 'MiB', true),
      one(`coordinator RSS, ${MANY} clients`, mib(server[2]!.rss), 'MiB'),
      one('coordinator RSS per registered client', serverPer / 1024, 'KiB'),
      one('coordinator heap per registered client', perClient(server, 'heapUsed') / 1024, 'KiB'),
      one('client process RSS, 1 client', mib(clients[1]!.rss), 'MiB', true),
      one(`client process RSS, ${MANY} clients`, mib(clients[2]!.rss), 'MiB'),
      one('client process RSS per connection', clientPer / 1024, 'KiB'),
      one('client process heap per connection', perClient(clients, 'heapUsed') / 1024, 'KiB'),
      one('both sides, RSS per client', (serverPer + clientPer) / 1024, 'KiB'),
    ],
    ratios: [
      {
        label: `coordinator RSS ${MANY} clients ÷ 1 client`,
        value: server[2]!.rss / server[1]!.rss,
        meaning: '1 = connections cost nothing',
      },
      {
        label: `client process RSS ${MANY} clients ÷ 1 client`,
        value: clients[2]!.rss / clients[1]!.rss,
        meaning: '1 = connections cost nothing',
      },
    ],
    notes: [
      ...notes,
      `coordinator RSS with 0 clients ${mib(server[0]!.rss).toFixed(1)} MiB; client process with 0 clients ${mib(clients[0]!.rss).toFixed(1)} MiB (after GC, median of 5 readings)`,
    ],
  };
};
