/**
 * How a client's run ends: `run:end` reaches every connected client with the coordinator's reason,
 * `cohort client` exits 0 on a finished run and non-zero with one line on stderr otherwise, and a
 * client reconnects by itself after its connection drops.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Coordinator, CoordinatorOptions } from '@cohort/coordinator';
import { createClient, type Trainer } from '@cohort/client';
import { EXIT, runEnding } from '../../packages/cli/src/commands/client';
import { runCohort, type CohortProcess } from '../helpers/processes';
import { RawClient, quiet, startCoordinator, syntheticData, tempDir, waitUntil, writeClientCsv } from '../helpers/federation';

const dataset = syntheticData(4);
const dir = tempDir('cohort-lifecycle-');
const processes: CohortProcess[] = [];
const coordinators: Coordinator[] = [];
const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(coordinators.splice(0).map((c) => c.close()));
});
afterAll(() => {
  for (const p of processes) p.child.kill('SIGKILL');
});

async function start(options: Partial<CoordinatorOptions>) {
  const started = await startCoordinator(dataset, options);
  coordinators.push(started.coordinator);
  return started;
}

function cohortClient(url: string, id: string, index = 0, of = 2): CohortProcess {
  const p = runCohort([
    'client',
    '--server',
    url,
    '--data',
    writeClientCsv(dataset, dir, index, of),
    '--label',
    'label',
    '--id',
    id,
    '--data-dir',
    join(dir, id),
    '--log-level',
    'info',
  ]);
  processes.push(p);
  return p;
}

/** The plain (non-JSON) lines a client wrote on stderr: its one-line reasons. */
function reasons(p: CohortProcess): string[] {
  return p.lines.filter((l) => l.startsWith('cohort client: '));
}

describe('cohort client exit codes', () => {
  it('exits 0 on a finished run (here without evaluation rounds), with no reason line', async () => {
    const { coordinator, url } = await start({ rounds: 1, minClients: 2, evalEvery: 0 });
    const outcome = coordinator.runRounds();
    const clients = [cohortClient(url, 'finish-0', 0), cohortClient(url, 'finish-1', 1)];
    expect((await outcome).status).toBe('finished');
    expect(await Promise.all(clients.map((c) => c.exited))).toEqual([EXIT.finished, EXIT.finished]);
    for (const c of clients) {
      expect(c.lines.some((l) => /run ended: completed 1 rounds/.test(l))).toBe(true);
      expect(reasons(c)).toEqual([]);
    }
  }, 90_000);

  it('exits 3 with the reason when the run fails, which reaches every connected client as run:end', async () => {
    const { coordinator, url } = await start({ rounds: 2, minClients: 2, evalEvery: 0, maxRoundAttempts: 1, roundTimeoutMs: 1500 });
    const outcome = coordinator.runRounds();
    // Never answers, so the round has one update of the two it needs.
    const silent = new RawClient(url, 'silent', () => undefined);
    const runEnd = new Promise<{ reason: string }>((resolve) => silent.socket.once('run:end', resolve));
    cleanups.push(() => silent.close());
    const client = cohortClient(url, 'fails-0');
    expect((await outcome).status).toBe('failed');
    expect((await runEnd).reason).toMatch(/^round 1 failed 1 time/);
    expect(await client.exited).toBe(EXIT.failed);
    expect(reasons(client)).toEqual([expect.stringMatching(/^cohort client: the run failed: round 1 failed 1 time/)]);
  }, 90_000);

  it('exits 2 with a reason when its client id is in use by another device, and when the coordinator refuses it', async () => {
    const { url } = await start({ minClients: 50, maxConnectionsPerAddress: 2 });
    const owner = cohortClient(url, 'owner');
    await owner.waitForLog(/^connected to /, 30_000);
    // Another device (its own data dir, so its own key) claiming the same id is refused; the owner stays.
    const other = runCohort([
      'client',
      '--server',
      url,
      '--data',
      writeClientCsv(dataset, dir, 1, 2),
      '--label',
      'label',
      '--id',
      'owner',
      '--data-dir',
      join(dir, 'other-device'),
    ]);
    processes.push(other);
    expect(await other.exited).toBe(EXIT.refused);
    expect(reasons(other)).toEqual([expect.stringMatching(/refused this client \(ID_IN_USE\): client id owner is already connected/)]);
    expect(owner.lines.some((l) => /disconnected/.test(l))).toBe(false);

    // The owner and one more fill the address's limit of 2: a third client is refused at the handshake.
    const filler = new RawClient(url, 'filler', () => undefined);
    cleanups.push(() => filler.close());
    await waitUntil(() => filler.socket.connected, 10_000);
    const refused = cohortClient(url, 'third');
    expect(await refused.exited).toBe(EXIT.refused);
    expect(reasons(refused)).toEqual([expect.stringMatching(/refused this client \(TOO_MANY_FROM_ADDRESS\)/)]);
  }, 90_000);

  it('maps every run:end reason of the round engine to an exit code', () => {
    expect(runEnding('completed 5 rounds').code).toBe(EXIT.finished);
    expect(runEnding('round 3 failed 3 times: fewer than 2 clients answered').code).toBe(EXIT.failed);
    const budget = runEnding('privacy budget exhausted after round 4: the next round would take ε to 3.1 > 3');
    expect(budget.code).toBe(EXIT.budgetExhausted);
    expect(budget.line).toMatch(/privacy budget is exhausted/);
    expect(runEnding('something else').code).toBe(EXIT.other);
  });
});

/** A TCP relay whose connections can be cut, as a network drop would. */
class Relay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  constructor(targetPort: number) {
    this.server = createServer((inbound) => {
      const outbound = tcpConnect(targetPort, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }
  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('reconnection', () => {
  it('reconnects with backoff after its connection is cut', async () => {
    const { url } = await start({ minClients: 50 });
    const relay = new Relay(Number(new URL(url).port));
    const port = await relay.listen();
    cleanups.push(() => relay.close());
    const idle = (): Promise<never> => Promise.reject(new Error('no rounds in this test'));
    const trainer: Trainer = { fit: idle, evaluate: idle };
    const client = createClient({
      serverUrl: `http://127.0.0.1:${port}`,
      clientId: 'roamer',
      trainer,
      logger: quiet,
      reconnectDelayMs: 100,
    });
    cleanups.push(() => client.close());
    const events: string[] = [];
    client.on('connected', () => events.push('connected'));
    client.on('disconnected', (reason) => events.push(`disconnected: ${reason}`));
    await waitUntil(() => client.connected, 10_000);
    relay.cut();
    await waitUntil(() => events.length >= 3, 10_000);
    expect(events.slice(0, 3)).toEqual(['connected', 'disconnected: transport close', 'connected']);
    expect(client.connected).toBe(true);
  }, 30_000);
});
