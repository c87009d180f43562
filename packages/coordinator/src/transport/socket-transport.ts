/**
 * The socket.io transport: an HTTP server with a socket.io endpoint, the handshake (protocol version
 * and client id, validated in full), the registry of connected clients (a reconnecting client
 * replaces its older socket), routing of answers to the open round's inbox, and byte counts.
 *
 * Identity (trust/device-auth.ts): the handshake names a client id and, optionally, a signing key;
 * a keyed client must sign a fresh challenge before it is registered, enrolment decides who may
 * join, a second connection for a connected id is refused unless it proves the same key, and every
 * answer passes the connection's signature and seal checks. With `tls` the server speaks HTTPS/WSS.
 *
 * Abuse limits (defaults in options.ts): browser Origins outside an allow-list are refused at the
 * HTTP handshake; connections beyond a total and a per-address limit are refused in the socket.io
 * middleware with a typed reason (TOO_MANY_CONNECTIONS, TOO_MANY_FROM_ADDRESS); a socket that opens
 * the engine.io connection but never joins is dropped after `handshakeTimeoutMs`; each socket's
 * messages pass a token bucket (a message over it is answered with a RATE_LIMITED ack and not
 * routed; a socket that goes on sending into an empty bucket is disconnected); each socket may write
 * only so many warnings a minute. Any other HTTP request gets 404 and its connection is closed, and
 * close() ends every connection within a bounded time.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  clientErrorSchema,
  handshakeSchema,
  parseMessage,
  type Ack,
  type ClientToServerEvents,
  type Rejection,
  type RoundEnd,
  type SecAggRequest,
  type RunEnd,
  type ServerToClientEvents,
} from '@cohort/protocol';
import { answer, type AnswerEvent, type RoundInbox } from '../round-inbox';
import { generateBoxKeyPair, type SealedPayload } from '@cohort/privacy/identity';
import { DeviceAuth, type ConnectionIdentity } from '../trust/device-auth';
import { ClientRegistry, type ClientSocket } from './client-registry';
import { FramePool } from './frame-pool';
import { pooledWsEngine } from './pooled-ws-engine';
import { ConnectionCounter, TokenBucket, limitedLogger, refusalAck, type MessageRate } from './limits';
import {
  groupByInstruction,
  inboxContext,
  wireBytes,
  type Exchange,
  type RoundDelivery,
  type Transport,
  type TransportSetup,
} from './transport';

export interface SocketTransportOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  log: Logger;
  /** Open socket.io connections at once. @default 2000 */
  maxConnections?: number;
  /** Open socket.io connections from one remote address. @default 1000 */
  maxConnectionsPerAddress?: number;
  /** A socket that has not joined (handshake, client id) this long after connecting is dropped, in ms. @default 10000 */
  handshakeTimeoutMs?: number;
  /** Per-socket message rate. @default { perSecond: 10, burst: 20 } */
  messageRate?: MessageRate;
  /** Warnings one socket may cause per minute; beyond them one summary line. @default 10 */
  warningsPerMinute?: number;
  /** Browser Origins accepted; requests without an Origin header (Node clients) always are. @default [] */
  allowedOrigins?: readonly string[];
  /** How long close() lets queued messages (run:end) drain before it cuts every connection, in ms. @default 1000 */
  shutdownGraceMs?: number;
  /** PEM certificate chain and key: serve HTTPS/WSS instead of plain HTTP/WS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** A neighbour on the transport's port (the dashboard): HTTP routes before the 404, and browser Origins for its own namespace. */
export interface TransportExtension {
  /** Answers a request the transport does not know; false leaves it to the 404. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Whether a browser Origin outside allowedOrigins may open a connection; the trainers' namespace refuses it all the same. */
  allowsOrigin(req: IncomingMessage): boolean;
}

const REFUSAL_WARNINGS_PER_MINUTE = 20;

type EngineConnection = ClientSocket['conn'];

export class SocketTransport implements Transport {
  private readonly registry = new ClientRegistry<ClientSocket>();
  private http: HttpServer | undefined;
  private io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { identity: ConnectionIdentity }> | undefined;
  /** Who may connect (set by listen: the setup's policy, or an open one with a key of its own). */
  private auth!: DeviceAuth;
  private setup: TransportSetup | undefined;
  private inbox: RoundInbox | undefined;
  private extension: TransportExtension | undefined;
  private readonly connections: ConnectionCounter;
  /** The memory large messages are received into, reused once their reader hands it back (frame-pool.ts). */
  readonly frames = new FramePool();
  /** Every open engine.io connection, joined or not, for close(). */
  private readonly engineConnections = new Set<EngineConnection>();
  /** Warnings about refused connections, limited as a whole: a flood of refusals must not flood the log. */
  private readonly refusalLog: ReturnType<typeof limitedLogger>;

  constructor(private readonly options: SocketTransportOptions) {
    this.connections = new ConnectionCounter(options.maxConnections ?? 2000, options.maxConnectionsPerAddress ?? 1000);
    this.refusalLog = limitedLogger(options.log, REFUSAL_WARNINGS_PER_MINUTE, 'refused connections');
  }

  async listen(setup: TransportSetup): Promise<string> {
    this.setup = setup;
    this.auth = setup.auth ?? new DeviceAuth({ coordinatorKey: generateBoxKeyPair(), sealUpdates: false });
    this.auth.onRevoke((keys) => this.revoke(keys));
    const host = this.options.host ?? '127.0.0.1';
    // socket.io answers its own path; everything else is refused and its connection closed, so that no
    // stray request is left open (one used to hold the coordinator's exit).
    const notFound: RequestListener = (req, res) => {
      if (this.extension?.handleRequest(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain', connection: 'close' });
      res.end('not found\n');
    };
    const { tls } = this.options;
    this.http = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, notFound) : createServer(notFound);
    const allowedOrigins = new Set(this.options.allowedOrigins ?? []);
    const maxConnections = this.options.maxConnections ?? 2000;
    const wsEngine = pooledWsEngine(this.frames, () =>
      this.options.log.warn(
        'ws is not the version (8.23.0) whose receiver the pooled receiving was written for: large messages are received into memory of their own, not reused',
      ),
    );
    this.io = new Server(this.http, {
      maxHttpBufferSize: 2 * setup.maxMessageBytes,
      serveClient: false,
      wsEngine,
      connectTimeout: this.options.handshakeTimeoutMs ?? 10_000,
      allowRequest: (req, callback) => {
        const refusal = this.refuseRequest(req, allowedOrigins, maxConnections);
        if (refusal) this.refusalLog.warn({ address: req.socket.remoteAddress }, `refused a connection: ${refusal}`);
        callback(refusal ?? null, refusal === undefined);
      },
    });
    this.io.engine.on('connection', (conn: EngineConnection) => {
      this.engineConnections.add(conn);
      conn.once('close', () => this.engineConnections.delete(conn));
    });
    this.io.use((socket, next) => {
      // An Origin let in for a neighbour's namespace (the dashboard page) never opens the trainers' one.
      const origin = socket.handshake.headers.origin;
      if (origin !== undefined && !allowedOrigins.has(origin))
        return next(new Error(`origin ${JSON.stringify(origin.slice(0, 200))} is not allowed`));
      let identity: ConnectionIdentity | Rejection;
      try {
        const handshake = parseMessage(handshakeSchema, socket.handshake.auth, 'handshake');
        identity = this.auth.admit(handshake);
      } catch (error) {
        identity = (error instanceof ProtocolError ? error : new ProtocolError('INVALID_MESSAGE', String(error))).toWire();
      }
      if ('code' in identity) {
        this.refusalLog.warn({ code: identity.code, address: socket.handshake.address }, `refused a connection: ${identity.message}`);
        return next(Object.assign(new Error(identity.message), { data: identity }));
      }
      socket.data.identity = identity;
      const admitted = this.connections.admit(socket.handshake.address);
      if ('code' in admitted) {
        this.refusalLog.warn({ code: admitted.code, address: socket.handshake.address }, `refused a connection: ${admitted.message}`);
        return next(Object.assign(new Error(admitted.message), { data: admitted }));
      }
      // The engine.io connection closes exactly once, whatever happens to the socket above it.
      socket.conn.once('close', admitted.release);
      next();
    });
    this.io.on('connection', (socket) => {
      this.onConnection(socket).catch((error: unknown) => {
        this.options.log.error({ clientId: socket.data.identity.clientId }, `handshake failed: ${(error as Error).message}`);
        socket.disconnect(true);
      });
    });
    const http = this.http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port ?? 0, host, resolve);
    });
    const { port } = http.address() as AddressInfo;
    return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Adds `extension` to the listening server; returns the socket.io server, on which it may open its own namespace. */
  extend(extension: TransportExtension): NonNullable<SocketTransport['io']> {
    if (!this.io) throw new Error('the socket transport must be listening before it is extended.');
    this.extension = extension;
    return this.io;
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
    }
    return bytesOut;
  }

  async exchange(requests: ReadonlyMap<string, SecAggRequest>, timeoutMs: number): Promise<Exchange> {
    const result: Exchange = { answers: new Map(), failures: [], bytesIn: 0, bytesOut: 0 };
    await Promise.all(
      [...requests].map(async ([clientId, request]) => {
        const socket = this.registry.get(clientId);
        if (!socket) return result.failures.push({ clientId, kind: 'disconnected', reason: 'left before the stage started' });
        result.bytesOut += wireBytes(request);
        let onDisconnect: (() => void) | undefined;
        const gone = new Promise<'gone'>((resolve) => {
          onDisconnect = () => resolve('gone');
          socket.once('disconnect', onDisconnect);
        });
        try {
          const answer = await Promise.race([socket.timeout(timeoutMs).emitWithAck('secagg:request', request), gone]);
          if (answer === 'gone')
            return result.failures.push({ clientId, kind: 'disconnected', reason: `disconnected during ${request.stage}` });
          result.bytesIn += wireBytes(answer);
          result.answers.set(clientId, answer);
        } catch {
          result.failures.push({ clientId, kind: 'timeout', reason: `no answer to ${request.stage} within ${timeoutMs} ms` });
        } finally {
          socket.off('disconnect', onDisconnect!);
        }
      }),
    );
    return result;
  }

  openSealed(sealed: SealedPayload, associatedData: Uint8Array): Uint8Array | null {
    return this.auth.open(sealed, associatedData);
  }

  signingKey(clientId: string): string | undefined {
    const identity = this.registry.get(clientId)?.data.identity;
    return identity?.verifier ? identity.signingKey : undefined;
  }

  closeRound(): void {
    this.inbox = undefined;
    this.frames.trim();
  }

  endRound(end: RoundEnd, clientIds: readonly string[]): void {
    const socketIds = clientIds.map((id) => this.registry.get(id)?.id).filter((id): id is string => id !== undefined);
    if (socketIds.length > 0) this.io?.to(socketIds).emit('round:end', end);
  }

  endRun(end: RunEnd): void {
    this.io?.emit('run:end', end);
  }

  /**
   * Lets what was already sent (run:end) drain for at most `shutdownGraceMs`, then closes every
   * connection: clients see a transport close, not a server disconnect, and keep retrying (a restarted
   * coordinator resumes the run), unless the run had ended. Requests in flight are cut.
   */
  async close(): Promise<void> {
    this.inbox?.abort();
    this.frames.clear();
    const { io, http } = this;
    if (!io || !http) return;
    const grace = this.options.shutdownGraceMs ?? 1000;
    const drained = [...this.engineConnections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.readyState === 'closed') return resolve();
          conn.once('close', () => resolve());
          conn.close();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(drained), new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)))]);
    clearTimeout(timer);
    const closed = io.close();
    http.closeAllConnections();
    await closed;
    this.refusalLog.flush();
  }

  /** Why an HTTP handshake is refused, if it is: a browser Origin not allowed, or far too many connections. */
  private refuseRequest(req: IncomingMessage, allowedOrigins: ReadonlySet<string>, maxConnections: number): string | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin) && !this.extension?.allowsOrigin(req))
      return `origin ${JSON.stringify(origin.slice(0, 200))} is not allowed`;
    // Sockets that never join count here until the handshake deadline drops them; the typed limits
    // apply in the middleware, this only stops a flood of engine.io connections.
    if (this.io && this.io.engine.clientsCount >= 2 * maxConnections) return 'too many connections';
    return undefined;
  }

  /** Disconnects every connection of a device the enrolment no longer lists. */
  revoke(signingKeys: ReadonlySet<string>): void {
    for (const socket of this.registry.connections()) {
      const key = socket.data.identity.signingKey;
      if (key && signingKeys.has(key)) this.refuse(socket, { code: 'REVOKED', message: 'this device was removed from the enrolment' });
    }
  }

  /** Tells a client why it is refused, then disconnects it. */
  private refuse(socket: ClientSocket, rejection: Rejection): void {
    this.refusalLog.warn(
      { code: rejection.code, clientId: socket.data.identity.clientId },
      `refused client ${socket.data.identity.clientId}: ${rejection.message}`,
    );
    socket.emit('auth:refused', { protocolVersion: PROTOCOL_VERSION, ...rejection });
    socket.disconnect(true);
  }

  /** A keyed client proves its key on a fresh challenge; then the registry decides whether it may be its id's connection. */
  private async onConnection(socket: ClientSocket): Promise<void> {
    const { identity } = socket.data;
    const { auth } = this;
    if (identity.signingKey) {
      const challenge = auth.challenge();
      let proof: unknown;
      try {
        proof = await socket.timeout(this.options.handshakeTimeoutMs ?? 10_000).emitWithAck('auth:challenge', challenge);
      } catch {
        return this.refuse(socket, { code: 'BAD_PROOF', message: 'no proof of key arrived in time' });
      }
      if (!socket.connected) return;
      const problem = auth.checkProof(identity, challenge, proof);
      if (problem) return this.refuse(socket, problem);
    }
    const current = this.registry.get(identity.clientId);
    const decision = auth.bind(identity, current?.data.identity);
    if (typeof decision === 'object') return this.refuse(socket, decision);
    this.register(socket, identity);
  }

  private register(socket: ClientSocket, identity: ConnectionIdentity): void {
    const { clientId } = identity;
    const { log } = this.options;
    // This socket's own warnings (rejected answers, malformed reports, rate limit) are limited per minute.
    const socketLog = limitedLogger(log, this.options.warningsPerMinute ?? 10, `client ${clientId} (socket ${socket.id})`);
    const previous = this.registry.add(clientId, socket);
    if (previous) {
      log.info({ clientId }, `client ${clientId} reconnected (proved the same key): its older connection is closed`);
      previous.disconnect(true);
    }
    log.info({ clientId, clients: this.registry.size }, `client ${clientId} connected`);
    socket.emit('model:describe', this.setup!.description);
    const rate = this.options.messageRate ?? { perSecond: 10, burst: 20 };
    const bucket = new TokenBucket(rate);
    let overLimit = 0;
    socket.use((packet, next) => {
      if (bucket.take()) return next();
      overLimit++;
      const message = `more than ${rate.perSecond} messages a second (burst ${rate.burst}): ${String(packet[0]).slice(0, 50)} refused`;
      socketLog.warn({ clientId, code: 'RATE_LIMITED' }, `client ${clientId}: ${message}`);
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') (ack as (a: Ack) => void)(refusalAck({ code: 'RATE_LIMITED', message }));
      // A socket that keeps sending into an empty bucket is not a slow honest client: drop it.
      if (overLimit === rate.burst) {
        socketLog.warn({ clientId, code: 'RATE_LIMITED' }, `disconnected client ${clientId}: it kept exceeding the message rate`);
        // After the acks of the messages already accepted have gone out.
        setImmediate(() => socket.disconnect(true));
      }
    });
    // Checked with this socket's own rate-limited logger, so that its rejections cannot flood the log.
    const context = {
      ...inboxContext(this.setup!, socketLog),
      authenticate: this.auth.authenticator(identity),
    };
    const onAnswer = (event: AnswerEvent) => (raw: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
      const verdict = answer(context, clientId, event, raw, this.inbox);
      // An update a streaming aggregate takes in gets its verdict when it is added.
      if (verdict instanceof Promise) void verdict.then(reply);
      else reply(verdict);
    };
    socket.on('round:update', onAnswer('round:update'));
    socket.on('round:evaluation', onAnswer('round:evaluation'));
    socket.on('round:error', (raw) => {
      const parsed = clientErrorSchema.safeParse(raw);
      if (parsed.success) this.inbox?.clientError(clientId, parsed.data);
      else if (!this.setup!.privateParticipation) socketLog.warn({ clientId }, `ignored a malformed round:error from ${clientId}`);
    });
    socket.on('disconnect', (reason) => {
      socketLog.flush();
      if (!this.registry.remove(clientId, socket)) return;
      log.info({ clientId, reason }, `client ${clientId} disconnected: ${reason}`);
      this.inbox?.disconnected(clientId, reason);
    });
  }
}
