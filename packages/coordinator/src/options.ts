import { COMPRESSIONS, isLoopbackHost, type Compression, type FitConfig, type NamedTensor } from '@cohort/protocol';
import type { Logger } from 'pino';
import { CoordinatorError } from './errors';
import type { AdaptiveClippingOptions } from './dp/central-dp';
import type { Strategy } from './strategy/strategy';
import type { Transport } from './transport/transport';
import type { SecureAggregationOptions } from './secure-aggregation';

/** The model a new run starts from: a tfjs Layers topology and its initial weights. */
export interface InitialModel {
  topology: Record<string, unknown>;
  weights: NamedTensor[];
  numClasses: number;
}

/** Differential privacy of a run (client-level: the unit protected is one client's whole data). */
export interface DpOptions {
  /**
   * central: clients clip, the coordinator adds noise to the sum; local: each client adds full noise;
   * distributed: each client adds a discrete Gaussian share under secure aggregation, so that the
   * coordinator never sees an update without noise (needs `secureAggregation`, which it turns on).
   */
  mode: 'central' | 'local' | 'distributed';
  /** L2 bound C of one client's update. */
  clipNorm: number;
  /** σ: noise standard deviation is σ·C. */
  noiseMultiplier: number;
  /** Poisson sampling rate q of clients per round, in (0, 1]. */
  sampleRate: number;
  /** δ of the reported (ε, δ). */
  delta: number;
  /** Adaptive clipping (central mode): C follows a target quantile of update norms. */
  adaptive?: AdaptiveClippingOptions;
  /** Stop cleanly before a round that would take ε (RDP) past this. */
  budgetEpsilon?: number;
  /** Seeds noise and sampling for reproducible simulations. The run is then NOT private. */
  seed?: number;
  /** Directory of the coordinator's ed25519 ledger-signing key pair: private, never the ledger's publication directory. */
  keyDir: string;
}

export interface CoordinatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Training rounds in the run. */
  rounds: number;
  /** Fewest successful updates for a round to be aggregated. @default 2 */
  minClients?: number;
  /** Fraction of connected clients sampled per round, in (0, 1]. @default 1 */
  fraction?: number;
  /** How long a round waits for its clients, in milliseconds. @default 120000 */
  roundTimeoutMs?: number;
  /** Federated evaluation every this many rounds (and after the last); 0 disables it. @default 1 */
  evalEvery?: number;
  /**
   * Local training passed to clients each round. `optimizer` is the clients' optimiser (@default 'sgd'),
   * `momentum` its β with 'momentum' (in [0, 1), @default 0.9), `proximalMu` the FedProx μ ≥ 0
   * (@default 0, plain FedAvg local training).
   */
  fit: {
    localEpochs: number;
    batchSize: number;
    learningRate: number;
    optimizer?: FitConfig['optimizer'];
    momentum?: number;
    proximalMu?: number;
  };
  /** Seed of sampling (and of clients' shuffling). @default 0 */
  seed?: number;
  /** SQLite file holding the coordinator's state. */
  dbPath: string;
  /** Model of a new run. Ignored when the database holds an unfinished run, which is resumed. */
  model: InitialModel;
  /** Aggregation strategy. @default new FedAvg({ fraction, minFitClients: minClients, seed }) */
  strategy?: Strategy;
  /** Attempts at one round before the run is stopped as failed. @default 3 */
  maxRoundAttempts?: number;
  /** Largest update payload accepted, in bytes. @default 2 × the model's size + 64 KiB */
  maxMessageBytes?: number;
  /** Differential privacy; off when absent. */
  dp?: DpOptions;
  /**
   * With `dp`: a strategy that adds its own noise and returns its releases as data, used instead of
   * the built-in central or local wrapper — for new mechanisms, and for fault injection in audits.
   * Its releases are accounted and ledgered like the built-in ones. @default built from `dp`
   */
  dpStrategy?: Strategy;
  /**
   * Where the federation's privacy ledger is published as JSONL (appended, with ledger-head.json and
   * coordinator.pub beside it). Give it even without DP: a data directory whose ledger records
   * releases then refuses a run without DP, and a lost database beside it is refused.
   */
  ledgerPath?: string;
  /** Extra settings stored with the run (for the record). */
  runConfig?: Record<string, unknown>;
  /** Structured logger. @default pino at level info on stderr */
  logger?: Logger;
  /**
   * The caller runs every client itself (a simulation): open mode, without enrolment, is then the
   * point and is logged at info level rather than warned about. @default false
   */
  ownClients?: boolean;
  /** How clients are reached. @default a socket.io server on `host`:`port` */
  transport?: Transport;
  /**
   * socket.io connections open at once; one more is refused at the handshake with
   * TOO_MANY_CONNECTIONS (the client prints it and exits). @default 2000
   */
  maxConnections?: number;
  /**
   * socket.io connections open at once from one remote address; one more is refused with
   * TOO_MANY_FROM_ADDRESS. Simulations run every client from loopback: raise it for more than this
   * many simulated clients. @default 1000
   */
  maxConnectionsPerAddress?: number;
  /** A socket that opens a connection but never completes the socket.io handshake is dropped after this many ms. @default 10000 */
  handshakeTimeoutMs?: number;
  /**
   * Each socket's message rate, a token bucket: `burst` messages at once, refilled at `perSecond`. A
   * message over it is not processed and is acknowledged `{ ok: false, code: 'RATE_LIMITED' }`; a
   * socket that sends `burst` messages over the limit is disconnected.
   * An honest client sends one or two messages a round; a fast simulation runs ten rounds a second.
   * @default { perSecond: 50, burst: 100 }
   */
  messageRate?: { perSecond: number; burst: number };
  /** Warnings one socket may cause in the log per minute; the rest are counted in one summary line. @default 10 */
  warningsPerMinute?: number;
  /**
   * Browser Origins allowed to connect. A handshake without an Origin header (a Node client) is
   * accepted; one with an Origin not listed is refused with HTTP 403. @default [] (no browser Origin)
   */
  allowedOrigins?: string[];
  /** On close, how long queued messages (run:end) may drain before every connection is cut, in ms. @default 1000 */
  shutdownGraceMs?: number;
  /**
   * Enrolment file of the devices allowed to join (see trust/enrolment.ts), reloaded when it changes;
   * a device removed from it is disconnected. Without it the coordinator is open: any client may
   * join (for local simulations), which it logs at start-up and reports in the run outcome.
   */
  enrolPath?: string;
  /** Refuse update payloads that are not sealed to the coordinator's X25519 key. @default true with `enrolPath`, else false */
  sealUpdates?: boolean;
  /**
   * Private directory of the coordinator's X25519 key (`coordinator-box.key`, made on first use), to
   * which clients seal their updates. @default a key that lives as long as the process
   */
  keyDir?: string;
  /** PEM certificate chain and private key: clients then connect over HTTPS/WSS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Secure aggregation (SecAgg+): clients send only masked, quantised updates, and the coordinator
   * learns their sum, never one of them. Works with FedAvg only (each contributor weighs the same,
   * and maxExamples / clipNorm are refused: they could bound only the sum), over the socket
   * transport; with DP only in mode 'distributed', which turns it on. @default off
   */
  secureAggregation?: SecureAggregationOptions;
  /**
   * Ask clients to compress their updates: 'q8' sends each value as one byte, stochastically
   * rounded between its chunk's min and max so that it is unbiased (about 0.25× the float32 bytes).
   * Not with `dp` nor `secureAggregation`. Updates are validated alike either way. @default off (float32)
   */
  compression?: Compression;
  /**
   * Listen without TLS on an interface other than loopback. Off, such a start is refused: updates
   * and the model would cross the network in the clear. @default false
   */
  insecure?: boolean;
  /**
   * Serve a live dashboard on the coordinator's own port: the page at GET /dashboard, fed by a
   * read-only socket.io namespace /dashboard (connected clients, round and stage, per-round metrics,
   * ε against the budget; never a client id, nor participation under DP). @default false
   */
  dashboard?: boolean;
  /** Let the dashboard answer other machines than this one (by default it answers loopback only). @default false */
  dashboardPublic?: boolean;
}

/** How a run protects its connections and answers, as the run outcome and summary.json report it. */
export interface RunSecurity {
  /** 'enrolled': only devices in the enrolment file may join; 'open': anyone who can connect may. */
  enrolment: 'enrolled' | 'open';
  tls: boolean;
  /** 'required': every answer is signed by an enrolled key; 'keyed-clients': by clients that presented a key. */
  signedAnswers: 'required' | 'keyed-clients';
  /** Update payloads must be sealed to the coordinator's key. */
  sealedUpdates: boolean;
  /** Rounds are securely aggregated: the coordinator learns the sum of the updates, never one of them. */
  secureAggregation: boolean;
}

type OptionalKeys =
  | 'strategy'
  | 'logger'
  | 'maxMessageBytes'
  | 'runConfig'
  | 'dp'
  | 'dpStrategy'
  | 'ledgerPath'
  | 'transport'
  | 'enrolPath'
  | 'sealUpdates'
  | 'keyDir'
  | 'tls'
  | 'secureAggregation'
  | 'compression';
export type ResolvedOptions = Required<Omit<CoordinatorOptions, OptionalKeys | 'fit'>> &
  Pick<CoordinatorOptions, OptionalKeys> & {
    /** What every client is told to do with a fit round (the seed goes beside it): `fit`, and `compression`. */
    fit: CoordinatorOptions['fit'] & { compression?: Compression };
  };

export function resolveOptions(options: CoordinatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    host: '127.0.0.1',
    port: 0,
    minClients: 2,
    fraction: 1,
    roundTimeoutMs: 120_000,
    evalEvery: 1,
    seed: 0,
    maxRoundAttempts: 3,
    maxConnections: 2000,
    maxConnectionsPerAddress: 1000,
    handshakeTimeoutMs: 10_000,
    messageRate: { perSecond: 50, burst: 100 },
    warningsPerMinute: 10,
    allowedOrigins: [],
    shutdownGraceMs: 1000,
    insecure: false,
    dashboard: false,
    dashboardPublic: false,
    ownClients: false,
    ...stripUndefined(options),
  };
  const integer = (field: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) {
      throw new CoordinatorError('INVALID_OPTION', `coordinator option ${field} must be an integer of at least ${min}, got ${value}.`);
    }
  };
  integer('rounds', resolved.rounds, 1);
  integer('minClients', resolved.minClients, 1);
  integer('port', resolved.port, 0);
  integer('evalEvery', resolved.evalEvery, 0);
  integer('maxRoundAttempts', resolved.maxRoundAttempts, 1);
  integer('roundTimeoutMs', resolved.roundTimeoutMs, 1);
  integer('fit.localEpochs', resolved.fit.localEpochs, 1);
  integer('fit.batchSize', resolved.fit.batchSize, 1);
  integer('seed', resolved.seed, 0);
  integer('maxConnections', resolved.maxConnections, 1);
  integer('maxConnectionsPerAddress', resolved.maxConnectionsPerAddress, 1);
  integer('handshakeTimeoutMs', resolved.handshakeTimeoutMs, 1);
  integer('messageRate.burst', resolved.messageRate.burst, 1);
  integer('warningsPerMinute', resolved.warningsPerMinute, 0);
  integer('shutdownGraceMs', resolved.shutdownGraceMs, 0);
  if (!(resolved.messageRate.perSecond > 0)) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `coordinator option messageRate.perSecond must be positive, got ${resolved.messageRate.perSecond}.`,
    );
  }
  if (!(resolved.fraction > 0 && resolved.fraction <= 1)) {
    throw new CoordinatorError('INVALID_OPTION', `coordinator option fraction must be in (0, 1], got ${resolved.fraction}.`);
  }
  if (!(resolved.fit.learningRate > 0)) {
    throw new CoordinatorError('INVALID_OPTION', `coordinator option fit.learningRate must be positive, got ${resolved.fit.learningRate}.`);
  }
  const { optimizer, momentum, proximalMu } = resolved.fit;
  if (optimizer !== undefined && !['sgd', 'momentum', 'adam'].includes(optimizer)) {
    throw new CoordinatorError('INVALID_OPTION', `coordinator option fit.optimizer must be 'sgd', 'momentum' or 'adam', got ${optimizer}.`);
  }
  if (momentum !== undefined && !(momentum >= 0 && momentum < 1 && optimizer === 'momentum')) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `coordinator option fit.momentum must be in [0, 1), with optimizer 'momentum'; got ${momentum}.`,
    );
  }
  if (proximalMu !== undefined && !(proximalMu >= 0 && Number.isFinite(proximalMu))) {
    throw new CoordinatorError('INVALID_OPTION', `coordinator option fit.proximalMu must be a finite number ≥ 0, got ${proximalMu}.`);
  }
  if (resolved.dp) checkDp(resolved.dp);
  // Distributed DP is secure aggregation with noise shares; central and local DP need each update.
  if (resolved.dp?.mode === 'distributed' && !resolved.secureAggregation) resolved.secureAggregation = {};
  if (resolved.secureAggregation && resolved.dp && resolved.dp.mode !== 'distributed')
    throw new CoordinatorError(
      'INVALID_OPTION',
      `coordinator option secureAggregation works with dp mode 'distributed' only (${resolved.dp.mode} DP needs each update).`,
    );
  if (resolved.compression !== undefined) resolved.fit = { ...resolved.fit, compression: checkCompression(resolved) };
  if (!resolved.tls && !resolved.insecure && !isLoopbackHost(resolved.host) && !resolved.transport)
    throw new CoordinatorError(
      'INSECURE',
      `refusing to listen on ${resolved.host} without TLS: give a certificate and key (--tls-cert, --tls-key), listen on 127.0.0.1, or accept plain WebSockets across the network with --insecure.`,
    );
  if (resolved.dashboardPublic && !resolved.dashboard)
    throw new CoordinatorError('INVALID_OPTION', 'coordinator option dashboardPublic needs dashboard.');
  if (resolved.dpStrategy && !resolved.dp)
    throw new CoordinatorError('INVALID_OPTION', 'coordinator option dpStrategy needs dp (its δ, budget and signing key).');
  return resolved;
}

/** The requested update compression, refused where its rounding would go unaccounted. */
function checkCompression({ compression, dp, secureAggregation }: ResolvedOptions): Compression {
  if (!(COMPRESSIONS as readonly unknown[]).includes(compression))
    throw new CoordinatorError(
      'INVALID_OPTION',
      `coordinator option compression must be one of ${COMPRESSIONS.join(', ')}, got ${String(compression)}.`,
    );
  if (dp)
    throw new CoordinatorError(
      'INVALID_OPTION',
      `coordinator option compression '${compression}' cannot be used with dp: its stochastic rounding adds randomness and error to each update that the DP accounting and the ledger's noise figures do not account for.`,
    );
  if (secureAggregation)
    throw new CoordinatorError(
      'INVALID_OPTION',
      `coordinator option compression '${compression}' cannot be used with secureAggregation: securely aggregated updates are already quantised to integers for masking, and that quantisation (its scale and bounds) does not account for rounding on top of it.`,
    );
  return compression as Compression;
}

function checkDp(dp: DpOptions): void {
  const fail = (field: string, rule: string, value: unknown) => {
    throw new CoordinatorError('INVALID_OPTION', `dp option ${field} must be ${rule}, got ${String(value)}.`);
  };
  if (dp.mode !== 'central' && dp.mode !== 'local' && dp.mode !== 'distributed')
    fail('mode', "'central', 'local' or 'distributed'", dp.mode);
  if (!(dp.clipNorm > 0)) fail('clipNorm', 'positive', dp.clipNorm);
  if (!(dp.noiseMultiplier > 0)) fail('noiseMultiplier', 'positive', dp.noiseMultiplier);
  if (!(dp.sampleRate > 0 && dp.sampleRate <= 1)) fail('sampleRate', 'in (0, 1]', dp.sampleRate);
  if (!(dp.delta > 0 && dp.delta < 1)) fail('delta', 'in (0, 1)', dp.delta);
  if (dp.adaptive && dp.mode !== 'central') fail('adaptive', "used with mode 'central' only", dp.mode);
  if (dp.budgetEpsilon !== undefined && !(dp.budgetEpsilon > 0)) fail('budgetEpsilon', 'positive', dp.budgetEpsilon);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
