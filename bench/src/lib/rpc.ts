/**
 * A long-lived helper process that serves calls to a module's exports, one at a time, so that a
 * benchmark can interleave work between processes (e.g. one tfjs backend per process, taking turns)
 * or keep one side of a measurement apart (e.g. clients apart from the coordinator for RSS).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CHILD_EXEC_ARGV } from './fork';

const RPC_ENTRY = fileURLToPath(new URL('../rpc-child.ts', import.meta.url));

export interface RpcRequest {
  id: number;
  method: string;
  arg: unknown;
}

export type RpcResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export class RpcProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(moduleUrl: URL) {
    this.child = fork(RPC_ENTRY, [moduleUrl.href], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 2, 2, 'ipc'] });
    this.child.on('message', (response: RpcResponse) => {
      const waiter = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (response.ok) waiter?.resolve(response.result);
      else waiter?.reject(new Error(response.error));
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the helper process exited'));
      this.pending.clear();
    });
  }

  call<T>(method: string, arg?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, method, arg } satisfies RpcRequest);
    });
  }

  /** Ends the helper: it must exit by itself once disconnected. Returns false if it had to be killed. */
  async close(graceMs = 10_000): Promise<boolean> {
    if (this.child.connected) this.child.disconnect();
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) !== 'late') return true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    return false;
  }
}
