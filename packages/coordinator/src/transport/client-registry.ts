import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@cohort/protocol';
import type { ConnectionIdentity } from '../trust/device-auth';

export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { identity: ConnectionIdentity }>;

/**
 * Connected clients by id, whatever carries them (a socket, an in-memory callback). A client that
 * reconnects replaces its older connection.
 */
export class ClientRegistry<C> {
  private readonly sockets = new Map<string, C>();
  private waiters: Array<() => void> = [];

  /** Registers `connection` as the client's current one; returns the one it replaces, if any. */
  add(clientId: string, connection: C): C | undefined {
    const previous = this.sockets.get(clientId);
    this.sockets.set(clientId, connection);
    this.notify();
    return previous;
  }

  /** Removes `connection` if it is still the client's current one; returns whether it was. */
  remove(clientId: string, connection: C): boolean {
    if (!this.sockets.has(clientId) || this.sockets.get(clientId) !== connection) return false;
    this.sockets.delete(clientId);
    this.notify();
    return true;
  }

  get(clientId: string): C | undefined {
    return this.sockets.get(clientId);
  }

  /** Every current connection. */
  connections(): C[] {
    return [...this.sockets.values()];
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
