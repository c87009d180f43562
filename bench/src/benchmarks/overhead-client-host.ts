/**
 * The clients of the coordinator-alone round-overhead measurement, served in a helper process so
 * that the measured process holds only the server: `echo` opens bare echoing socket.io clients,
 * `cohort` Cohort clients with the no-op trainer (open mode, as the in-process federation's), `cpu`
 * reads this process's CPU time, `shutdown` closes them all.
 */
import { createClient, type CohortClient } from '@cohort/client/connection';
import { NoopTrainer } from '../lib/noop-trainer';
import { silentLogger } from '../lib/silent';
import { connectEchoClients } from '../lib/socket-echo';

const closers: Array<() => Promise<void> | void> = [];

export async function echo({ url, count }: { url: string; count: number }): Promise<void> {
  closers.push(await connectEchoClients(url, count));
}

/** Opens `count` Cohort clients (ids as the in-process federation's); resolves when all are connected. */
export async function cohort({ url, count }: { url: string; count: number }): Promise<void> {
  const clients: CohortClient[] = [];
  closers.push(() => Promise.all(clients.map((c) => c.close())).then(() => undefined));
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const client = createClient({
        serverUrl: url,
        clientId: `bench-${String(i).padStart(4, '0')}`,
        sealUpdates: false,
        trainer: new NoopTrainer(),
        logger: silentLogger,
      });
      clients.push(client);
      return new Promise<void>((resolve) => client.once('connected', () => resolve()));
    }),
  );
}

export { processCpuMs as cpu } from '../lib/thread-cpu';

export async function shutdown(): Promise<void> {
  for (const close of closers.splice(0)) await close();
}
