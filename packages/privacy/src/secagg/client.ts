/**
 * The client side of one round of secure aggregation (Bonawitz et al. 2017, §4, with the neighbourhoods of
 * Bell et al. 2020): advertise two fresh X25519 keys, share the self-mask seed b and the masking secret key
 * with the neighbours (t-of-k Shamir, each pair of shares boxed to its recipient), send the quantised update
 * masked by PRG(b) and by ± PRG(s_uv) for every surviving neighbour v, then reveal, for each neighbour,
 * either its self-mask share (it survived) or its masking-key share (it dropped) — never both.
 *
 * Stages run once each, in order; a call out of order, or after `dispose()`, throws INVALID_STATE. Secrets
 * are zeroed as soon as they are no longer needed: the secret keys after share-keys, b and the pair keys
 * after the masked input, the held shares at `dispose()`.
 *
 * Guaranteed against an honest-but-curious coordinator colluding with fewer than t of this client's
 * neighbours: the coordinator learns this client's update only inside the sum. Not guaranteed: anything
 * against a coordinator that lies about who dropped out to different neighbours (the consistency-check
 * round of Bonawitz et al.'s malicious model is not implemented — the never-both rule here stops only the
 * attack that asks one client for both shares of a neighbour), or that chooses this client's neighbours
 * (the client trusts the neighbour list it is given, checking only signatures when `verify` is passed).
 */
import { randomFillSync } from 'node:crypto';
import { PrivacyError } from '../errors';
import { signMessage } from '../identity/signatures';
import { boxBefore, freshKeyPair, type KeyPair, pairwiseMaskKey } from './keys';
import {
  type AdvertisementVerifier,
  advertisementBytes,
  advertisementProblem,
  type EncryptedShare,
  hex,
  requireRound,
  requireString,
  type SecAggAdvertisement,
  type UnmaskRequest,
  type UnmaskResponse,
} from './messages';
import { type SecAggParams, validateSecAggParams } from './params';
import { addMask } from './prg';
import { quantise } from './quantise';
import { openShares, type SharePair, sealShares, splitSecret } from './shares';

export interface SecAggClientOptions {
  runId: string;
  /** The round number, an integer ≥ 0; bound into every signature, share and pair key. */
  round: number;
  clientId: string;
  params: SecAggParams;
  /** The device's 64-byte ed25519 key (tweetnacl) to sign the advertisement; omit in tests (the signature is then empty). */
  signingSecretKey?: Uint8Array;
}

type Stage = 'new' | 'advertised' | 'sharing' | 'shared' | 'masked' | 'disposed';

interface Neighbour {
  /** nacl.box.before of the two encryption keys: opens this neighbour's shares. */
  boxKey: Uint8Array;
  /** s_uv, the key of the pairwise mask. */
  pairKey: Uint8Array;
}

const LABEL = { selfMask: 'self-mask', maskingKey: 'masking-key' } as const;

const NEXT: Record<Stage, string> = {
  new: 'advertise()',
  advertised: 'shareKeys()',
  sharing: 'nothing until shareKeys() settles',
  shared: 'maskedInput() or maskedInputEncoded()',
  masked: 'unmask()',
  disposed: 'nothing',
};

export class SecAggClient {
  readonly runId: string;
  readonly round: number;
  readonly clientId: string;
  readonly params: SecAggParams;
  private stage: Stage = 'new';
  private signingSecretKey: Uint8Array | undefined;
  private encryption: KeyPair | undefined;
  private masking: KeyPair | undefined;
  private advertisement: SecAggAdvertisement | undefined;
  private selfMaskSeed: Uint8Array | undefined;
  private readonly neighbours = new Map<string, Neighbour>();
  private survivors = new Set<string>();
  private readonly held = new Map<string, SharePair>();
  private readonly revealed = new Map<string, 'selfMask' | 'maskingKey'>();

  /** `signingSecretKey`: the device's 64-byte ed25519 key (tweetnacl) to sign the advertisement; omit in tests. */
  constructor(options: SecAggClientOptions) {
    if (typeof options !== 'object' || options === null)
      throw new PrivacyError('INVALID_ARGUMENT', 'options must be a SecAggClientOptions object.');
    this.runId = requireString('runId', options.runId);
    this.round = requireRound(options.round);
    this.clientId = requireString('clientId', options.clientId);
    validateSecAggParams(options.params);
    this.params = { ...options.params };
    const key = options.signingSecretKey;
    if (key !== undefined && (!(key instanceof Uint8Array) || key.length !== 64))
      throw new PrivacyError('INVALID_ARGUMENT', 'bad signingSecretKey size: expected 64 bytes.');
    this.signingSecretKey = key;
  }

  /** This round's two public keys, signed when the client has an identity. Calling it again returns the same advertisement. */
  advertise(): SecAggAdvertisement {
    if (this.stage === 'disposed') this.fail('advertise');
    if (this.advertisement === undefined) {
      this.encryption = freshKeyPair();
      this.masking = freshKeyPair();
      const { publicKey: encryptionKey } = this.encryption;
      const { publicKey: maskingKey } = this.masking;
      const bytes = advertisementBytes(this.runId, this.round, this.clientId, encryptionKey, maskingKey);
      const signature = this.signingSecretKey === undefined ? new Uint8Array(0) : signMessage(bytes, this.signingSecretKey);
      this.signingSecretKey = undefined; // the caller's key: dropped, not zeroed
      this.advertisement = { clientId: this.clientId, encryptionKey, maskingKey, signature };
      this.stage = 'advertised';
    }
    const { encryptionKey, maskingKey, signature } = this.advertisement;
    return { clientId: this.clientId, encryptionKey: encryptionKey.slice(), maskingKey: maskingKey.slice(), signature: signature.slice() };
  }

  /**
   * Given the advertisements of this client's neighbours (and `verify(clientId, bytes, signature)` to check each), draws the
   * self-mask seed b (32 bytes, CSPRNG), splits b and its masking secret key into `neighbours` Shamir shares with `threshold`,
   * and returns one EncryptedShare per neighbour (sorted by recipient). Throws PrivacyError('PROTOCOL_VIOLATION') on a bad or
   * missing neighbour advertisement, a duplicated key, fewer neighbours than `threshold` or more than `neighbours`.
   */
  async shareKeys(neighbourAdverts: readonly SecAggAdvertisement[], verify?: AdvertisementVerifier): Promise<EncryptedShare[]> {
    if (this.stage !== 'advertised') this.fail('shareKeys');
    if (!Array.isArray(neighbourAdverts)) throw new PrivacyError('INVALID_ARGUMENT', 'neighbourAdverts must be an array.');
    if (verify !== undefined && typeof verify !== 'function') throw new PrivacyError('INVALID_ARGUMENT', 'verify must be a function.');
    const { neighbours: k, threshold: t } = this.params;
    const adverts = this.checkAdverts(neighbourAdverts, verify);
    if (adverts.length < t)
      throw new PrivacyError('PROTOCOL_VIOLATION', `only ${adverts.length} neighbours advertised keys, fewer than the threshold ${t}.`);
    if (adverts.length > k)
      throw new PrivacyError(
        'PROTOCOL_VIOLATION',
        `${adverts.length} neighbour advertisements, more than the ${k} neighbours a client has.`,
      );

    const encryption = this.encryption as KeyPair;
    const masking = this.masking as KeyPair;
    const derived = new Map<string, Neighbour>();
    const selfMaskSeed = new Uint8Array(32);
    let selfMaskShares: Uint8Array[] = [];
    let maskingKeyShares: Uint8Array[] = [];
    this.stage = 'sharing';
    try {
      const encryptionKey = encryption.privateKey;
      const maskingKey = masking.privateKey;
      for (const advert of adverts) {
        const boxKey = boxBefore(encryptionKey, advert.encryptionKey, advert.clientId);
        let pairKey: Uint8Array;
        try {
          pairKey = pairwiseMaskKey(maskingKey, advert.maskingKey, this.runId, this.round, this.clientId, advert.clientId);
        } catch (error) {
          boxKey.fill(0);
          throw error;
        }
        derived.set(advert.clientId, { boxKey, pairKey });
      }
      randomFillSync(selfMaskSeed);
      selfMaskShares = await splitSecret(selfMaskSeed, k, t);
      maskingKeyShares = await splitSecret(masking.secretKey, k, t);
      if ((this.stage as Stage) === 'disposed') this.fail('shareKeys');
      const sealed = adverts.map((advert, i) =>
        sealShares(
          { selfMaskShare: selfMaskShares[i] as Uint8Array, maskingKeyShare: maskingKeyShares[i] as Uint8Array },
          { runId: this.runId, round: this.round, from: this.clientId, to: advert.clientId },
          (derived.get(advert.clientId) as Neighbour).boxKey,
        ),
      );
      for (const [id, neighbour] of derived) this.neighbours.set(id, neighbour);
      this.selfMaskSeed = selfMaskSeed;
      // The secret keys have done their work: the pair keys and box keys are derived, the shares sealed.
      encryption.secretKey.fill(0);
      masking.secretKey.fill(0);
      this.encryption = undefined; // and let node:crypto free its copies
      this.masking = undefined;
      this.stage = 'shared';
      return sealed;
    } catch (error) {
      for (const { boxKey, pairKey } of derived.values()) zero(boxKey, pairKey);
      selfMaskSeed.fill(0);
      if (this.stage === 'sharing') this.stage = 'advertised';
      throw error;
    } finally {
      zero(...selfMaskShares, ...maskingKeyShares);
    }
  }

  /**
   * The masked input: quantise(update) + PRG(b) + Σ_{neighbour v in `survivors`, v > self} PRG(s_uv) − Σ_{v < self} PRG(s_uv) mod 2^b,
   * where s_uv = HKDF-SHA256 of nacl.box.before (X25519+HSalsa20) of the two masking keys, salt/info binding (runId, round, sorted pair).
   * `received`: the shares neighbours sent it (decrypted and checked here: from/to must match, else throw); `survivors`: the
   * neighbours that completed share-keys (the coordinator's list; must be ≥ threshold, else throw). Ids compare as JavaScript
   * strings (UTF-16 code units), as `Array.prototype.sort` orders them.
   */
  maskedInput(update: Float32Array, received: readonly EncryptedShare[], survivors: readonly string[]): Uint32Array {
    if (this.stage !== 'shared') this.fail('maskedInput');
    const { modelLength } = this.params;
    if (!(update instanceof Float32Array) || update.length !== modelLength)
      throw new PrivacyError('INVALID_ARGUMENT', `update must be a Float32Array of length modelLength = ${modelLength}.`);
    return this.mask(received, survivors, () => quantise(update, this.params));
  }

  /**
   * Like `maskedInput`, for a vector already encoded to integers mod 2^b (e.g. by `encodeDistributedDp`, whose
   * d = plan.paddedLength words make params.modelLength): length params.modelLength, every word < 2^bits, else
   * INVALID_ARGUMENT. It is masked exactly as `maskedInput` masks quantise(update), into a new array (`encoded`
   * is left as it is), with the same checks of `received` and `survivors` and the same zeroing of secrets.
   */
  maskedInputEncoded(encoded: Uint32Array, received: readonly EncryptedShare[], survivors: readonly string[]): Uint32Array {
    if (this.stage !== 'shared') this.fail('maskedInputEncoded');
    const { modelLength, bits } = this.params;
    if (!(encoded instanceof Uint32Array) || encoded.length !== modelLength)
      throw new PrivacyError('INVALID_ARGUMENT', `encoded must be a Uint32Array of length modelLength = ${modelLength}.`);
    if (bits < 32) {
      const modulus = 2 ** bits;
      for (let i = 0; i < encoded.length; i++)
        if ((encoded[i] as number) >= modulus)
          throw new PrivacyError('INVALID_ARGUMENT', `encoded[${i}] = ${encoded[i]} is not below 2^${bits}.`);
    }
    return this.mask(received, survivors, () => encoded.slice());
  }

  /** The shared body of the masked-input stage: checks survivors, opens the received shares, masks `input()` in place. */
  private mask(received: readonly EncryptedShare[], survivors: readonly string[], input: () => Uint32Array): Uint32Array {
    const { threshold, bits } = this.params;
    if (!Array.isArray(survivors) || !Array.isArray(received))
      throw new PrivacyError('INVALID_ARGUMENT', 'received and survivors must be arrays.');
    const survivorSet = new Set<string>();
    for (const id of survivors) {
      if (typeof id !== 'string' || !this.neighbours.has(id))
        throw new PrivacyError('PROTOCOL_VIOLATION', `survivor ${String(id)} is not a neighbour that advertised keys to this client.`);
      if (survivorSet.has(id)) throw new PrivacyError('PROTOCOL_VIOLATION', `survivor ${id} is listed twice.`);
      survivorSet.add(id);
    }
    if (survivorSet.size < threshold)
      throw new PrivacyError(
        'PROTOCOL_VIOLATION',
        `only ${survivorSet.size} neighbours survived share-keys, fewer than the threshold ${threshold}.`,
      );

    const masked = input();
    const opened = new Map<string, SharePair>();
    try {
      for (const share of received) {
        const from = (share as Partial<EncryptedShare> | null)?.from;
        const neighbour = typeof from === 'string' ? this.neighbours.get(from) : undefined;
        if (neighbour === undefined || from === undefined)
          throw new PrivacyError('PROTOCOL_VIOLATION', `a share came from ${String(from)}, not a neighbour of this client.`);
        if (share.to !== this.clientId)
          throw new PrivacyError('PROTOCOL_VIOLATION', `the share from ${from} is addressed to ${String(share.to)}.`);
        if (opened.has(from)) throw new PrivacyError('PROTOCOL_VIOLATION', `two shares came from ${from}.`);
        opened.set(from, openShares(share, { runId: this.runId, round: this.round, from, to: this.clientId }, neighbour.boxKey));
      }
    } catch (error) {
      for (const pair of opened.values()) zero(pair.selfMaskShare, pair.maskingKeyShare);
      masked.fill(0);
      throw error;
    }

    addMask(masked, this.selfMaskSeed as Uint8Array, 1, bits);
    for (const id of survivorSet) addMask(masked, (this.neighbours.get(id) as Neighbour).pairKey, id > this.clientId ? 1 : -1, bits);

    for (const [id, pair] of opened) this.held.set(id, pair);
    this.survivors = survivorSet;
    this.selfMaskSeed?.fill(0);
    this.selfMaskSeed = undefined;
    for (const { boxKey, pairKey } of this.neighbours.values()) zero(boxKey, pairKey);
    this.stage = 'masked';
    return masked;
  }

  /**
   * Reveals, for each neighbour in `survived`, its self-mask share, and for each in `dropped`, its masking-key share — never both
   * for the same neighbour over the whole round (state kept across calls): a request naming a neighbour in both lists, or asking
   * for the other kind of share later, or fewer than `threshold` survivors, or naming a client that was not among the
   * `survivors` of the masked input, throws PrivacyError (code 'PROTOCOL_VIOLATION'), revealing nothing. Neighbours it never
   * received a share from are skipped.
   */
  unmask(request: UnmaskRequest): UnmaskResponse {
    if (this.stage !== 'masked') this.fail('unmask');
    const { dropped, survived } = (request ?? {}) as Partial<UnmaskRequest>;
    if (!Array.isArray(dropped) || !Array.isArray(survived))
      throw new PrivacyError('PROTOCOL_VIOLATION', 'an unmask request must list dropped and survived neighbours.');
    const kinds = new Map<string, 'selfMask' | 'maskingKey'>();
    for (const [ids, kind] of [
      [survived, 'selfMask'],
      [dropped, 'maskingKey'],
    ] as const) {
      for (const id of ids) {
        if (typeof id !== 'string' || !this.survivors.has(id))
          throw new PrivacyError('PROTOCOL_VIOLATION', `the unmask request names ${String(id)}, not a neighbour that survived share-keys.`);
        if (kinds.has(id))
          throw new PrivacyError('PROTOCOL_VIOLATION', `the unmask request names ${id} twice (as dropped and survived, or repeated).`);
        const before = this.revealed.get(id);
        if (before !== undefined && before !== kind)
          throw new PrivacyError(
            'PROTOCOL_VIOLATION',
            `the unmask request asks for the ${LABEL[kind]} share of ${id}, whose ${LABEL[before]} share was already revealed.`,
          );
        kinds.set(id, kind);
      }
    }
    if (survived.length < this.params.threshold)
      throw new PrivacyError(
        'PROTOCOL_VIOLATION',
        `the unmask request names ${survived.length} survivors, fewer than the threshold ${this.params.threshold}.`,
      );

    const response: UnmaskResponse = {
      clientId: this.clientId,
      selfMaskShares: Object.create(null),
      maskingKeyShares: Object.create(null),
    };
    for (const [id, kind] of kinds) {
      this.revealed.set(id, kind);
      const pair = this.held.get(id);
      if (pair === undefined) continue;
      if (kind === 'selfMask') response.selfMaskShares[id] = pair.selfMaskShare.slice();
      else response.maskingKeyShares[id] = pair.maskingKeyShare.slice();
    }
    return response;
  }

  /** Zeroes every secret held; every later call throws INVALID_STATE. */
  dispose(): void {
    zero(this.encryption?.secretKey, this.masking?.secretKey, this.selfMaskSeed);
    for (const { boxKey, pairKey } of this.neighbours.values()) zero(boxKey, pairKey);
    for (const { selfMaskShare, maskingKeyShare } of this.held.values()) zero(selfMaskShare, maskingKeyShare);
    this.neighbours.clear();
    this.held.clear();
    this.selfMaskSeed = undefined;
    this.signingSecretKey = undefined;
    this.stage = 'disposed';
  }

  /** The advertisements this client accepts, sorted by id; throws PROTOCOL_VIOLATION on the first bad one. */
  private checkAdverts(adverts: readonly SecAggAdvertisement[], verify: AdvertisementVerifier | undefined): SecAggAdvertisement[] {
    const own = this.advertisement as SecAggAdvertisement;
    const keys = new Set([hex(own.encryptionKey), hex(own.maskingKey)]);
    const ids = new Set<string>();
    for (const [i, advert] of adverts.entries()) {
      const problem = advertisementProblem(advert);
      if (problem !== null) throw new PrivacyError('PROTOCOL_VIOLATION', `neighbour advertisement ${i}: ${problem}.`);
      const { clientId, encryptionKey, maskingKey, signature } = advert;
      if (clientId === this.clientId)
        throw new PrivacyError('PROTOCOL_VIOLATION', 'a neighbour advertisement carries this client’s own id.');
      if (ids.has(clientId)) throw new PrivacyError('PROTOCOL_VIOLATION', `two advertisements claim to be ${clientId}.`);
      ids.add(clientId);
      for (const key of [encryptionKey, maskingKey]) {
        const text = hex(key);
        if (keys.has(text))
          throw new PrivacyError('PROTOCOL_VIOLATION', `the advertisement of ${clientId} repeats a key already advertised.`);
        keys.add(text);
      }
      if (verify !== undefined) {
        let valid = false;
        try {
          valid = verify(clientId, advertisementBytes(this.runId, this.round, clientId, encryptionKey, maskingKey), signature) === true;
        } catch (error) {
          throw new PrivacyError('PROTOCOL_VIOLATION', `the advertisement of ${clientId} could not be verified.`, { cause: error });
        }
        if (!valid) throw new PrivacyError('PROTOCOL_VIOLATION', `the advertisement of ${clientId} has a bad signature.`);
      }
    }
    return adverts.slice().sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  }

  private fail(method: string): never {
    const detail = this.stage === 'disposed' ? 'the client was disposed' : `the client expects ${NEXT[this.stage]} next`;
    throw new PrivacyError('INVALID_STATE', `${method}() is out of order: ${detail}.`);
  }
}

function zero(...arrays: (Uint8Array | undefined)[]): void {
  for (const array of arrays) array?.fill(0);
}
