/**
 * The coordinator's side of one round of secure aggregation (Bonawitz et al. 2017, §4, over the
 * neighbourhood graph of Bell et al. 2020): it routes keys and boxed shares it cannot read, sums the
 * masked inputs, and removes the masks from ≥ t shares per secret — the self-mask seed b_u of every
 * client u that sent a masked input (U3), the masking key s_v of every client v that shared keys but sent
 * no masked input (U2 \ U3), with which it recomputes v's pairwise masks with its neighbours in U3.
 *
 * Failures are data: a malformed message, a repeated key or a share list that does not cover the
 * client's neighbours removes that client from the round (see `rejected`), as does having fewer than t
 * neighbours left in the next stage (its input then cannot be unmasked, so it is treated as dropped).
 * Only misuse (stages out of order, a graph that is not symmetric) throws.
 *
 * Not guaranteed: the sum is wrong, undetectably, if a client lies about a self-mask share it holds
 * (Shamir shares carry no integrity; masking keys are checked against their advertised public keys).
 * This class learns nothing from the protocol but the sum — that is its contract with the clients, not
 * something it can prove about itself.
 */
import { PrivacyError } from '../errors';
import { pairwiseMaskKey, privateKeyObject, publicKeyOf } from './keys';
import { advertisementBytes, advertisementProblem, hex, requireRound, requireString } from './messages';
import type { AdvertisementVerifier, EncryptedShare, SecAggAdvertisement, UnmaskRequest, UnmaskResponse } from './messages';
import { checkNoWrap, type SecAggParams, validateSecAggParams } from './params';
import { addInto, addMask } from './prg';
import { combineShares, SHARE_BYTES } from './shares';

export interface SecAggServerOptions {
  runId: string;
  /** The round number, an integer ≥ 0. */
  round: number;
  params: SecAggParams;
  /** The neighbourhood graph, e.g. from `neighbourGraph`: symmetric, every client with between t and k neighbours. */
  graph: Map<string, string[]>;
}

type Stage = 'advertising' | 'sharing' | 'masking' | 'unmasking' | 'reconstructing' | 'done';

const MAX_SHARE_CIPHERTEXT = 4096;

export class SecAggServer {
  readonly runId: string;
  readonly round: number;
  readonly params: SecAggParams;
  private readonly graph = new Map<string, readonly string[]>();
  private stage: Stage = 'advertising';
  private readonly adverts = new Map<string, SecAggAdvertisement>(); // U1
  private readonly sharedKeys = new Set<string>(); // U2
  private readonly sentInput = new Set<string>(); // U3
  private readonly rejections = new Map<string, string>();
  private sum: Uint32Array | undefined;

  constructor(options: SecAggServerOptions) {
    if (typeof options !== 'object' || options === null)
      throw new PrivacyError('INVALID_ARGUMENT', 'options must be a SecAggServerOptions object.');
    this.runId = requireString('runId', options.runId);
    this.round = requireRound(options.round);
    validateSecAggParams(options.params);
    this.params = { ...options.params };
    const { graph } = options;
    if (!(graph instanceof Map)) throw new PrivacyError('INVALID_ARGUMENT', 'graph must be a Map from client id to neighbour ids.');
    const { neighbours: k, threshold: t } = this.params;
    for (const [id, list] of graph) {
      if (typeof id !== 'string' || id.length === 0 || !Array.isArray(list))
        throw new PrivacyError('INVALID_ARGUMENT', 'graph must map non-empty client ids to arrays of neighbour ids.');
      const unique = new Set(list);
      if (unique.size !== list.length || unique.has(id) || list.length < t || list.length > k)
        throw new PrivacyError(
          'INVALID_ARGUMENT',
          `graph: ${id} must have between t = ${t} and k = ${k} distinct neighbours other than itself; it has ${list.length}.`,
        );
      for (const other of list)
        if (!graph.get(other)?.includes(id))
          throw new PrivacyError('INVALID_ARGUMENT', `graph is not symmetric: ${id} lists ${String(other)}, which does not list it.`);
      this.graph.set(id, list.slice().sort());
    }
    checkNoWrap(this.params, graph.size);
  }

  /**
   * Records advertisements (keeps those of clients in the graph; duplicate keys across clients are rejected) → for each client,
   * the adverts of its neighbours that advertised. A client that advertises twice, or shares a key with another client (or uses
   * one key for both purposes), is rejected with every client it collides with; with `verify`, a bad signature is rejected too.
   */
  receiveAdvertisements(adverts: readonly SecAggAdvertisement[], verify?: AdvertisementVerifier): Map<string, SecAggAdvertisement[]> {
    this.expect('advertising', 'receiveAdvertisements');
    if (!Array.isArray(adverts)) throw new PrivacyError('INVALID_ARGUMENT', 'adverts must be an array.');
    const byClient = new Map<string, SecAggAdvertisement[]>();
    for (const advert of adverts) {
      const problem = advertisementProblem(advert);
      const id = (advert as Partial<SecAggAdvertisement> | null)?.clientId;
      if (typeof id !== 'string' || !this.graph.has(id)) continue;
      if (problem !== null) {
        this.reject(id, `malformed advertisement: ${problem}`);
        continue;
      }
      byClient.set(id, [...(byClient.get(id) ?? []), advert]);
    }
    const owners = new Map<string, Set<string>>();
    for (const [id, list] of byClient) {
      if (list.length > 1) {
        this.reject(id, 'advertised more than once');
        continue;
      }
      const advert = list[0] as SecAggAdvertisement;
      if (verify !== undefined) {
        const bytes = advertisementBytes(this.runId, this.round, id, advert.encryptionKey, advert.maskingKey);
        let valid = false;
        try {
          valid = verify(id, bytes, advert.signature) === true;
        } catch {
          valid = false;
        }
        if (!valid) {
          this.reject(id, 'bad advertisement signature');
          continue;
        }
      }
      for (const key of [hex(advert.encryptionKey), hex(advert.maskingKey)]) owners.set(key, new Set([...(owners.get(key) ?? []), id]));
      this.adverts.set(id, {
        clientId: id,
        encryptionKey: advert.encryptionKey.slice(),
        maskingKey: advert.maskingKey.slice(),
        signature: advert.signature.slice(),
      });
    }
    for (const [id, advert] of this.adverts) {
      const collides =
        hex(advert.encryptionKey) === hex(advert.maskingKey) ||
        (owners.get(hex(advert.encryptionKey))?.size ?? 0) > 1 ||
        (owners.get(hex(advert.maskingKey))?.size ?? 0) > 1;
      if (collides) this.reject(id, 'advertised a key that is not its own alone');
    }
    for (const id of this.rejections.keys()) this.adverts.delete(id);
    this.stage = 'sharing';
    const out = new Map<string, SecAggAdvertisement[]>();
    for (const id of this.adverts.keys())
      out.set(
        id,
        this.neighboursIn(id, this.adverts).map((other) => this.adverts.get(other) as SecAggAdvertisement),
      );
    return out;
  }

  /**
   * Routes shares: input = each client's EncryptedShare list; output = for each client in U2, the shares addressed to it by
   * clients in U2. Records U2 = clients whose shares arrived, one for each neighbour that advertised, and that keep at least
   * t neighbours in U2.
   */
  routeShares(sharesByClient: Map<string, readonly EncryptedShare[]>): Map<string, EncryptedShare[]> {
    this.expect('sharing', 'routeShares');
    if (!(sharesByClient instanceof Map))
      throw new PrivacyError('INVALID_ARGUMENT', 'sharesByClient must be a Map from client id to its shares.');
    const candidates = new Map<string, readonly EncryptedShare[]>();
    for (const [id, shares] of sharesByClient) {
      if (!this.adverts.has(id)) continue;
      const problem = this.shareListProblem(id, shares);
      if (problem === null) candidates.set(id, shares);
      else this.reject(id, problem);
    }
    this.prune(candidates, 'share-keys');
    for (const id of candidates.keys()) this.sharedKeys.add(id);
    const out = new Map<string, EncryptedShare[]>();
    for (const id of candidates.keys()) out.set(id, []);
    for (const [from, shares] of candidates)
      for (const share of shares) out.get(share.to)?.push({ from, to: share.to, ciphertext: share.ciphertext.slice() });
    for (const list of out.values()) list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    this.stage = 'masking';
    return out;
  }

  /** For each client in U2, its neighbours in U2 (the `survivors` argument of maskedInput). */
  survivorsFor(clientId: string): string[] {
    if (this.stage === 'advertising' || this.stage === 'sharing') this.expect('masking', 'survivorsFor');
    if (!this.sharedKeys.has(clientId)) throw new PrivacyError('INVALID_ARGUMENT', `${String(clientId)} did not complete share-keys.`);
    return this.neighboursIn(clientId, this.sharedKeys);
  }

  /**
   * Records masked inputs (U3 = clients in U2 that sent one of length m, every word below 2^b, and that keep at least t
   * neighbours in U3) → for each client in U3 the UnmaskRequest naming its neighbours dropped (U2 \ U3) and survived (U3).
   */
  receiveMaskedInputs(masked: Map<string, Uint32Array>): Map<string, UnmaskRequest> {
    this.expect('masking', 'receiveMaskedInputs');
    if (!(masked instanceof Map)) throw new PrivacyError('INVALID_ARGUMENT', 'masked must be a Map from client id to its masked input.');
    const { modelLength, bits } = this.params;
    const candidates = new Map<string, Uint32Array>();
    for (const [id, vector] of masked) {
      if (!this.sharedKeys.has(id)) continue;
      if (!(vector instanceof Uint32Array) || vector.length !== modelLength)
        this.reject(id, `masked input is not a Uint32Array of length ${modelLength}`);
      else if (bits < 32 && vector.some((word) => word >= 2 ** bits)) this.reject(id, `masked input has a word not below 2^${bits}`);
      else candidates.set(id, vector);
    }
    this.prune(candidates, 'the masked-input stage');
    const sum = new Uint32Array(modelLength);
    for (const [id, vector] of candidates) {
      this.sentInput.add(id);
      addInto(sum, vector, bits);
    }
    this.sum = sum;
    const requests = new Map<string, UnmaskRequest>();
    for (const id of this.sentInput) {
      const neighbours = this.neighboursIn(id, this.sharedKeys);
      requests.set(id, {
        dropped: neighbours.filter((other) => !this.sentInput.has(other)),
        survived: neighbours.filter((other) => this.sentInput.has(other)),
      });
    }
    this.stage = 'unmasking';
    return requests;
  }

  /**
   * Reconstructs from ≥ threshold responses per needed secret (self-mask seeds of U3, masking keys of dropped clients) and returns
   * Σ_{u∈U3} quantise(x_u) mod 2^b, exactly. Throws PrivacyError('INVALID_STATE') when some secret has fewer than `threshold` shares
   * (the round must fail; nothing about any single client is revealed by the failure, and nothing is reconstructed), or when a
   * reconstructed masking key does not match its advertised public key. After a failure it may be called again with more
   * responses; after a success, never.
   */
  async unmask(responses: readonly UnmaskResponse[]): Promise<Uint32Array> {
    this.expect('unmasking', 'unmask');
    if (!Array.isArray(responses)) throw new PrivacyError('INVALID_ARGUMENT', 'responses must be an array.');
    const { threshold: t, bits } = this.params;
    if (this.sentInput.size === 0)
      throw new PrivacyError('INVALID_STATE', 'cannot unmask: no client’s masked input survived; the round fails.');
    const dropped = [...this.sharedKeys].filter((id) => !this.sentInput.has(id) && this.neighboursIn(id, this.sentInput).length > 0);
    const selfMaskShares = new Map<string, Map<number, Uint8Array>>([...this.sentInput].map((id) => [id, new Map()]));
    const maskingKeyShares = new Map<string, Map<number, Uint8Array>>(dropped.map((id) => [id, new Map()]));
    const answered = new Set<string>();
    for (const response of responses) {
      const responder = (response as Partial<UnmaskResponse> | null)?.clientId;
      if (typeof responder !== 'string' || !this.sentInput.has(responder) || answered.has(responder)) continue;
      answered.add(responder);
      const neighbours = new Set(this.graph.get(responder));
      collect(response.selfMaskShares, selfMaskShares, neighbours);
      collect(response.maskingKeyShares, maskingKeyShares, neighbours);
    }
    const short = [
      ...[...selfMaskShares].filter(([, shares]) => shares.size < t).map(([id]) => `the self-mask seed of ${id}`),
      ...[...maskingKeyShares].filter(([, shares]) => shares.size < t).map(([id]) => `the masking key of ${id}`),
    ];
    if (short.length > 0) {
      wipe(selfMaskShares, maskingKeyShares);
      throw new PrivacyError(
        'INVALID_STATE',
        `cannot unmask: ${short.length} secret(s) have fewer than t = ${t} shares (${short.slice(0, 5).join('; ')}${short.length > 5 ? '; …' : ''}); the round fails.`,
      );
    }

    this.stage = 'reconstructing';
    const total = (this.sum as Uint32Array).slice();
    try {
      for (const shares of selfMaskShares.values()) {
        const seed = await combineShares([...shares.values()].slice(0, t));
        addMask(total, seed, -1, bits);
        seed.fill(0);
      }
      for (const [id, shares] of maskingKeyShares) {
        const secret = await combineShares([...shares.values()].slice(0, t));
        const privateKey = privateKeyObject(secret);
        secret.fill(0);
        if (hex(publicKeyOf(privateKey)) !== hex((this.adverts.get(id) as SecAggAdvertisement).maskingKey))
          throw new PrivacyError(
            'INVALID_STATE',
            `the shares of ${id}'s masking key do not reconstruct its advertised key: a neighbour sent a wrong share.`,
          );
        for (const other of this.neighboursIn(id, this.sentInput)) {
          const otherKey = (this.adverts.get(other) as SecAggAdvertisement).maskingKey;
          const pairKey = pairwiseMaskKey(privateKey, otherKey, this.runId, this.round, id, other);
          // `other` added +PRG(s) when id > other, −PRG(s) otherwise: take it back out.
          addMask(total, pairKey, id > other ? -1 : 1, bits);
          pairKey.fill(0);
        }
      }
    } catch (error) {
      total.fill(0);
      this.stage = 'unmasking';
      throw error;
    } finally {
      wipe(selfMaskShares, maskingKeyShares);
    }
    this.sum?.fill(0);
    this.sum = undefined;
    this.stage = 'done';
    return total;
  }

  /** The clients whose inputs the sum contains (U3), sorted. */
  get contributors(): string[] {
    return [...this.sentInput].sort();
  }

  /** Clients removed from the round, with the reason (malformed or colliding messages, too few surviving neighbours). */
  get rejected(): ReadonlyMap<string, string> {
    return new Map(this.rejections);
  }

  private neighboursIn(id: string, members: { has(id: string): boolean }): string[] {
    return (this.graph.get(id) ?? []).filter((other) => members.has(other));
  }

  /** Removes, until none is left, every candidate with fewer than t neighbours among the candidates. */
  private prune(candidates: Map<string, unknown>, stage: string): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const id of candidates.keys()) {
        if (this.neighboursIn(id, candidates).length >= this.params.threshold) continue;
        candidates.delete(id);
        this.reject(id, `fewer than t = ${this.params.threshold} of its neighbours completed ${stage}`);
        changed = true;
      }
    }
  }

  private shareListProblem(id: string, shares: unknown): string | null {
    if (!Array.isArray(shares)) return 'shares are not an array';
    const expected = new Set(this.neighboursIn(id, this.adverts));
    const seen = new Set<string>();
    for (const share of shares as Partial<EncryptedShare>[]) {
      if (typeof share !== 'object' || share === null) return 'a share is not an object';
      if (share.from !== id) return `a share claims to come from ${String(share.from)}`;
      if (typeof share.to !== 'string' || !expected.has(share.to))
        return `a share is addressed to ${String(share.to)}, not a neighbour that advertised`;
      if (seen.has(share.to)) return `two shares are addressed to ${share.to}`;
      if (!(share.ciphertext instanceof Uint8Array) || share.ciphertext.length > MAX_SHARE_CIPHERTEXT)
        return `the share to ${share.to} is not a ciphertext`;
      seen.add(share.to);
    }
    return seen.size === expected.size ? null : `shares reached ${seen.size} of its ${expected.size} neighbours that advertised`;
  }

  private reject(id: string, reason: string): void {
    if (!this.rejections.has(id)) this.rejections.set(id, reason);
  }

  private expect(stage: Stage, method: string): void {
    if (this.stage === stage) return;
    const why =
      this.stage === 'done'
        ? 'the round is already unmasked'
        : this.stage === 'reconstructing'
          ? 'an unmask() is in progress'
          : `the server is at the ${this.stage} stage, not ${stage}`;
    throw new PrivacyError('INVALID_STATE', `${method}() is out of order: ${why}.`);
  }
}

/** Adds the well-formed shares of `record` for the secrets in `into` held by a neighbour, one per x-coordinate. */
function collect(record: unknown, into: Map<string, Map<number, Uint8Array>>, neighbours: Set<string>): void {
  if (typeof record !== 'object' || record === null) return;
  for (const [id, share] of Object.entries(record)) {
    const shares = into.get(id);
    if (shares === undefined || !neighbours.has(id) || !(share instanceof Uint8Array) || share.length !== SHARE_BYTES) continue;
    const x = share[SHARE_BYTES - 1] as number;
    if (x !== 0 && !shares.has(x)) shares.set(x, share.slice());
  }
}

function wipe(...maps: Map<string, Map<number, Uint8Array>>[]): void {
  for (const map of maps) for (const shares of map.values()) for (const share of shares.values()) share.fill(0);
}
