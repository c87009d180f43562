/**
 * Secure aggregation end to end, in process: n clients and the coordinator's state machine, full graph
 * (Bonawitz et al. 2017) and SecAgg+ neighbourhoods (Bell et al. 2020). The unmasked sum must equal,
 * bit for bit, the plain mod-2^b sum of the contributors' quantised updates, whoever dropped out and
 * when; below the threshold the coordinator's unmask must fail and return nothing.
 *
 * Updates are integers and scale = 1, so quantising is deterministic (no fractional part to round) and
 * the vectors the test sums are exactly the ones the clients masked: quantised once, used in both.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  neighbourGraph,
  planSecAgg,
  quantise,
  SecAggClient,
  SecAggServer,
  type EncryptedShare,
  type SecAggParams,
  type UnmaskResponse,
} from '@cohort/privacy/secagg';

interface RoundOptions {
  n: number;
  fullGraph: boolean;
  modelLength: number;
  bits?: number;
  /** Indices of clients that advertise but never share keys. */
  dropBeforeShare?: readonly number[];
  /** Indices of clients that share keys but send no masked input. */
  dropAfterShare?: readonly number[];
}

/** Integer updates in [−128, 127] and a clip norm that never clips them. */
function integerParams(n: number, fullGraph: boolean, modelLength: number, bits = 32): SecAggParams {
  const planned = planSecAgg({ clients: n, clipNorm: 1, modelLength, fullGraph, bits });
  return { ...planned, scale: 1, clipNorm: 128 * Math.sqrt(modelLength) + 1 };
}

function integerUpdate(length: number): Float32Array {
  return Float32Array.from(new Int8Array(randomBytes(length).buffer));
}

function modularSum(vectors: readonly Uint32Array[], length: number, bits: number): Uint32Array {
  const mask = bits === 32 ? -1 : 2 ** bits - 1;
  const sum = new Uint32Array(length);
  for (const v of vectors) for (let i = 0; i < length; i++) sum[i] = ((sum[i] as number) + (v[i] as number)) & mask;
  return sum;
}

/** Runs a round up to the unmask requests; returns what a test needs to finish or tamper with it. */
async function runToUnmask(options: RoundOptions) {
  const { n, fullGraph, modelLength, bits = 32 } = options;
  const ids = Array.from({ length: n }, (_, i) => `client-${String(i).padStart(2, '0')}`);
  const params = integerParams(n, fullGraph, modelLength, bits);
  const graph = neighbourGraph(ids, params.neighbours, new Uint8Array(32).fill(7));
  const server = new SecAggServer({ runId: 'run-1', round: 4, params, graph });
  const clients = new Map(ids.map((clientId) => [clientId, new SecAggClient({ runId: 'run-1', round: 4, clientId, params })]));
  const client = (id: string) => clients.get(id) as SecAggClient;
  const beforeShare = new Set((options.dropBeforeShare ?? []).map((i) => ids[i] as string));
  const afterShare = new Set((options.dropAfterShare ?? []).map((i) => ids[i] as string));

  const neighbourAdverts = server.receiveAdvertisements(ids.map((id) => client(id).advertise()));
  const shares = new Map<string, EncryptedShare[]>();
  for (const [id, adverts] of neighbourAdverts) if (!beforeShare.has(id)) shares.set(id, await client(id).shareKeys(adverts));
  const routed = server.routeShares(shares);

  const quantised = new Map<string, Uint32Array>();
  const masked = new Map<string, Uint32Array>();
  for (const [id, received] of routed) {
    if (afterShare.has(id)) continue;
    const update = integerUpdate(modelLength);
    quantised.set(id, quantise(update, params));
    masked.set(id, client(id).maskedInput(update, received, server.survivorsFor(id)));
  }
  const requests = server.receiveMaskedInputs(masked);
  const expected = modularSum([...quantised.values()], modelLength, bits);
  return { ids, params, server, client, requests, quantised, expected };
}

async function unmaskAll(round: Awaited<ReturnType<typeof runToUnmask>>): Promise<Uint32Array> {
  const responses: UnmaskResponse[] = [...round.requests].map(([id, request]) => round.client(id).unmask(request));
  return round.server.unmask(responses);
}

describe('secure aggregation is exact', () => {
  for (const fullGraph of [true, false]) {
    const graphName = fullGraph ? 'full graph' : 'SecAgg+';
    for (const [n, rate] of [
      [10, 0],
      [20, 0],
      [10, 0.1],
      [20, 0.1],
      [10, 0.3],
      [20, 0.3],
    ] as const) {
      it(`${graphName}, n = ${n}, ${rate * 100} % dropout after share-keys: the sum equals the plain sum bit for bit`, async () => {
        const dropped = Array.from({ length: Math.round(rate * n) }, (_, i) => 1 + 3 * i); // spread over the ring
        const round = await runToUnmask({ n, fullGraph, modelLength: 1000, dropAfterShare: dropped });
        const sum = await unmaskAll(round);
        expect(round.server.contributors).toEqual(round.ids.filter((_, i) => !dropped.includes(i)));
        expect(round.server.contributors).toHaveLength(n - dropped.length);
        expect(Buffer.from(sum.buffer).equals(Buffer.from(round.expected.buffer))).toBe(true);
        if (!fullGraph) expect(round.params.neighbours).toBeLessThan(n - 1);
      });
    }
  }

  it('copes with a dropout before share-keys and another after it (SecAgg+, n = 16, b = 20)', async () => {
    const round = await runToUnmask({
      n: 16,
      fullGraph: false,
      modelLength: 1000,
      bits: 20,
      dropBeforeShare: [3],
      dropAfterShare: [8, 11],
    });
    const sum = await unmaskAll(round);
    expect(round.server.contributors).toHaveLength(13);
    expect(round.server.contributors).not.toContain(round.ids[3]);
    expect(round.server.rejected.size).toBe(0); // dropouts are not rejections
    expect(sum.every((word) => word < 2 ** 20)).toBe(true);
    expect(Array.from(sum)).toEqual(Array.from(round.expected));
  });

  it('is exact across the PRG chunk boundary (m = 40 000, n = 5)', async () => {
    const round = await runToUnmask({ n: 5, fullGraph: true, modelLength: 40_000, dropAfterShare: [2] });
    const sum = await unmaskAll(round);
    expect(Buffer.from(sum.buffer).equals(Buffer.from(round.expected.buffer))).toBe(true);
  });

  it('below the threshold, unmask throws INVALID_STATE and returns nothing; with enough shares it then succeeds', async () => {
    const round = await runToUnmask({ n: 12, fullGraph: false, modelLength: 1000, dropAfterShare: [0, 5] });
    const responses = [...round.requests].map(([id, request]) => round.client(id).unmask(request));
    const t = round.params.threshold;
    // One response holds at most one share of any secret: every secret has fewer than t ≥ 2 shares.
    let result: Uint32Array | undefined;
    await expect(
      round.server.unmask(responses.slice(0, 1)).then((sum) => {
        result = sum;
      }),
    ).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(result).toBeUndefined();
    expect(t).toBeGreaterThanOrEqual(2);
    // No responses at all is the same failure.
    await expect(round.server.unmask([])).rejects.toMatchObject({ code: 'INVALID_STATE' });
    const sum = await round.server.unmask(responses);
    expect(Buffer.from(sum.buffer).equals(Buffer.from(round.expected.buffer))).toBe(true);
    await expect(round.server.unmask(responses)).rejects.toMatchObject({ code: 'INVALID_STATE' }); // once only
  });

  it('drops clients left with fewer than t surviving neighbours: with t = 5 the round completes after 2 dropouts and fails cleanly after 4', async () => {
    // Full graph, n = 8, t raised to 5: after 4 dropouts each survivor keeps 3 < 5 neighbours, so the round must fail;
    // after 2 dropouts each keeps 5 and the round completes.
    const n = 8;
    const ids = Array.from({ length: n }, (_, i) => `c${i}`);
    const params: SecAggParams = { ...integerParams(n, true, 100), threshold: 5 };
    for (const [drop, completes] of [
      [2, true],
      [4, false],
    ] as const) {
      const server = new SecAggServer({ runId: 'r', round: 0, params, graph: neighbourGraph(ids, n - 1, randomBytes(32)) });
      const clients = ids.map((clientId) => new SecAggClient({ runId: 'r', round: 0, clientId, params }));
      const adverts = server.receiveAdvertisements(clients.map((c) => c.advertise()));
      const shares = new Map<string, EncryptedShare[]>();
      for (const c of clients) shares.set(c.clientId, await c.shareKeys(adverts.get(c.clientId) ?? []));
      const routed = server.routeShares(shares);
      const masked = new Map<string, Uint32Array>();
      for (const c of clients.slice(drop))
        masked.set(c.clientId, c.maskedInput(integerUpdate(100), routed.get(c.clientId) ?? [], server.survivorsFor(c.clientId)));
      const requests = server.receiveMaskedInputs(masked);
      const responses = [...requests].map(([id, request]) => (clients.find((c) => c.clientId === id) as SecAggClient).unmask(request));
      if (completes) {
        await expect(server.unmask(responses)).resolves.toBeInstanceOf(Uint32Array);
        expect(server.contributors).toHaveLength(n - drop);
      } else {
        expect(requests.size).toBe(0);
        expect(server.rejected.size).toBe(n - drop);
        await expect(server.unmask(responses)).rejects.toMatchObject({ code: 'INVALID_STATE' });
      }
    }
  });
});
