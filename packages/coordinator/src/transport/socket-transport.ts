/**
 * The socket.io transport: an HTTP server with a socket.io endpoint, the handshake (protocol version
 * and client id, validated in full), the registry of connected clients (a reconnecting client
 * replaces its older socket), routing of answers to the open round's inbox, and byte counts.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import {
  ProtocolError,
  handshakeSchema,
  parseMessage,
  type Ack,
  type ClientToServerEvents,
  type RoundEnd,
  type RunEnd,
  type ServerToClientEvents,
} from '@cohort/protocol';
import { answer, type AnswerEvent, type RoundInbox } from '../round-inbox';
import type { ClientInstruction } from '../strategy/strategy';
import { ClientRegistry, type ClientSocket } from './client-registry';
import { groupByInstruction, inboxContext, type RoundTask, type Transport, type TransportSetup } from './transport';

export interface SocketTransportOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  log: Logger;
}

export class SocketTransport implements Transport {
  private readonly registry = new ClientRegistry();
  private http: HttpServer | undefined;
  private io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { clientId: string }> | undefined;
  private setup: TransportSetup | undefined;
  private inbox: RoundInbox | undefined;

  constructor(private readonly options: SocketTransportOptions) {}

  async listen(setup: TransportSetup): Promise<string> {
    this.setup = setup;
    const { log } = this.options;
    const host = this.options.host ?? '127.0.0.1';
    this.http = createServer();
    this.io = new Server(this.http, { maxHttpBufferSize: 2 * setup.maxMessageBytes, serveClient: false });
    this.io.use((socket, next) => {
      try {
        socket.data.clientId = parseMessage(handshakeSchema, socket.handshake.auth, 'handshake').clientId;
        next();
      } catch (error) {
        const rejection = error instanceof ProtocolError ? error : new ProtocolError('INVALID_MESSAGE', String(error));
        log.warn({ code: rejection.code }, `refused a connection: ${rejection.message}`);
        next(Object.assign(new Error(rejection.message), { data: rejection.toWire() }));
      }
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    const http = this.http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port ?? 0, host, resolve);
    });
    const { port } = http.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  clients(): string[] {
    return this.registry.ids();
  }

  waitForClients(count: number, signal: AbortSignal): Promise<void> {
    return this.registry.waitFor(count, signal);
  }

  startRound(task: RoundTask, clients: readonly ClientInstruction[], inbox: RoundInbox): number {
    this.inbox = inbox;
    let bytesOut = 0;
    const perClient = task.payload.byteLength + JSON.stringify(task.manifest).length;
    for (const group of groupByInstruction(clients)) {
      const socketIds: string[] = [];
      for (const clientId of group.clientIds) {
        const socket = this.registry.get(clientId);
        if (socket) socketIds.push(socket.id);
        else inbox.disconnected(clientId, 'left before the round started');
      }
      // socket.io's to([]) addresses every client: an empty group must not be sent at all.
      if (socketIds.length === 0) continue;
      const config = { ...task.config, ...(group.dp ? { dp: group.dp } : {}) };
      this.io!.to(socketIds).emit('round:start', { ...task, config });
      bytesOut += socketIds.length * perClient;
    }
    return bytesOut;
  }

  closeRound(): void {
    this.inbox = undefined;
  }

  endRound(end: RoundEnd, clientIds: readonly string[]): void {
    const socketIds = clientIds.map((id) => this.registry.get(id)?.id).filter((id): id is string => id !== undefined);
    if (socketIds.length > 0) this.io?.to(socketIds).emit('round:end', end);
  }

  endRun(end: RunEnd): void {
    this.io?.emit('run:end', end);
  }

  async close(): Promise<void> {
    this.inbox?.abort();
    this.io?.disconnectSockets(true);
    await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
  }

  private onConnection(socket: ClientSocket): void {
    const { clientId } = socket.data;
    const { log } = this.options;
    const previous = this.registry.add(socket);
    if (previous) previous.disconnect(true);
    log.info({ clientId, clients: this.registry.size }, `client ${clientId} connected`);
    socket.emit('model:describe', this.setup!.description);
    const onAnswer = (event: AnswerEvent) => (raw: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
      reply(answer(inboxContext(this.setup!, log), clientId, event, raw, this.inbox));
    };
    socket.on('round:update', onAnswer('round:update'));
    socket.on('round:evaluation', onAnswer('round:evaluation'));
    socket.on('round:error', (raw) => this.inbox?.clientError(clientId, raw));
    socket.on('disconnect', (reason) => {
      if (!this.registry.remove(socket)) return;
      log.info({ clientId, reason }, `client ${clientId} disconnected: ${reason}`);
      this.inbox?.disconnected(clientId, reason);
    });
  }
}
