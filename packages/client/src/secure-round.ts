/**
 * The client's side of one securely aggregated round (@cohort/privacy/secagg): it answers the
 * coordinator's four stage requests — advertise keys, share keys, masked input, unmask — and sends
 * its update only as a masked input, once local training has produced it. The SecAgg client refuses
 * an unmask request that would reveal both secrets of one neighbour; every refusal is answered as
 * `{ error }`, which the coordinator counts as this client dropping out. Under distributed DP the
 * update is encoded with this client's discrete Gaussian share of the noise before it is masked.
 */
import {
  SECAGG_STAGES,
  canonicalJson,
  secAggAnswerBytes,
  unmaskAssociatedData,
  type SecAggRequest,
  type SecureAggregationConfig,
} from '@cohort/protocol';
import { SignatureVerifier, sealPayload, signMessage, type DeviceIdentity } from '@cohort/privacy/identity';
import { encodeDistributedDp, type DistributedDpPlan } from '@cohort/privacy/mechanisms';
import { SecAggClient, type EncryptedShare, type SecAggAdvertisement } from '@cohort/privacy/secagg';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export class SecureRoundClient {
  private readonly core: SecAggClient;
  /** Under distributed DP: how the update is encoded (with this client's noise share) before masking. */
  private readonly encoding: { plan: DistributedDpPlan; rotationSeed: Uint8Array } | undefined;
  private readonly update: Promise<Float32Array>;
  private resolveUpdate!: (update: Float32Array) => void;
  private rejectUpdate!: (error: Error) => void;

  constructor(
    readonly runId: string,
    readonly round: number,
    private readonly clientId: string,
    params: SecureAggregationConfig,
    private readonly identity: DeviceIdentity | undefined,
    /** The coordinator's X25519 key (base64): the revealed shares are sealed to it. */
    private readonly coordinatorKey: string | undefined,
  ) {
    const { distributedDp, ...secAggParams } = params;
    this.core = new SecAggClient({
      runId,
      round,
      clientId,
      params: secAggParams,
      ...(identity ? { signingSecretKey: identity.signing.secretKey } : {}),
    });
    if (distributedDp) {
      const { rotationSeed, ...plan } = distributedDp;
      this.encoding = { plan, rotationSeed: bytes(rotationSeed) };
    }
    this.update = new Promise((resolve, reject) => {
      this.resolveUpdate = resolve;
      this.rejectUpdate = reject;
    });
    this.update.catch(() => undefined);
  }

  /** Local training finished: the update, flattened over every tensor in model order. */
  trained(delta: readonly Float32Array[]): void {
    const flat = new Float32Array(delta.reduce((n, d) => n + d.length, 0));
    let offset = 0;
    for (const d of delta) {
      flat.set(d, offset);
      offset += d.length;
    }
    this.resolveUpdate(flat);
  }

  /** Local training failed (or the round was abandoned): the masked input is refused. */
  failed(error: Error): void {
    this.rejectUpdate(error);
  }

  /** This client's answer to a stage request (signed when it has a device key), or `{ error }`. */
  async answer(request: SecAggRequest): Promise<unknown> {
    try {
      const answer = (await this.respond(request)) as Record<string, unknown>;
      if (!this.identity || request.stage === 'advertise') return answer; // the advertisement is signed already
      const bytes = secAggAnswerBytes(this.runId, this.round, request.stage, this.clientId, answer);
      return { ...answer, signature: b64(signMessage(bytes, this.identity.signing.secretKey)) };
    } catch (error) {
      return { error: (error as Error).message.slice(0, 1000) };
    }
  }

  dispose(): void {
    this.rejectUpdate(new Error('the round is over'));
    this.core.dispose();
  }

  private async respond(request: SecAggRequest): Promise<unknown> {
    switch (request.stage) {
      case 'advertise': {
        const a = this.core.advertise();
        return { encryptionKey: b64(a.encryptionKey), maskingKey: b64(a.maskingKey), signature: b64(a.signature) };
      }
      case 'share-keys': {
        const keys = new Map(request.neighbours.map((n) => [n.clientId, n.signingKey]));
        const adverts: SecAggAdvertisement[] = request.neighbours.map((n) => ({
          clientId: n.clientId,
          encryptionKey: bytes(n.encryptionKey),
          maskingKey: bytes(n.maskingKey),
          signature: bytes(n.signature),
        }));
        // A neighbour's advertisement is checked against the device key the coordinator vouches for, when there is one.
        const verify = (clientId: string, message: Uint8Array, signature: Uint8Array) => {
          const key = keys.get(clientId);
          return key === undefined || new SignatureVerifier(bytes(key)).verify(message, signature);
        };
        return { shares: await this.core.shareKeys(adverts, verify) };
      }
      case 'masked-input': {
        const update = await this.update;
        const shares = request.shares as EncryptedShare[];
        const masked = this.encoding
          ? this.core.maskedInputEncoded(
              encodeDistributedDp(update, this.encoding.plan, this.encoding.rotationSeed),
              shares,
              request.survivors,
            )
          : this.core.maskedInput(update, shares, request.survivors);
        return { masked: littleEndian(masked) };
      }
      case 'unmask': {
        // Sealed to the coordinator: a proxy that terminates TLS and rewrites the requests must not read the shares.
        if (!this.coordinatorKey) throw new Error('the coordinator presented no key to seal the revealed shares to');
        const { selfMaskShares, maskingKeyShares } = this.core.unmask({ dropped: request.dropped, survived: request.survived });
        const plaintext = new TextEncoder().encode(canonicalJson({ selfMaskShares, maskingKeyShares }));
        const sealed = sealPayload(plaintext, bytes(this.coordinatorKey), unmaskAssociatedData(this.runId, this.round, this.clientId));
        plaintext.fill(0);
        return { sealed: { ephemeralKey: b64(sealed.ephemeralKey), nonce: b64(sealed.nonce) }, ciphertext: sealed.ciphertext };
      }
      default:
        throw new Error(`unknown secure aggregation stage (expected one of ${SECAGG_STAGES.join(', ')})`);
    }
  }
}

function littleEndian(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, words[i]!, true);
  return out;
}
