/**
 * The live dashboard: GET /dashboard on the coordinator's own port serves the page, and the socket.io
 * namespace /dashboard feeds it. The namespace is read-only: a viewer presents no identity, never
 * joins a round, and any event it sends gets it disconnected. What it publishes is dashboard-state.ts:
 * federation-level figures, never a client id or one client's figure. Unless made public, page and
 * namespace answer this machine only (dashboard-access.ts).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import { CoordinatorError } from '../errors';
import type { ResolvedOptions } from '../options';
import type { RoundReport, RunOutcome } from '../round-report';
import type { Store } from '../store/store';
import { limitedLogger } from '../transport/limits';
import { SocketTransport } from '../transport/socket-transport';
import type { Transport } from '../transport/transport';
import { accessRequest, dashboardRefusal, isSameOrigin, type AccessRequest } from './dashboard-access';
import { buildDashboardPage, type DashboardPage } from './dashboard-page';
import {
  DashboardHistory,
  dashboardPrivacy,
  dashboardRound,
  parseStage,
  storedRounds,
  type DashboardEvents,
  type DashboardPrivacy,
  type DashboardSnapshot,
  type DashboardStage,
  type DashboardStatus,
} from './dashboard-state';

/** The page's path and its namespace's name. */
export const DASHBOARD_PATH = '/dashboard';
/** Viewers at once: enough for a team, few enough that the broadcasts stay cheap. */
export const MAX_DASHBOARD_VIEWERS = 32;
/** How often the count of connected clients is checked, in ms (it is sent only when it changes). */
const CONNECTED_CHECK_MS = 500;

export interface DashboardOptions {
  /** Answer connections from other machines than this one. @default false */
  publicAccess: boolean;
  /** The run's DP settings as viewers see them; null without DP. */
  privacy: DashboardPrivacy | null;
  log: Logger;
}

/**
 * The dashboard of a coordinator (`source`, whose events it follows), served by its socket transport.
 * Built before the coordinator starts, so that a transport without a server, or a page whose assets
 * cannot be read, fails at once.
 */
export function createDashboard(source: EventEmitter, transport: Transport, options: ResolvedOptions, log: Logger): Dashboard {
  if (!(transport instanceof SocketTransport))
    throw new CoordinatorError('INVALID_OPTION', 'coordinator option dashboard needs the socket transport (it is served on its port).');
  const dashboard = new Dashboard(transport, { publicAccess: options.dashboardPublic, privacy: dashboardPrivacy(options.dp), log });
  dashboard.follow(source);
  return dashboard;
}

type DashboardNamespace = Namespace<Record<string, never>, DashboardEvents>;
type Viewer = Socket<Record<string, never>, DashboardEvents>;

export class Dashboard {
  private readonly page: DashboardPage = buildDashboardPage();
  private history = new DashboardHistory();
  private readonly refusalLog: ReturnType<typeof limitedLogger>;
  private namespace: DashboardNamespace | undefined;
  private stage: DashboardStage | null = null;
  private status: DashboardStatus = 'running';
  private connected = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly transport: SocketTransport,
    private readonly options: DashboardOptions,
  ) {
    this.refusalLog = limitedLogger(options.log, 10, 'refused dashboard connections');
  }

  /**
   * Once the transport listens: serves the page and opens the namespace on its server, with the rounds
   * the run committed before this process started (a resumed run) as the first history.
   */
  open(store: Store, runId: string, url: string): void {
    this.history = new DashboardHistory(storedRounds(store.rounds(runId), store.evaluations(runId), this.options.privacy !== null));
    this.status = 'running';
    this.stage = null;
    this.connected = this.transport.clients().length;
    // Under DP the count changes only at round boundaries (see round()): a drop published live, beside
    // a stage that then ends early, would say that the client who left was in the round.
    if (this.options.privacy === null) this.timer = setInterval(() => this.checkConnected(), CONNECTED_CHECK_MS).unref();
    const io = this.transport.extend({
      handleRequest: (req, res) => this.serve(req, res),
      // The page's own Origin may open an engine.io connection; the trainers' namespace still refuses it.
      allowsOrigin: (req) => {
        const request = accessRequest(req);
        return isSameOrigin(request) && dashboardRefusal(request, this.options.publicAccess) === undefined;
      },
    });
    // The transport's server is typed for the trainers' events; this namespace has its own.
    const namespace = io.of(DASHBOARD_PATH) as unknown as DashboardNamespace;
    namespace.use((socket, next) => {
      const refusal = this.refuseViewer(socket);
      if (!refusal) return next();
      this.refusalLog.warn({ address: socket.handshake.address }, `refused a dashboard viewer: ${refusal}`);
      next(new Error(refusal));
    });
    namespace.on('connection', (socket) => this.welcome(socket));
    this.namespace = namespace;
    const who = this.options.publicAccess ? 'open to other machines' : 'this machine only';
    this.options.log.info({ dashboard: `${url}${DASHBOARD_PATH}` }, `dashboard at ${url}${DASHBOARD_PATH} (${who})`);
  }

  /**
   * Follows a coordinator: its `round` reports and, where it emits them, its `stage` events. The
   * source is read as a plain emitter: a coordinator without `stage` events just never sends one.
   */
  follow(source: EventEmitter): void {
    const onRound = (report: RoundReport) => this.round(report);
    const onStage = (event: unknown) => {
      const stage = parseStage(event);
      if (stage) this.setStage(stage);
    };
    source.on('round', onRound);
    source.on('stage', onStage);
    this.unsubscribe.push(
      () => source.off('round', onRound),
      () => source.off('stage', onStage),
    );
  }

  round(report: RoundReport): void {
    const round = dashboardRound(report);
    this.history.add(round);
    this.namespace?.emit('dashboard:round', round);
    if (this.options.privacy !== null) this.checkConnected();
  }

  ended(status: RunOutcome['status']): void {
    this.status = status;
    this.stage = null;
    this.namespace?.emit('dashboard:status', status);
  }

  /** Stops following; the transport closes the viewers' connections with its own. */
  close(): void {
    clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    this.refusalLog.flush();
  }

  snapshot(): DashboardSnapshot {
    return {
      connected: this.connected,
      stage: this.stage,
      status: this.status,
      privacy: this.options.privacy,
      rounds: this.history.rounds(),
    };
  }

  /**
   * Under DP only a round's start is published: when a later stage begins depends on when the last
   * sampled client answered or failed, and so on who was sampled.
   */
  private setStage(stage: DashboardStage): void {
    if (this.options.privacy !== null && stage.stage !== 'sample' && stage.stage !== 'evaluate') return;
    this.stage = stage;
    this.namespace?.emit('dashboard:stage', stage);
  }

  private checkConnected(): void {
    const connected = this.transport.clients().length;
    if (connected === this.connected) return;
    this.connected = connected;
    this.namespace?.emit('dashboard:connected', connected);
  }

  private welcome(socket: Viewer): void {
    // Read-only: whatever a viewer sends is refused (in its acknowledgement, if it asked for one) and the viewer dropped.
    socket.use((packet) => {
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') (ack as (a: unknown) => void)({ ok: false, message: 'the dashboard is read-only' });
      setImmediate(() => socket.disconnect());
    });
    this.checkConnected();
    socket.emit('dashboard:snapshot', this.snapshot());
  }

  private refuseViewer(socket: Viewer): string | undefined {
    const { handshake } = socket;
    const request: AccessRequest = {
      remoteAddress: handshake.address,
      host: handshake.headers.host,
      origin: handshake.headers.origin,
      secure: handshake.secure,
    };
    const refusal = dashboardRefusal(request, this.options.publicAccess);
    if (refusal) return refusal;
    if (Object.keys(handshake.auth ?? {}).length > 0)
      return 'a dashboard viewer presents no identity (clients join the main namespace, not this one)';
    if ((this.namespace?.sockets.size ?? 0) >= MAX_DASHBOARD_VIEWERS) return `the dashboard already has ${MAX_DASHBOARD_VIEWERS} viewers`;
    return undefined;
  }

  /** The page, or a refusal, for GET /dashboard; false for any other path (the transport's 404). */
  private serve(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
    if (path !== DASHBOARD_PATH && path !== `${DASHBOARD_PATH}/`) return false;
    const refusal = dashboardRefusal(accessRequest(req), this.options.publicAccess);
    if (refusal) {
      this.refusalLog.warn({ address: req.socket.remoteAddress }, `refused a dashboard request: ${refusal}`);
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`${refusal}\n`);
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('the dashboard is read-only: GET or HEAD\n');
    } else {
      // One request, then the connection closes: nothing is left open to hold the coordinator's exit.
      res.writeHead(200, { ...this.page.headers, 'content-length': String(this.page.html.byteLength), connection: 'close' });
      res.end(req.method === 'HEAD' ? undefined : this.page.html);
    }
    return true;
  }
}
