/**
 * A Cohort client: one socket.io connection to the coordinator. It trains when asked, sends back
 * only the weight delta, the example count and training metrics, and reconnects with exponential
 * backoff and jitter when the connection drops. Under local DP it can keep its own privacy budget
 * and refuses rounds whose update would not be private.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  authRefusalSchema,
  decodeTensors,
  encodeUpdateTensors,
  isLoopbackHost,
  modelDescriptionSchema,
  parseMessage,
  roundStartSchema,
  roundEndSchema,
  runEndSchema,
  secAggRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type EvaluationMessage,
  type ModelDescription,
  type RoundStart,
  type ServerToClientEvents,
  type UpdateMessage,
} from '@cohort/protocol';
import type { DeviceIdentity } from '@cohort/privacy/identity';
import { checkPin, protectEvaluation, protectUpdate, proveKey } from './answer-protection';
import { SecureRoundClient } from './secure-round';
import { ClientError } from './errors';
import { PrivacyBudget, type PrivacyBudgetOptions, type PrivacySpent } from './privacy-budget';
import { checkDpInstruction, noiseMultiplierOf, privatiseUpdate } from './privatise';
import type { ModelTask, Trainer } from './trainer';

export interface ClientOptions {
  /** Coordinator URL, e.g. http://127.0.0.1:8080. */
  serverUrl: string;
  /** Stable id of this client; a reconnecting client keeps it. @default `identity.id` (one of the two is required) */
  clientId?: string;
  /**
   * This device's keys: presented at the handshake, proved on the coordinator's challenge, and used
   * to sign every answer. A coordinator with enrolment admits only enrolled identities.
   */
  identity?: DeviceIdentity;
  /** The coordinator's X25519 key (base64) this client insists on; a coordinator presenting another is refused. */
  coordinatorKey?: string;
  /** PEM CA certificate(s) that the coordinator's TLS certificate must chain to (default: the system's). */
  ca?: string;
  /** Allow plain http:// (WebSockets in the clear) to a host other than loopback. @default false */
  insecure?: boolean;
  /**
   * Seal update payloads to the coordinator's X25519 key whenever it presents one. Turn off only to
   * measure what sealing hides (a coordinator that requires sealing then refuses the updates). @default true
   */
  sealUpdates?: boolean;
  /** Refuse fit rounds that are not securely aggregated: this client's update then never reaches the coordinator alone. @default false */
  requireSecureAggregation?: boolean;
  trainer: Trainer;
  /** First reconnection delay in milliseconds; it doubles up to maxDelayMs. @default 500 */
  reconnectDelayMs?: number;
  /** @default 10000 */
  reconnectDelayMaxMs?: number;
  /** Random spread of each delay, in [0, 1). @default 0.5 */
  reconnectJitter?: number;
  /**
   * Give up (ClientError 'UNREACHABLE') after this many failed connection attempts in a row; the
   * count starts again once connected, so a coordinator restart is waited out. @default 20
   */
  maxConnectAttempts?: number;
  /** @default pino at level info on stderr */
  logger?: Logger;
  /**
   * This client's own (ε, δ) budget for local DP, so that it need not trust the coordinator's
   * count. Each fit update is accounted (RDP, sampleRate 1, z = noiseStdDev / clipNorm) and
   * persisted to `statePath` before it is sent; the state survives restarts, and a corrupt file
   * makes the constructor throw ClientError('CORRUPT_STATE'). A fit round that would exceed ε, or
   * whose update would leave without local noise (no dp instruction, or central DP), is refused
   * with round:error; evaluation rounds go on.
   * @default undefined (no client-side accounting)
   */
  privacyBudget?: PrivacyBudgetOptions;
  /**
   * Follow dp instructions that carry `noiseSeed`. Seeded noise is reproducible, so whoever knows
   * the seed can subtract it: the update is then not private. For simulations only.
   * @default false (such rounds are refused with round:error)
   */
  allowSeededNoise?: boolean;
}

export interface RoundDone {
  round: number;
  task: 'fit' | 'evaluate';
  accepted: boolean;
  rejection?: { code: string; message: string };
  /** Local examples trained on (fit) or evaluated (evaluate). */
  numExamples?: number;
  /** Mean training loss over the last local epoch (fit), or mean evaluation loss (evaluate). */
  loss?: number;
  /** From the round's arrival here to the coordinator's acknowledgement, in milliseconds. */
  durationMs?: number;
}

/** A local DP release accounted by this client, or a fit round it refused for privacy's sake. */
export interface PrivacyEvent {
  round: number;
  /** 'released': persisted in the budget and about to be sent; 'refused': not sent. */
  status: 'released' | 'refused';
  /** Why the round was refused. */
  reason?: string;
  /** Spent so far (after this release); absent when the client keeps no budget. */
  spent?: PrivacySpent;
}

interface ClientEvents {
  connected: [];
  /** Registered by the coordinator, which described its model: rounds may come from now on. */
  ready: [];
  disconnected: [string];
  round: [RoundDone];
  privacy: [PrivacyEvent];
}

export class CohortClient extends EventEmitter<ClientEvents> {
  /** Resolves with the coordinator's reason when the run ends; rejects if the client is refused. */
  readonly finished: Promise<string>;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly log: Logger;
  private readonly budget: PrivacyBudget | undefined;
  private description: ModelDescription | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** The newest model a task has brought (see modelRound): an older task still queued has been superseded. */
  private latestModel = -1;
  private readonly clientId: string;
  /** The securely aggregated round in progress, which answers the coordinator's stage requests. */
  private secure: SecureRoundClient | undefined;
  /** The coordinator key this client's last handshake proof was bound to. */
  private challengedKey: string | undefined;
  /** Consecutive failed connection attempts. */
  private failedAttempts = 0;
  /** Why the coordinator refused this client, when it said so before disconnecting it. */
  private refusal: { code: string; message: string } | undefined;
  private resolveFinished!: (reason: string) => void;
  private rejectFinished!: (error: Error) => void;

  constructor(private readonly options: ClientOptions) {
    super();
    this.log = options.logger ?? pino({ name: 'client' }, pino.destination(2));
    this.budget = options.privacyBudget && new PrivacyBudget(options.privacyBudget);
    if (this.budget) {
      const { epsilon, releases } = this.budget.spent;
      this.log.info(
        { epsilon, releases, budgetEpsilon: this.budget.budgetEpsilon, delta: this.budget.delta },
        `privacy budget: ε ${epsilon} of ${this.budget.budgetEpsilon} spent over ${releases} releases`,
      );
    }
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => undefined);
    this.clientId = checkConnectionOptions(options);
    const { identity } = options;
    this.socket = io(options.serverUrl, {
      auth: {
        protocolVersion: PROTOCOL_VERSION,
        clientId: this.clientId,
        ...(identity ? { signingKey: Buffer.from(identity.signing.publicKey).toString('base64') } : {}),
      },
      ...(options.ca ? { ca: options.ca } : {}),
      transports: ['websocket'],
      reconnectionDelay: options.reconnectDelayMs ?? 500,
      reconnectionDelayMax: options.reconnectDelayMaxMs ?? 10_000,
      randomizationFactor: options.reconnectJitter ?? 0.5,
    });
    this.socket.on('connect', () => {
      this.failedAttempts = 0;
      this.log.info({ clientId: this.clientId }, `connected to ${options.serverUrl}`);
      this.emit('connected');
    });
    this.socket.on('disconnect', (reason) => {
      this.log.info({ reason }, `disconnected: ${reason}`);
      this.emit('disconnected', reason);
      // socket.io does not reconnect after a disconnect by the server (a transport close, as when the
      // coordinator stops or the network drops, is retried with backoff): without a run:end this
      // client is done, and says why rather than leaving silently.
      if (reason === 'io server disconnect') {
        const refusal = this.refusal;
        this.fail(
          new ClientError(
            'REFUSED',
            refusal
              ? `the coordinator refused this client (${refusal.code}): ${refusal.message}`
              : `the coordinator disconnected this client before the run ended (it exceeded the coordinator's limits, or the coordinator replaced this connection)`,
          ),
        );
      }
    });
    this.socket.on('connect_error', (error) => {
      const data = (error as Error & { data?: { code?: string } }).data;
      const cause = transportCause(error);
      if (data?.code) {
        // Refused by the coordinator (wrong protocol version, bad identity): retrying cannot help.
        this.fail(new ClientError('REFUSED', `the coordinator refused this client (${data.code}): ${error.message}`, { cause: error }));
      } else if (cause?.code && TLS_TRUST_ERRORS.has(cause.code)) {
        // Another certificate will not appear by retrying: the CA (--ca) or the address is wrong, or someone is in the middle.
        this.fail(
          new ClientError('REFUSED', `cannot verify the coordinator's TLS certificate (${cause.code}): ${cause.message}`, { cause: error }),
        );
      } else if (++this.failedAttempts >= (options.maxConnectAttempts ?? 20)) {
        this.fail(
          new ClientError(
            'UNREACHABLE',
            `cannot reach the coordinator at ${options.serverUrl} after ${this.failedAttempts} tries (${cause?.message ?? error.message}); ` +
              'check --server (host, port, http:// or https://) and that the coordinator is running.',
            { cause: error },
          ),
        );
      } else {
        this.log.warn(`cannot reach ${options.serverUrl}: ${cause?.message ?? error.message}; retrying (${this.failedAttempts})`);
      }
    });
    this.socket.on('auth:challenge', (raw, ack) => {
      try {
        if (!identity) throw new ClientError('REFUSED', 'the coordinator sent a key challenge, but this client has no identity');
        const proof = proveKey(identity, raw, options.coordinatorKey);
        // The key this proof was bound to: model:describe must present the same one.
        this.challengedKey = (raw as { coordinatorKey?: string }).coordinatorKey;
        ack(proof);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    this.socket.on('round:end', (raw) =>
      this.guard(() => {
        const end = parseMessage(roundEndSchema, raw, 'round:end');
        // The round is over: the secrets of its secure aggregation are no longer needed.
        if (this.secure?.round === end.round) {
          this.secure.dispose();
          this.secure = undefined;
        }
      }),
    );
    this.socket.on('secagg:request', (raw, ack) => {
      const parsed = secAggRequestSchema.safeParse(raw);
      const secure = this.secure;
      if (!parsed.success) return ack({ error: `malformed secure aggregation request: ${parsed.error.issues[0]?.message ?? ''}` });
      if (!secure || secure.runId !== parsed.data.runId || secure.round !== parsed.data.round)
        return ack({ error: `no securely aggregated round ${parsed.data.round} in progress here` });
      void secure.answer(parsed.data).then(ack);
    });
    this.socket.on('auth:refused', (raw) => this.guard(() => (this.refusal = parseMessage(authRefusalSchema, raw, 'auth:refused'))));
    this.socket.on('model:describe', (raw) =>
      this.guard(() => {
        const description = parseMessage(modelDescriptionSchema, raw, 'model:describe');
        try {
          checkPin(description.security?.coordinatorKey, options.coordinatorKey ?? this.challengedKey);
        } catch (error) {
          return this.fail(error as Error);
        }
        try {
          options.trainer.check?.(description);
        } catch (error) {
          return this.fail(error as Error);
        }
        this.description = description;
        this.emit('ready');
      }),
    );
    this.socket.on('round:start', (raw) => this.guard(() => this.enqueue(parseMessage(roundStartSchema, raw, 'round:start'))));
    this.socket.on('run:end', (raw) =>
      this.guard(() => {
        const { reason } = parseMessage(runEndSchema, raw, 'run:end');
        this.log.info(`run ended: ${reason}`);
        this.resolveFinished(reason);
        void this.close();
      }),
    );
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Connected, registered and told the model: the coordinator may send it rounds. */
  get ready(): boolean {
    return this.socket.connected && this.description !== undefined;
  }

  /** What this client has spent by its own accounting, or undefined without `privacyBudget`. */
  get privacySpent(): PrivacySpent | undefined {
    return this.budget?.spent;
  }

  /** Disconnects after the round in progress, if any, and releases the trainer. */
  async close(): Promise<void> {
    this.socket.disconnect();
    this.secure?.dispose();
    await this.queue;
    await this.options.trainer.close?.();
    this.resolveFinished('closed');
  }

  /** Ends this client with `error`: it stops connecting and `finished` rejects. */
  private fail(error: Error): void {
    this.socket.disconnect();
    this.rejectFinished(error);
    void this.close();
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.log.warn(`ignored a message from the coordinator: ${(error as Error).message}`);
    }
  }

  private enqueue(message: RoundStart): void {
    this.latestModel = Math.max(this.latestModel, modelRound(message));
    const params = message.task === 'fit' ? message.config.secureAggregation : undefined;
    if (params) {
      // Made on arrival: the coordinator's first stage requests come while this client trains.
      this.secure?.dispose();
      this.secure = new SecureRoundClient(
        message.runId,
        message.round,
        this.clientId,
        params,
        this.options.identity,
        this.description?.security?.coordinatorKey,
      );
    }
    const header = { runId: message.runId, round: message.round, task: message.task };
    this.queue = this.queue.then(() => this.handle(message)).catch(this.failureHandler(header));
  }

  /** Made apart from enqueue's closures, so that the handler waiting for a task's end holds its header, not its model. */
  private failureHandler(header: TaskHeader): (error: unknown) => void {
    return (error) => this.failed(header, error);
  }

  private failed(message: TaskHeader, error: unknown): void {
    const text = (error as Error).message;
    if (error instanceof ClientError && error.code === 'CLOSED') {
      this.log.warn({ round: message.round }, text);
      return;
    }
    if (this.secure?.round === message.round) this.secure.failed(error as Error);
    if (
      error instanceof ClientError &&
      (error.code === 'PRIVACY_BUDGET' || error.code === 'UNSAFE_DP' || error.code === 'UNSAFE_AGGREGATION')
    ) {
      this.log.warn({ round: message.round, code: error.code }, `refused ${message.task} round ${message.round}: ${text}`);
      const spent = this.budget?.spent;
      this.emit('privacy', { round: message.round, status: 'refused', reason: text, ...(spent ? { spent } : {}) });
    } else {
      this.log.error({ round: message.round }, `round ${message.round} failed locally: ${text}`);
    }
    this.socket.emit('round:error', {
      protocolVersion: PROTOCOL_VERSION,
      runId: message.runId,
      round: message.round,
      clientId: this.clientId,
      message: text.slice(0, 2000),
    });
  }

  /**
   * Runs a task and answers it. `answerTo` builds the answer, and its frame (the model received, the
   * update made from it) has ended before the coordinator's verdict is awaited: a client holds
   * neither while it waits. In a simulation that is a model and an update per client, in one process.
   */
  private handle(message: RoundStart): Promise<void> {
    const started = Date.now();
    return this.answerTo(message, started).then((answer) => answer && this.deliver(answer, started));
  }

  /** The answer to a task, or none: superseded, or a secure round's update, which leaves only as a masked input. */
  private async answerTo(message: RoundStart, started: number): Promise<Answer | undefined> {
    const description = this.description;
    if (!description || description.runId !== message.runId)
      throw new ProtocolError('WRONG_RUN', 'round started before the model was described');
    if (this.superseded(message)) return undefined; // superseded while waiting: the coordinator has moved on
    const weights = decodeTensors(message.manifest, message.payload, {
      maxBytes: Number.MAX_SAFE_INTEGER,
      maxTensors: description.weightSpecs.length,
      expected: description.weightSpecs,
    }).map((t) => t.data as Float32Array);
    const task = {
      round: message.round,
      topology: description.topology,
      weightSpecs: description.weightSpecs,
      numClasses: description.numClasses,
      weights,
    };
    const binding = { protocolVersion: PROTOCOL_VERSION, runId: message.runId, round: message.round, clientId: this.clientId };
    const { identity } = this.options;
    if (message.task === 'evaluate') {
      const outcome = await this.options.trainer.evaluate(task);
      return {
        event: 'round:evaluation',
        message: protectEvaluation({ ...binding, ...outcome }, identity),
        done: {
          round: message.round,
          task: 'evaluate',
          numExamples: outcome.numExamples,
          ...(outcome.numExamples > 0 ? { loss: outcome.lossSum / outcome.numExamples } : {}),
        },
      };
    }
    const dp = message.config.dp;
    const secure = message.config.secureAggregation ? this.secure : undefined;
    if (this.options.requireSecureAggregation && !secure)
      throw new ClientError(
        'UNSAFE_AGGREGATION',
        'this client sends its update only under secure aggregation, and this round is not securely aggregated',
      );
    // Refuse before training, so that no effort is spent on an update that will not be sent.
    checkDpInstruction(dp, { allowSeededNoise: this.options.allowSeededNoise ?? false, requireLocalNoise: this.budget !== undefined });
    if (this.budget && dp) this.budget.check(noiseMultiplierOf(dp));
    // A fused round: the model received is the last committed one, evaluated before it is trained.
    const evaluation = message.evaluate && !secure && !dp ? await this.fusedEvaluation(task) : undefined;
    const seed = deriveSeed(message.config.seed, message.round, this.clientId);
    const outcome = await this.options.trainer.fit({ ...task, config: { ...message.config, seed } });
    if (this.superseded(message)) return undefined;
    if (secure) {
      // The update leaves only as a masked input, in answer to the coordinator's masked-input request.
      secure.trained(outcome.delta);
      this.emit('round', {
        round: message.round,
        task: 'fit',
        accepted: true,
        numExamples: outcome.numExamples,
        loss: outcome.metrics.loss,
        durationMs: Date.now() - started,
      });
      return undefined;
    }
    const delta = dp ? privatiseUpdate(outcome.delta, dp, `${message.round}:${this.clientId}`) : outcome.delta;
    // Compressed when the coordinator asks (rounding bits from the CSPRNG), else float32.
    const encoded = encodeUpdateTensors(
      description.weightSpecs.map((spec, i) => ({ name: spec.name, shape: spec.shape, data: delta[i]! })),
      message.config.compression,
    );
    // Under DP the example count and training metrics would be unprotected side channels: withhold them.
    const stats = dp ? { numExamples: 1 } : { numExamples: outcome.numExamples, metrics: outcome.metrics };
    const update = protectUpdate(
      { ...binding, ...stats, ...encoded, ...(evaluation ? { evaluation } : {}) },
      identity,
      description.security,
      this.options.sealUpdates ?? true,
    );
    const budget = this.budget;
    const [round, noiseMultiplier] = [message.round, dp && noiseMultiplierOf(dp)];
    return {
      event: 'round:update',
      message: update,
      done: { round, task: 'fit', numExamples: outcome.numExamples, loss: outcome.metrics.loss },
      ...(budget && noiseMultiplier !== undefined ? { release: () => this.reserveRelease(budget, round, noiseMultiplier) } : {}),
    };
  }

  /** Accounts a local DP release in this client's budget: durable before the update leaves, so that a crash after sending never loses it. */
  private reserveRelease(budget: PrivacyBudget, round: number, noiseMultiplier: number): void {
    const spent = budget.reserve(noiseMultiplier);
    this.log.info({ round, ...spent }, `privacy: ε ${spent.epsilon} of ${spent.budgetEpsilon} spent after ${spent.releases} releases`);
    this.emit('privacy', { round, status: 'released', spent });
  }

  /**
   * Sends an answer, then reports the coordinator's verdict; only the report's facts are held
   * meanwhile. A DP release is accounted in the same synchronous stretch as the send, once the
   * connection is known to be up: an update that is not sent spends no budget.
   */
  private deliver({ event, message, done, release }: Answer, started: number): Promise<void> {
    // socket.io would buffer the message until a reconnection that close() never makes, and the queue would hang.
    if (!this.socket.connected) {
      const unspent = release ? ' and spent no privacy budget' : '';
      return Promise.reject(
        new ClientError('CLOSED', `not connected: the round ${done.round} ${done.task} answer was not sent${unspent}.`),
      );
    }
    release?.();
    return this.send(event, message).then((ack) => this.report(done, ack, Date.now() - started));
  }

  private superseded(message: RoundStart): boolean {
    return modelRound(message) < this.latestModel;
  }

  /** The counts of a fused evaluation, or why there are none: a failed evaluation does not stop the training. */
  private async fusedEvaluation(task: ModelTask): Promise<FusedEvaluation> {
    try {
      const { numExamples, lossSum, confusion, groupConfusion } = await this.options.trainer.evaluate(task);
      return { numExamples, lossSum, confusion, ...(groupConfusion ? { groupConfusion } : {}) };
    } catch (error) {
      const text = (error as Error).message;
      this.log.error({ round: task.round }, `evaluation of the round ${task.round - 1} model failed locally: ${text}`);
      return { error: text.slice(0, 2000) };
    }
  }

  /** Sends a result (the connection is up) and waits for the coordinator's verdict; fails if the connection drops first. */
  private send(event: Answer['event'], message: Answer['message']): Promise<Ack> {
    const verdict = this.verdict(event);
    try {
      (this.socket.emit as (e: string, m: unknown, ack: (a: Ack) => void) => void)(event, message, verdict.settle);
    } catch (error) {
      // Not sent (socket.io encodes synchronously: e.g. a value JSON cannot hold): no verdict will come.
      verdict.abandon();
      throw error;
    }
    return verdict.promise;
  }

  /** The coordinator's verdict on an answer, made apart from send so that waiting for it does not hold the answer. */
  private verdict(event: Answer['event']): { promise: Promise<Ack>; settle: (ack: Ack) => void; abandon: () => void } {
    let settle!: (ack: Ack) => void;
    let abandon!: () => void;
    const promise = new Promise<Ack>((resolve, reject) => {
      const onDisconnect = (reason: string) =>
        reject(new ClientError('CLOSED', `connection lost before the coordinator acknowledged the ${event}: ${reason}`));
      this.socket.once('disconnect', onDisconnect);
      abandon = () => this.socket.off('disconnect', onDisconnect);
      settle = (ack) => {
        abandon();
        resolve(ack);
      };
    });
    return { promise, settle, abandon };
  }

  private report({ round, task, ...facts }: AnswerFacts, ack: Ack, durationMs: number): void {
    const done: RoundDone = { round, task, accepted: ack.ok, ...facts, durationMs };
    if (!ack.ok) {
      done.rejection = { code: ack.code, message: ack.message };
      this.log.warn({ round, code: ack.code }, `coordinator rejected the ${task} result: ${ack.message}`);
    }
    this.emit('round', done);
  }
}

type FusedEvaluation = NonNullable<UpdateMessage['evaluation']>;

/** What a failure report needs of a task. */
type TaskHeader = Pick<RoundStart, 'runId' | 'round' | 'task'>;

/** What the 'round' event reports of an answer, besides the verdict and the duration. */
type AnswerFacts = Pick<RoundDone, 'round' | 'task' | 'numExamples' | 'loss'>;

/** A task's answer, built and not yet sent; `release` accounts its DP release, just before it is sent. */
type Answer = { done: AnswerFacts; release?: () => void } & (
  | { event: 'round:update'; message: UpdateMessage }
  | { event: 'round:evaluation'; message: EvaluationMessage }
);

/**
 * The round of the model a task carries: fit round r trains (and in a fused round evaluates) the
 * model of round r − 1, evaluate round r evaluates the model of round r. An evaluate-only task sent
 * with fit round r + 1 is therefore no older than that fit task.
 */
function modelRound(message: RoundStart): number {
  return message.task === 'fit' ? message.round - 1 : message.round;
}

export function createClient(options: ClientOptions): CohortClient {
  return new CohortClient(options);
}

/** Node's codes for a TLS certificate that does not verify against the trusted CAs or the host name. */
const TLS_TRUST_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The network error under engine.io's "websocket error" (ws hands it over as an ErrorEvent's `error`). */
function transportCause(error: Error): { code?: string; message: string } | undefined {
  const description = (error as Error & { description?: { error?: NodeJS.ErrnoException; message?: string } }).description;
  const cause = description?.error;
  if (cause instanceof Error) return { ...(cause.code ? { code: cause.code } : {}), message: cause.message };
  return description?.message ? { message: description.message } : undefined;
}

/** The client id to use; refuses plain WebSockets across the network without `insecure`. */
function checkConnectionOptions(options: ClientOptions): string {
  const clientId = options.clientId ?? options.identity?.id;
  if (!clientId) throw new ClientError('INVALID_OPTION', 'a client needs a clientId or an identity.');
  if (options.identity && options.clientId !== undefined && options.clientId !== options.identity.id)
    throw new ClientError('INVALID_OPTION', `clientId ${options.clientId} differs from the identity's id ${options.identity.id}.`);
  let url: URL | undefined;
  try {
    url = new URL(options.serverUrl);
  } catch {
    // '127.0.0.1:8080' is no URL, and 'localhost:8080' parses with 'localhost:' as its scheme.
  }
  if (!url || !['http:', 'https:'].includes(url.protocol))
    throw new ClientError(
      'INVALID_OPTION',
      `--server must start with https:// (or http:// on loopback), got ${options.serverUrl}; e.g. https://coordinator.example:8080 or http://127.0.0.1:8080`,
    );
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !options.insecure)
    throw new ClientError(
      'INSECURE',
      `refusing plain http:// to ${url.hostname}: updates would cross the network in the clear. Use https:// (with --ca), or --insecure.`,
    );
  return clientId;
}

/** A 31-bit seed for one client's round, so clients shuffle differently but reproducibly. */
function deriveSeed(seed: number, round: number, clientId: string): number {
  return createHash('sha256').update(`${seed}:${round}:${clientId}`).digest().readUInt32LE(0) >>> 1;
}
