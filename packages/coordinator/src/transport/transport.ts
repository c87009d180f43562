/**
 * What the round engine needs from the network, and nothing more: who is connected, a way to hand a
 * round to chosen clients (whose answers the transport routes to the round's inbox), and the
 * notices that end a round or the run. socket.io implements it for real deployments
 * (socket-transport.ts); an in-memory transport drives the engine in unit tests.
 */
import type { FitConfig, ModelDescription, RoundEnd, RoundStart, RunEnd, SecAggRequest } from '@cohort/protocol';
import type { Logger } from 'pino';
import type { InboxContext, RoundInbox } from '../round-inbox';
import type { SealedPayload } from '@cohort/privacy/identity';
import type { ClientInstruction, Failure } from '../strategy/strategy';
import type { DeviceAuth } from '../trust/device-auth';

/** What every client of a round is sent; each client's own `dp` instruction is merged into `config`. */
export interface RoundTask extends Omit<RoundStart, 'config'> {
  config: Omit<FitConfig, 'dp'>;
}

/** One task and the clients it goes to (a fused round sends up to three: fit + evaluate, fit, evaluate). */
export interface RoundDelivery {
  task: RoundTask;
  clients: readonly ClientInstruction[];
}

export interface TransportSetup {
  /** What each client is told when it arrives (the run answers are checked against is its runId). */
  description: ModelDescription;
  /** Largest answer payload accepted, in bytes. */
  maxMessageBytes: number;
  /** Under DP, per-client facts of a round stay out of info-level logs. */
  privateParticipation: boolean;
  /** Who may connect and what their answers must prove; the socket transport needs it, in-memory clients are trusted. */
  auth?: DeviceAuth;
}

/** The checks an answer outside any inbox still gets. */
export function inboxContext(setup: TransportSetup, log: Logger): InboxContext {
  const { description, maxMessageBytes, privateParticipation } = setup;
  return {
    runId: description.runId,
    weightSpecs: description.weightSpecs,
    numClasses: description.numClasses,
    maxMessageBytes,
    log,
    privateParticipation,
  };
}

export interface Transport {
  /** Starts accepting clients; resolves with the address clients use. */
  listen(setup: TransportSetup): Promise<string>;
  /** Connected client ids, sorted, so that seeded sampling does not depend on arrival order. */
  clients(): string[];
  /** Resolves once at least `count` clients are connected, or when `signal` aborts. */
  waitForClients(count: number, signal: AbortSignal): Promise<void>;
  /**
   * Routes answers to `inbox` from now on (and refuses answers outside it), then sends each delivery's
   * task to its clients with their instructions; a client that is gone fails in the inbox at once.
   * Returns the bytes sent.
   */
  startRound(deliveries: readonly RoundDelivery[], inbox: RoundInbox): number;
  /** Stops routing answers to the round's inbox. */
  closeRound(): void;
  /** Tells these clients that the round committed. */
  endRound(end: RoundEnd, clientIds: readonly string[]): void;
  /** Tells every client that the run is over. */
  endRun(end: RunEnd): void;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
  /**
   * Sends each client its request as `secagg:request` and waits, at most `timeoutMs`, for the answer in
   * its acknowledgement (raw: the caller validates it). A client that is gone, leaves or does not answer
   * in time is a failure. Transports without it cannot run securely aggregated rounds.
   */
  exchange?(requests: ReadonlyMap<string, SecAggRequest>, timeoutMs: number): Promise<Exchange>;
  /** The signing key (base64) a connected client proved at its handshake, if any. */
  signingKey?(clientId: string): string | undefined;
  /** Opens a payload a client sealed to the coordinator's key (null when it does not open). */
  openSealed?(sealed: SealedPayload, associatedData: Uint8Array): Uint8Array | null;
}

/** What one stage of requests brought back. */
export interface Exchange {
  answers: Map<string, unknown>;
  failures: Failure[];
  bytesIn: number;
  bytesOut: number;
}

/** Approximate bytes of a message on the wire: its binary parts plus the JSON of the rest. */
export function wireBytes(value: unknown): number {
  let binary = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) {
      binary += v.byteLength;
      return 0;
    }
    return v;
  });
  return binary + (json?.length ?? 0);
}

/** Clients grouped by identical instructions, so that one encoded message serves each group. */
export function groupByInstruction(clients: readonly ClientInstruction[]): { dp: ClientInstruction['dp']; clientIds: string[] }[] {
  const groups = new Map<string, { dp: ClientInstruction['dp']; clientIds: string[] }>();
  for (const c of clients) {
    const key = JSON.stringify(c.dp ?? null);
    const group = groups.get(key) ?? groups.set(key, { dp: c.dp, clientIds: [] }).get(key)!;
    group.clientIds.push(c.clientId);
  }
  return [...groups.values()];
}
