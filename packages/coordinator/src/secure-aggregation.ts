/**
 * One securely aggregated round, as the coordinator runs it (SecAgg+ of Bell et al. 2020 over the
 * protocol of Bonawitz et al. 2017; the maths in @cohort/privacy/secagg): advertise keys → share
 * keys → masked input → unmask, each stage a request to every client still in the round, answered in
 * its acknowledgement. The coordinator routes encrypted shares it cannot read, and learns the sum of
 * the contributors' quantised updates, never one of them. Clients that drop out after sharing keys
 * are unmasked from their neighbours' shares; below the threshold the round fails and reveals nothing.
 */
import { randomBytes } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  elementCount,
  secAggAnswerBytes,
  secAggRefusalSchema,
  secAggResponseSchemas,
  type SecAggRequest,
  type SecAggStage,
  type TensorSpec,
  unmaskAssociatedData,
  unmaskSharesSchema,
} from '@cohort/protocol';
import {
  SecAggServer,
  dequantiseSum,
  neighbourGraph,
  planSecAgg,
  type EncryptedShare,
  type SecAggAdvertisement,
  type SecAggParams,
  type UnmaskResponse,
} from '@cohort/privacy/secagg';
import { SignatureVerifier } from '@cohort/privacy/identity';
import type { Failure } from './strategy/strategy';
import type { Transport } from './transport/transport';

export interface SecureAggregationOptions {
  /** L2 bound of each client's whole update before it is quantised (larger updates are scaled down). @default 10 */
  clipNorm?: number;
  /** Every client a neighbour of every other (Bonawitz et al. 2017) instead of O(log n) neighbours. @default false */
  fullGraph?: boolean;
  /** Fraction of the round's clients that may drop out after sharing keys, the round still completing. @default 0.3 */
  dropoutFraction?: number;
  /** Fraction of the round's clients that may collude with the coordinator without learning an honest update. @default 0.1 */
  corruptionFraction?: number;
  /** Bits of the modular arithmetic (the masked vector's words). @default 32 */
  bits?: number;
  /**
   * How long the advertise, share-keys and unmask stages wait for each client, in ms; the masked
   * input waits until the round's deadline less this (training happens then). A client that does not
   * answer in time drops out of the round, which goes on without it.
   * @default min(10 000, max(1 000, roundTimeoutMs / 4))
   */
  stageTimeoutMs?: number;
}

/** What a securely aggregated round needs from the transport. */
export type SecureTransport = Required<Pick<Transport, 'exchange' | 'openSealed'>> & Pick<Transport, 'signingKey'>;

export interface StageFigures {
  ms: number;
  bytesIn: number;
  bytesOut: number;
}

export interface SecureRoundOutcome {
  /** The contributors' mean update per tensor (each contributor weighs the same), or undefined when the round failed. */
  mean: Float32Array[] | undefined;
  contributors: string[];
  failures: Failure[];
  stages: Record<SecAggStage, StageFigures>;
  /** Why no sum came out. */
  failed?: string;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** Values in a model of these tensors: the length of its flattened update. */
export function modelLength(weightSpecs: readonly TensorSpec[]): number {
  return weightSpecs.reduce((n, spec) => n + elementCount(spec.shape), 0);
}

/**
 * The round's parameters for `clients` clients of a model with `weightSpecs`; under distributed DP the
 * vectors are the clients' encodings (`encoding`: their length and bits), already integers.
 */
export function planSecureRound(
  options: SecureAggregationOptions,
  clients: number,
  weightSpecs: readonly TensorSpec[],
  encoding?: { paddedLength: number; bits: number },
): SecAggParams {
  return planSecAgg({
    clients,
    clipNorm: encoding ? 1 : (options.clipNorm ?? 10),
    modelLength: encoding?.paddedLength ?? modelLength(weightSpecs),
    ...(options.dropoutFraction !== undefined ? { dropoutFraction: options.dropoutFraction } : {}),
    ...(options.corruptionFraction !== undefined ? { corruptionFraction: options.corruptionFraction } : {}),
    ...(options.fullGraph !== undefined ? { fullGraph: options.fullGraph } : {}),
    ...(encoding ? { bits: encoding.bits } : options.bits !== undefined ? { bits: options.bits } : {}),
  });
}

export class SecureRound {
  private readonly server: SecAggServer;
  private readonly failures: Failure[] = [];
  private readonly stages = {} as Record<SecAggStage, StageFigures>;
  /** Each keyed client's verifier, made once for the four stages. */
  private readonly verifiers = new Map<string, SignatureVerifier | null>();

  constructor(
    private readonly transport: SecureTransport,
    private readonly runId: string,
    private readonly round: number,
    params: SecAggParams,
    private readonly clientIds: readonly string[],
    private readonly weightSpecs: readonly TensorSpec[],
    private readonly deadline: number,
    /** The sum of the contributors' vectors mod 2^b → their sum in the update's units. @default dequantiseSum */
    private readonly decode: (sum: Uint32Array) => Float64Array = (sum) => dequantiseSum(sum, params),
    /** Fewer contributors than this are never unmasked (under distributed DP their noise would not suffice). */
    private readonly minContributors = 1,
    /** Each quick stage's wait for its answers, in ms (see SecureAggregationOptions.stageTimeoutMs). */
    private readonly stageTimeoutMs = 10_000,
  ) {
    const graph = neighbourGraph([...clientIds].sort(), params.neighbours, randomBytes(32));
    this.server = new SecAggServer({ runId, round, params, graph });
  }

  async run(): Promise<SecureRoundOutcome> {
    const outcome = (failed?: string, mean?: Float32Array[]): SecureRoundOutcome => ({
      mean,
      contributors: mean ? this.server.contributors : [],
      failures: this.failures,
      stages: this.stages,
      ...(failed ? { failed } : {}),
    });
    try {
      const adverts = await this.stage('advertise', this.clientIds, () => ({}));
      const advertisements: SecAggAdvertisement[] = [...adverts].map(([clientId, a]) => ({
        clientId,
        encryptionKey: bytes(a.encryptionKey),
        maskingKey: bytes(a.maskingKey),
        signature: bytes(a.signature),
      }));
      // A client that proved a device key must have signed its advertisement with it.
      const verify = (clientId: string, message: Uint8Array, signature: Uint8Array) => {
        const verifier = this.verifierOf(clientId);
        return verifier === null || verifier.verify(message, signature);
      };
      const neighbours = this.server.receiveAdvertisements(advertisements, verify);
      const shared = await this.stage('share-keys', [...neighbours.keys()], (id) => ({
        neighbours: neighbours.get(id)!.map((a: SecAggAdvertisement) => {
          const signingKey = this.transport.signingKey?.(a.clientId);
          return {
            clientId: a.clientId,
            encryptionKey: b64(a.encryptionKey),
            maskingKey: b64(a.maskingKey),
            signature: b64(a.signature),
            ...(signingKey ? { signingKey } : {}),
          };
        }),
      }));
      const routed = this.server.routeShares(new Map([...shared].map(([id, answer]) => [id, answer.shares as EncryptedShare[]])));
      const masked = await this.stage('masked-input', [...routed.keys()], (id) => ({
        shares: routed.get(id)!,
        survivors: this.server.survivorsFor(id),
      }));
      const unmaskRequests = this.server.receiveMaskedInputs(new Map([...masked].map(([id, answer]) => [id, words(answer.masked)])));
      if (unmaskRequests.size < this.minContributors)
        return outcome(`${unmaskRequests.size} masked inputs, fewer than the ${this.minContributors} required: the sum is not unmasked`);
      const revealed = await this.stage('unmask', [...unmaskRequests.keys()], (id) => ({ ...unmaskRequests.get(id)! }));
      const responses = [...revealed].flatMap(([clientId, answer]) => this.openUnmask(clientId, answer));
      const sum = await this.server.unmask(responses);
      const total = this.decode(sum);
      const contributors = this.server.contributors.length;
      return outcome(undefined, splitTensors(total, contributors, this.weightSpecs));
    } catch (error) {
      return outcome((error as Error).message);
    }
  }

  /** The shares a client revealed, opened with the coordinator's key; one that does not open is a failure. */
  private openUnmask(
    clientId: string,
    answer: { sealed: { ephemeralKey: string; nonce: string }; ciphertext: Uint8Array },
  ): UnmaskResponse[] {
    const sealed = { ephemeralKey: bytes(answer.sealed.ephemeralKey), nonce: bytes(answer.sealed.nonce), ciphertext: answer.ciphertext };
    const plain = this.transport.openSealed(sealed, unmaskAssociatedData(this.runId, this.round, clientId));
    const parsed = plain && unmaskSharesSchema.safeParse(JSON.parse(Buffer.from(plain).toString('utf8')));
    if (!parsed?.success) {
      this.failures.push({ clientId, kind: 'rejected', reason: 'BAD_SEAL: its unmask answer does not open with this coordinator’s key' });
      return [];
    }
    const decode = (shares: Record<string, string>) => Object.fromEntries(Object.entries(shares).map(([id, s]) => [id, bytes(s)]));
    return [{ clientId, selfMaskShares: decode(parsed.data.selfMaskShares), maskingKeyShares: decode(parsed.data.maskingKeyShares) }];
  }

  /**
   * One stage: a request to each of `clientIds`, answers validated; a refusal, a malformed answer or
   * (from a client that proved a device key) a missing or wrong signature is a failure.
   */
  private async stage<S extends SecAggStage>(
    stage: S,
    clientIds: readonly string[],
    body: (clientId: string) => Record<string, unknown>,
  ): Promise<Map<string, ReturnType<(typeof secAggResponseSchemas)[S]['parse']>>> {
    const started = Date.now();
    const head = { protocolVersion: PROTOCOL_VERSION, runId: this.runId, round: this.round, stage };
    const requests = new Map(clientIds.map((id) => [id, { ...head, ...body(id) } as SecAggRequest]));
    // One silent client must not eat the time of the stages after it: the quick stages have their own
    // deadline, and the masked input (which waits for training) leaves the unmask stage its share.
    const timeout =
      stage === 'masked-input' ? Math.max(this.stageTimeoutMs, this.deadline - Date.now() - this.stageTimeoutMs) : this.stageTimeoutMs;
    const exchange = await this.transport.exchange(requests, timeout);
    this.failures.push(...exchange.failures);
    const answers = new Map<string, ReturnType<(typeof secAggResponseSchemas)[S]['parse']>>();
    for (const [clientId, raw] of exchange.answers) {
      const parsed = secAggResponseSchemas[stage].safeParse(raw);
      if (parsed.success) {
        const problem = this.signatureProblem(stage, clientId, parsed.data);
        if (problem) this.failures.push({ clientId, kind: 'rejected', reason: problem });
        else answers.set(clientId, parsed.data as ReturnType<(typeof secAggResponseSchemas)[S]['parse']>);
      } else {
        const refusal = secAggRefusalSchema.safeParse(raw);
        const reason = refusal.success ? refusal.data.error : `malformed ${stage} answer: ${parsed.error.issues[0]?.message ?? ''}`;
        this.failures.push({ clientId, kind: refusal.success ? 'client-error' : 'rejected', reason: reason.slice(0, 500) });
      }
    }
    this.stages[stage] = { ms: Date.now() - started, bytesIn: exchange.bytesIn, bytesOut: exchange.bytesOut };
    return answers;
  }

  /** The verifier of the device key a client proved at its handshake, or null for a client without one. */
  private verifierOf(clientId: string): SignatureVerifier | null {
    let verifier = this.verifiers.get(clientId);
    if (verifier === undefined) {
      const key = this.transport.signingKey?.(clientId);
      verifier = key === undefined ? null : new SignatureVerifier(bytes(key));
      this.verifiers.set(clientId, verifier);
    }
    return verifier;
  }

  /** Why a stage answer of a keyed client is not authentic (the advertisement carries its own signature). */
  private signatureProblem(stage: SecAggStage, clientId: string, answer: object): string | undefined {
    const key = this.transport.signingKey?.(clientId);
    if (!key || stage === 'advertise') return undefined;
    const signature = (answer as { signature?: string }).signature;
    if (!signature) return `UNSIGNED: its ${stage} answer is not signed`;
    const valid = new SignatureVerifier(bytes(key)).verify(
      secAggAnswerBytes(this.runId, this.round, stage, clientId, answer),
      bytes(signature),
    );
    return valid ? undefined : `BAD_SIGNATURE: its ${stage} answer does not verify under its device key`;
  }
}

/** Little-endian uint32 words of a masked vector (copied: the received buffer need not be aligned). */
function words(data: Uint8Array): Uint32Array {
  const out = new Uint32Array(Math.floor(data.byteLength / 4));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

function splitTensors(total: Float64Array, contributors: number, specs: readonly TensorSpec[]): Float32Array[] {
  let offset = 0;
  return specs.map((spec) => {
    const length = elementCount(spec.shape);
    const tensor = new Float32Array(length);
    for (let i = 0; i < length; i++) tensor[i] = total[offset + i]! / contributors;
    offset += length;
    return tensor;
  });
}
