import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@cohort/protocol';

export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { clientId: string }>;

/** Connected clients by id. A client that reconnects replaces its older socket. */
export class ClientRegistry {
  private readonly sockets = new Map<string, ClientSocket>();
  private waiters: Array<() => void> = [];

  add(socket: ClientSocket): ClientSocket | undefined {
    const previous = this.sockets.get(socket.data.clientId);
    this.sockets.set(socket.data.clientId, socket);
    this.notify();
    return previous;
  }

  /** Removes the socket if it is still the client's current one; returns whether it was. */
  remove(socket: ClientSocket): boolean {
    if (this.sockets.get(socket.data.clientId) !== socket) return false;
    this.sockets.delete(socket.data.clientId);
    this.notify();
    return true;
  }

  get(clientId: string): ClientSocket | undefined {
    return this.sockets.get(clientId);
  }

  /** Connected client ids, sorted, so that seeded sampling does not depend on arrival order. */
  ids(): string[] {
    return [...this.sockets.keys()].sort();
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Resolves once at least `count` clients are connected, or when the signal aborts. */
  async waitFor(count: number, signal: AbortSignal): Promise<void> {
    while (this.sockets.size < count && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
