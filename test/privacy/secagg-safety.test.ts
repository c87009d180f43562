/**
 * What secure aggregation withholds from the coordinator: a client refuses a coordinator double that asks
 * for both shares of one neighbour (in one request or across two), and reveals nothing when it refuses;
 * a masked vector is uniform mod 2^b even for an all-zero update (chi-square on its low and high bytes,
 * with the unmasked vector as the negative control); tampered shares and badly signed advertisements are
 * rejected, and the share boxes are tweetnacl's `nacl.box` bit for bit.
 */
import { describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { normalCdf } from '@cohort/privacy/accounting/analysis';
import { generateDeviceIdentity, SignatureVerifier } from '@cohort/privacy/identity';
import {
  advertisementBytes,
  neighbourGraph,
  planSecAgg,
  quantise,
  SecAggClient,
  SecAggServer,
  type EncryptedShare,
  type SecAggAdvertisement,
  type SecAggParams,
} from '@cohort/privacy/secagg';

const RUN = 'run-s';
const ROUND = 9;

/** n clients through share-keys and masked input (the first `silent` send no masked input); returns the pieces. */
async function roundAtUnmask(n: number, modelLength: number, updateOf: (id: string) => Float32Array, silent = 0) {
  const ids = Array.from({ length: n }, (_, i) => `c${String(i).padStart(2, '0')}`);
  const params = planSecAgg({ clients: n, clipNorm: 1, modelLength, fullGraph: true });
  const server = new SecAggServer({ runId: RUN, round: ROUND, params, graph: neighbourGraph(ids, n - 1, new Uint8Array(32)) });
  const clients = new Map(ids.map((clientId) => [clientId, new SecAggClient({ runId: RUN, round: ROUND, clientId, params })]));
  const adverts = server.receiveAdvertisements([...clients.values()].map((c) => c.advertise()));
  const shares = new Map<string, EncryptedShare[]>();
  for (const [id, c] of clients) shares.set(id, await c.shareKeys(adverts.get(id) ?? []));
  const routed = server.routeShares(shares);
  const masked = new Map<string, Uint32Array>();
  for (const id of ids.slice(silent))
    masked.set(id, (clients.get(id) as SecAggClient).maskedInput(updateOf(id), routed.get(id) ?? [], server.survivorsFor(id)));
  const requests = server.receiveMaskedInputs(masked);
  return { ids, params, server, clients, masked, requests };
}

describe('a client never reveals both shares of one neighbour', () => {
  it('refuses a request naming a neighbour as both dropped and survived, revealing nothing', async () => {
    const { ids, clients } = await roundAtUnmask(6, 16, () => new Float32Array(16));
    const victim = clients.get('c00') as SecAggClient;
    const others = ids.filter((id) => id !== 'c00');
    expect(() => victim.unmask({ dropped: ['c01'], survived: others })).toThrow(expect.objectContaining({ code: 'PROTOCOL_VIOLATION' }));
    // The refusal recorded nothing: an honest request still works and reveals only self-mask shares.
    const response = victim.unmask({ dropped: [], survived: others });
    expect(Object.keys(response.selfMaskShares).sort()).toEqual(others);
    expect(Object.keys(response.maskingKeyShares)).toEqual([]);
  });

  it('refuses, across two calls, the other kind of share of the same neighbour', async () => {
    const { ids, clients } = await roundAtUnmask(6, 16, () => new Float32Array(16));
    const client = clients.get('c02') as SecAggClient;
    const first = client.unmask({ dropped: ['c05'], survived: ['c00', 'c01', 'c03', 'c04'] });
    expect(Object.keys(first.maskingKeyShares)).toEqual(['c05']);
    let second: unknown;
    expect(() => {
      second = client.unmask({ dropped: [], survived: ids.filter((id) => id !== 'c02') });
    }).toThrow(expect.objectContaining({ code: 'PROTOCOL_VIOLATION' }));
    expect(second).toBeUndefined();
    expect(() => client.unmask({ dropped: ['c00'], survived: ['c01', 'c03', 'c04'] })).toThrow(
      /masking-key share of c00, whose self-mask share was already revealed/,
    );
    // Asking again for the same kinds is allowed (a retransmitted request) and returns the same shares.
    const again = client.unmask({ dropped: ['c05'], survived: ['c00', 'c01', 'c03', 'c04'] });
    expect(again.maskingKeyShares['c05']).toEqual(first.maskingKeyShares['c05']);
  });

  it('refuses fewer than t survivors, unknown or repeated ids, and any call out of order', async () => {
    const { params, clients } = await roundAtUnmask(6, 16, () => new Float32Array(16));
    const client = clients.get('c03') as SecAggClient;
    const few = ['c00', 'c01', 'c02', 'c04', 'c05'].slice(0, params.threshold - 1);
    expect(() => client.unmask({ dropped: [], survived: few })).toThrow(expect.objectContaining({ code: 'PROTOCOL_VIOLATION' }));
    expect(() => client.unmask({ dropped: [], survived: ['c00', 'c01', 'c01'] })).toThrow(/twice/);
    expect(() => client.unmask({ dropped: ['stranger'], survived: ['c00', 'c01'] })).toThrow(/not a neighbour that survived/);
    expect(() => client.unmask({ dropped: [], survived: ['c03', 'c01'] })).toThrow(/not a neighbour that survived/);
    await expect(client.shareKeys([])).rejects.toMatchObject({ code: 'INVALID_STATE' });
    client.dispose();
    expect(() => client.unmask({ dropped: [], survived: ['c00', 'c01', 'c02'] })).toThrow(/disposed/);
  });
});

/** p-value of Pearson's chi-square for uniform counts, by the Wilson–Hilferty normal approximation (accurate for 255 dof). */
function chiSquareUniformP(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
  const dof = counts.length - 1;
  const z = ((chi2 / dof) ** (1 / 3) - (1 - 2 / (9 * dof))) / Math.sqrt(2 / (9 * dof));
  return 1 - normalCdf(z);
}

function byteCounts(words: Uint32Array, shift: number): number[] {
  const counts = new Array<number>(256).fill(0);
  for (const w of words) counts[(w >>> shift) & 0xff] = (counts[(w >>> shift) & 0xff] as number) + 1;
  return counts;
}

const P_REJECT = 1e-4; // fixed before looking at data: a uniform vector fails with probability 1e-4 per check

describe('the coordinator sees a uniform vector', () => {
  it('masks an all-zero update into words uniform mod 2^32 (chi-square on low and high bytes, m = 65 536); the unmasked vector fails', async () => {
    const m = 65_536;
    const { params, masked } = await roundAtUnmask(5, m, () => new Float32Array(m));
    const vector = masked.get('c00') as Uint32Array;
    expect(chiSquareUniformP(byteCounts(vector, 0))).toBeGreaterThan(P_REJECT);
    expect(chiSquareUniformP(byteCounts(vector, 24))).toBeGreaterThan(P_REJECT);
    // Negative control: the same update without masks is what a client that omitted them would send.
    const unmasked = quantise(new Float32Array(m), params);
    expect(chiSquareUniformP(byteCounts(unmasked, 0))).toBeLessThan(P_REJECT);
    // And a weak mask (a constant offset) would not pass either.
    expect(
      chiSquareUniformP(
        byteCounts(
          unmasked.map((w) => w + 0x1234567),
          0,
        ),
      ),
    ).toBeLessThan(P_REJECT);
  });
});

describe('tampering is rejected', () => {
  async function twoStagePair(params: SecAggParams) {
    const ids = ['a', 'b', 'c', 'd'];
    const clients = ids.map((clientId) => new SecAggClient({ runId: RUN, round: ROUND, clientId, params }));
    const adverts = clients.map((c) => c.advertise());
    const shares = await Promise.all(clients.map((c, i) => c.shareKeys(adverts.filter((_, j) => j !== i))));
    const to = (id: string) => shares.flat().filter((s) => s.to === id);
    return { clients, adverts, to };
  }
  const params: SecAggParams = { bits: 32, scale: 100, clipNorm: 1, modelLength: 8, neighbours: 3, threshold: 2 };

  it('rejects a share with a flipped ciphertext bit, re-addressed, or from a stranger', async () => {
    const { clients, to } = await twoStagePair(params);
    const received = to('a');
    const survivors = ['b', 'c', 'd'];
    const flipped = received.map((s, i) =>
      i === 1 ? { ...s, ciphertext: s.ciphertext.map((byte, j) => (j === 40 ? byte ^ 1 : byte)) } : s,
    );
    const client = clients[0] as SecAggClient;
    expect(() => client.maskedInput(new Float32Array(8), flipped, survivors)).toThrow(/failed authentication/);
    expect(() =>
      client.maskedInput(new Float32Array(8), [...received, { ...(received[0] as EncryptedShare), to: 'b' }], survivors),
    ).toThrow(/addressed to b/);
    expect(() => client.maskedInput(new Float32Array(8), [{ ...(received[0] as EncryptedShare), from: 'z' }], survivors)).toThrow(
      /not a neighbour/,
    );
    // A share from b relabelled as from c does not open under c's key.
    const relabelled = received.map((s) => (s.from === 'b' ? { ...s, from: 'c' } : s.from === 'c' ? { ...s, from: 'b' } : s));
    expect(() => client.maskedInput(new Float32Array(8), relabelled, survivors)).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_VIOLATION' }),
    );
    // Refusals leave the client usable: the genuine shares still go through.
    expect(client.maskedInput(new Float32Array(8), received, survivors)).toHaveLength(8);
  });

  it('boxes shares exactly as nacl.box does, to the recipient key it advertised', async () => {
    const client = new SecAggClient({ runId: RUN, round: ROUND, clientId: 'a', params });
    const own = client.advertise();
    const peers = ['b', 'c'].map((clientId) => ({ clientId, encryption: nacl.box.keyPair(), masking: nacl.box.keyPair() }));
    const shares = await client.shareKeys(
      peers.map((p) => ({
        clientId: p.clientId,
        encryptionKey: p.encryption.publicKey,
        maskingKey: p.masking.publicKey,
        signature: new Uint8Array(0),
      })),
    );
    for (const share of shares) {
      const peer = peers.find((p) => p.clientId === share.to) as (typeof peers)[number];
      const opened = nacl.box.open(
        share.ciphertext.subarray(24),
        share.ciphertext.subarray(0, 24),
        own.encryptionKey,
        peer.encryption.secretKey,
      );
      expect(opened).not.toBeNull();
      const text = Buffer.from(opened as Uint8Array).toString('latin1');
      expect(text).toContain(RUN);
      expect(text).toContain(`\u0000\u0000\u0000\u0001a\u0000\u0000\u0000\u0001${share.to}`); // from, to, length-prefixed
    }
  });

  it('rejects an advertisement with a bad signature, at the client and at the coordinator, and duplicated keys', async () => {
    const identities = ['a', 'b', 'c', 'd'].map((id) => generateDeviceIdentity(id));
    const verifiers = new Map(identities.map((d) => [d.id, new SignatureVerifier(d.signing.publicKey)]));
    const verify = (id: string, bytes: Uint8Array, signature: Uint8Array) => verifiers.get(id)?.verify(bytes, signature) ?? false;
    const clients = identities.map(
      (d) => new SecAggClient({ runId: RUN, round: ROUND, clientId: d.id, params, signingSecretKey: d.signing.secretKey }),
    );
    const adverts = clients.map((c) => c.advertise());
    const [a, b, c, d] = adverts as [SecAggAdvertisement, SecAggAdvertisement, SecAggAdvertisement, SecAggAdvertisement];
    expect(verify('b', advertisementBytes(RUN, ROUND, 'b', b.encryptionKey, b.maskingKey), b.signature)).toBe(true);

    const swappedKey = { ...b, maskingKey: nacl.box.keyPair().publicKey }; // a coordinator substituting its own key
    const badSignature = { ...c, signature: c.signature.map((byte, i) => (i === 0 ? byte ^ 1 : byte)) };
    const otherRound = {
      ...d,
      signature: nacl.sign.detached(
        advertisementBytes(RUN, ROUND + 1, 'd', d.encryptionKey, d.maskingKey),
        identities[3]!.signing.secretKey,
      ),
    };
    for (const bad of [swappedKey, badSignature, otherRound]) {
      const client = new SecAggClient({ runId: RUN, round: ROUND, clientId: 'a', params });
      client.advertise();
      const good = [b, c, d].filter((x) => x.clientId !== bad.clientId);
      await expect(client.shareKeys([...good, bad], verify)).rejects.toThrow(/bad signature/);
    }
    const fresh = () => {
      const client = new SecAggClient({ runId: RUN, round: ROUND, clientId: 'a', params });
      client.advertise();
      return client;
    };
    await expect(fresh().shareKeys([b, { ...c, encryptionKey: b.encryptionKey }])).rejects.toThrow(/repeats a key/);
    await expect(fresh().shareKeys([b])).rejects.toThrow(/fewer than the threshold/);
    await expect(fresh().shareKeys([b, c, d], verify)).resolves.toHaveLength(3);

    const graph = neighbourGraph(['a', 'b', 'c', 'd'], 3, new Uint8Array(32));
    const verifying = new SecAggServer({ runId: RUN, round: ROUND, params, graph });
    expect([...verifying.receiveAdvertisements([a, swappedKey, c, d], verify).keys()]).toEqual(['a', 'c', 'd']);
    expect(verifying.rejected.get('b')).toMatch(/bad advertisement signature/);
    // Without signatures, a key claimed by two clients removes both: neither can be trusted with it.
    const trusting = new SecAggServer({ runId: RUN, round: ROUND, params, graph });
    expect([...trusting.receiveAdvertisements([a, b, c, { ...d, encryptionKey: c.encryptionKey }]).keys()]).toEqual(['a', 'b']);
    expect(trusting.rejected.get('c')).toMatch(/not its own/);
    expect(trusting.rejected.get('d')).toMatch(/not its own/);
  });
});
