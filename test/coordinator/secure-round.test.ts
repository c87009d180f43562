/**
 * The coordinator's secure-aggregate stage without sockets: `SecureRound` against the clients' own
 * `SecureRoundClient`s through an in-process transport. It averages what the contributors sent, and a
 * keyed client's stage answer that is unsigned or whose signature does not match is a failure of that
 * client (the round goes on without it), never silently accepted.
 */
import { describe, expect, it } from 'vitest';
import { SecureRound, planSecureRound, type SecureTransport } from '@cohort/coordinator';
import { generateBoxKeyPair, generateDeviceIdentity, openPayload, type DeviceIdentity } from '@cohort/privacy/identity';
import type { SecAggRequest, TensorSpec } from '@cohort/protocol';
import { SecureRoundClient } from '../../packages/client/src/secure-round';

const specs: TensorSpec[] = [{ name: 'w', shape: [64], dtype: 'float32' }];
const coordinatorKey = generateBoxKeyPair();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

type Tamper = (clientId: string, stage: SecAggRequest['stage'], answer: Record<string, unknown>) => Record<string, unknown>;

function round(count: number, tamper?: Tamper) {
  const identities = Array.from({ length: count }, (_, i) => generateDeviceIdentity(`c${i}`));
  const ids = identities.map((d) => d.id);
  const params = planSecureRound({ clipNorm: 10 }, count, specs);
  const updates = new Map(ids.map((id, i) => [id, Float32Array.from({ length: 64 }, (_, j) => ((i * 64 + j) % 13) / 1000 - 0.006)]));
  const clients = new Map(
    identities.map((identity: DeviceIdentity) => {
      const client = new SecureRoundClient('run', 1, identity.id, params, identity, b64(coordinatorKey.publicKey));
      client.trained([updates.get(identity.id)!]);
      return [identity.id, client] as const;
    }),
  );
  const keys = new Map(identities.map((d) => [d.id, b64(d.signing.publicKey)]));
  const transport: SecureTransport = {
    async exchange(requests) {
      const answers = new Map<string, unknown>();
      for (const [id, request] of requests) {
        const answer = (await clients.get(id)!.answer(request)) as Record<string, unknown>;
        answers.set(id, tamper ? tamper(id, request.stage, answer) : answer);
      }
      return { answers, failures: [], bytesIn: 0, bytesOut: 0 };
    },
    signingKey: (id) => keys.get(id),
    openSealed: (sealed, ad) => openPayload(sealed, coordinatorKey, ad),
  };
  const secure = new SecureRound(transport, 'run', 1, params, ids, specs, Date.now() + 60_000);
  return { secure, updates };
}

function meanOf(updates: Map<string, Float32Array>, ids: string[]): Float64Array {
  const mean = new Float64Array(64);
  for (const id of ids) updates.get(id)!.forEach((v, j) => (mean[j]! += v / ids.length));
  return mean;
}

function expectClose(actual: Float32Array, expected: Float64Array): void {
  for (let j = 0; j < expected.length; j++) expect(Math.abs(actual[j]! - expected[j]!)).toBeLessThan(1e-6);
}

describe('SecureRound', () => {
  it('commits the mean of every contributor, signed and sealed answers verified', async () => {
    const { secure, updates } = round(6);
    const outcome = await secure.run();
    expect(outcome.failed).toBeUndefined();
    expect(outcome.contributors).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expectClose(outcome.mean![0]!, meanOf(updates, outcome.contributors));
  });

  it('fails the one client whose share-keys answer was altered after signing, and averages the others', async () => {
    const { secure, updates } = round(6, (id, stage, answer) =>
      id === 'c2' && stage === 'share-keys' ? { ...answer, shares: (answer.shares as unknown[]).slice().reverse() } : answer,
    );
    const outcome = await secure.run();
    expect(outcome.failures).toEqual([
      expect.objectContaining({ clientId: 'c2', kind: 'rejected', reason: expect.stringMatching(/^BAD_SIGNATURE/) }),
    ]);
    expect(outcome.contributors).not.toContain('c2');
    expectClose(outcome.mean![0]!, meanOf(updates, outcome.contributors));
  });

  it('fails a keyed client whose masked input comes unsigned; its neighbours unmask around it', async () => {
    const { secure, updates } = round(6, (id, stage, answer) => {
      if (id !== 'c3' || stage !== 'masked-input') return answer;
      const { signature: _signature, ...unsigned } = answer;
      return unsigned;
    });
    const outcome = await secure.run();
    expect(outcome.failures).toEqual([expect.objectContaining({ clientId: 'c3', reason: expect.stringMatching(/^UNSIGNED/) })]);
    expect(outcome.contributors).toEqual(['c0', 'c1', 'c2', 'c4', 'c5']);
    expectClose(outcome.mean![0]!, meanOf(updates, outcome.contributors));
  });
});
