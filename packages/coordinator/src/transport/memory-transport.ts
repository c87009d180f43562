/**
 * An in-memory transport: clients are callbacks in the same process, messages are handed over
 * without sockets. It runs the real round engine, inbox and validation, so round rules (retries,
 * late answers, duplicates, budget stops, run:end on every outcome) are tested in milliseconds.
 */
import type { Ack, RoundEnd, RoundStart, RunEnd, ModelDescription } from '@cohort/protocol';
import { pino, type Logger } from 'pino';
import { answer, type AnswerEvent, type InboxContext, type RoundInbox } from '../round-inbox';
import { ClientRegistry } from './client-registry';
import { groupByInstruction, inboxContext, type RoundDelivery, type Transport, type TransportSetup } from './transport';

/** What a memory client is sent, in order. */
export type MemoryMessage =
  | { event: 'model:describe'; message: ModelDescription }
  | { event: 'round:start'; message: RoundStart }
  | { event: 'round:end'; message: RoundEnd }
  | { event: 'run:end'; message: RunEnd };

export type MemoryClient = (message: MemoryMessage) => void;

export class MemoryTransport implements Transport {
  private readonly registry = new ClientRegistry<MemoryClient>();
  private setup: TransportSetup | undefined;
  private context: InboxContext | undefined;
  private inbox: RoundInbox | undefined;

  constructor(private readonly log: Logger = pino({ level: 'silent' })) {}

  async listen(setup: TransportSetup): Promise<string> {
    this.setup = setup;
    this.context = inboxContext(setup, this.log);
    for (const client of this.registry.connections()) client({ event: 'model:describe', message: setup.description });
    return 'memory://coordinator';
  }

  /** A client arrives (or replaces its earlier self). */
  connect(clientId: string, client: MemoryClient): void {
    this.registry.add(clientId, client);
    if (this.setup) client({ event: 'model:describe', message: this.setup.description });
  }

  disconnect(clientId: string, reason = 'client namespace disconnect'): void {
    const client = this.registry.get(clientId);
    if (!client || !this.registry.remove(clientId, client)) return;
    this.inbox?.disconnected(clientId, reason);
  }

  /** A client's answer; resolves to the coordinator's acknowledgement (an update a streaming aggregate takes in gets it when it is added). */
  send(clientId: string, event: AnswerEvent, raw: unknown): Promise<Ack> {
    return Promise.resolve(answer(this.context!, clientId, event, raw, this.inbox));
  }

  /** A client reports that its round failed locally. */
  reportError(clientId: string, raw: unknown): void {
    this.inbox?.clientError(clientId, raw);
  }

  clients(): string[] {
    return this.registry.ids();
  }

  waitForClients(count: number, signal: AbortSignal): Promise<void> {
    return this.registry.waitFor(count, signal);
  }

  startRound(deliveries: readonly RoundDelivery[], inbox: RoundInbox): number {
    this.inbox = inbox;
    let bytesOut = 0;
    for (const { task, clients } of deliveries) {
      for (const group of groupByInstruction(clients)) {
        const message = { ...task, config: { ...task.config, ...(group.dp ? { dp: group.dp } : {}) } };
        for (const clientId of group.clientIds) {
          const client = this.registry.get(clientId);
          if (!client) {
            inbox.disconnected(clientId, 'left before the round started');
            continue;
          }
          client({ event: 'round:start', message });
          bytesOut += task.payload.byteLength;
        }
      }
    }
    return bytesOut;
  }

  closeRound(): void {
    this.inbox = undefined;
  }

  endRound(end: RoundEnd, clientIds: readonly string[]): void {
    for (const id of clientIds) this.registry.get(id)?.({ event: 'round:end', message: end });
  }

  endRun(end: RunEnd): void {
    for (const client of this.registry.connections()) client({ event: 'run:end', message: end });
  }

  async close(): Promise<void> {
    this.inbox?.abort();
    for (const id of this.registry.ids()) this.disconnect(id, 'server shutting down');
  }
}
